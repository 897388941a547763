"""Published policy versions: immutable, numbered 1, 2, 3 per policy name.

Publishing validates the text, resolves holidays to explicit dates (so a case
replays the same whatever the `holidays` package says later) and stores the
body with the source as written. Publishing text identical (same SHA-256) to
the latest version returns that version instead of adding a duplicate; text
identical to an older version is a new version (a deliberate roll-back).
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.policy import Policy, load_policy
from models.policy.errors import PolicyError
from models.tables.core import PolicyVersionRow

POLICY_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class PolicySummary:
    """One line of the policy list."""

    name: str
    latest_version: int
    published_at: datetime
    description: str


@dataclass(frozen=True)
class Published:
    row: PolicyVersionRow
    # False when the text equals the latest version, which is returned as is.
    created: bool


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def publish(session: Session, text: str, published_by: str | None = None) -> PolicyVersionRow:
    """Validate and store `text` as the next version of its policy (see module docstring)."""
    return publish_text(session, text, published_by).row


def publish_text(
    session: Session, text: str, published_by: str | None = None, filename: str | None = None
) -> Published:
    """Like `publish`, and says whether a new version was created. Raises PolicyError."""
    policy = load_policy(text, filename)
    digest = sha256_of(text)
    body = policy.resolved().to_body()
    # Two publishers racing for the same number: the unique constraint lets one win; retry.
    for _attempt in range(3):
        current = latest(session, policy.name)
        if current is not None and current.sha256 == digest:
            return Published(current, created=False)
        row = PolicyVersionRow(
            name=policy.name,
            version=(current.version if current else 0) + 1,
            body=body,
            source=text,
            sha256=digest,
            published_at=datetime.now(UTC),
            published_by=published_by,
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        session.refresh(row)
        return Published(row, created=True)
    raise RuntimeError(f"could not publish policy {policy.name!r}: concurrent publishers")


def latest(session: Session, name: str) -> PolicyVersionRow | None:
    query = (
        select(PolicyVersionRow)
        .where(PolicyVersionRow.name == name)
        .order_by(col(PolicyVersionRow.version).desc())
        .limit(1)
    )
    return session.exec(query).first()


def latest_cached(session: Session, name: str) -> PolicyVersionRow | None:
    """`latest`, reading only the newest version's number and digest when this process has
    its row already (every `POST /cases` asks: the body is tens of kilobytes of JSON). The
    row is detached and shared: read it, never change it."""
    query = (
        select(PolicyVersionRow.version, PolicyVersionRow.sha256)
        .where(PolicyVersionRow.name == name)
        .order_by(col(PolicyVersionRow.version).desc())
        .limit(1)
    )
    newest = session.exec(query).first()
    if newest is None:
        return None
    key = (name, *newest)
    row = _latest_rows.get(key)
    if row is None:
        row = get(session, name, newest[0])
        if row is None:
            return None
        session.expunge(row)
        if len(_latest_rows) >= _CACHE_SIZE:
            _latest_rows.clear()
        _latest_rows[key] = row
    return row


def get(session: Session, name: str, version: int) -> PolicyVersionRow | None:
    query = select(PolicyVersionRow).where(
        PolicyVersionRow.name == name, PolicyVersionRow.version == version
    )
    return session.exec(query).first()


def versions(session: Session, name: str) -> list[int]:
    query = (
        select(PolicyVersionRow.version)
        .where(PolicyVersionRow.name == name)
        .order_by(col(PolicyVersionRow.version))
    )
    return list(session.exec(query))


def latest_rows(session: Session) -> list[PolicyVersionRow]:
    """The latest version of every policy, by name, in one query."""
    newest = (
        select(PolicyVersionRow.name, func.max(PolicyVersionRow.version).label("version"))
        .group_by(col(PolicyVersionRow.name))
        .subquery()
    )
    query = (
        select(PolicyVersionRow)
        .join(
            newest,
            (col(PolicyVersionRow.name) == newest.c.name)
            & (col(PolicyVersionRow.version) == newest.c.version),
        )
        .order_by(col(PolicyVersionRow.name))
    )
    return list(session.exec(query))


def latest_policies(session: Session) -> list[Policy]:
    """The latest version of every policy, validated (once per version), by name."""
    return [cached_policy(row) for row in latest_rows(session)]


def list_policies(session: Session) -> list[PolicySummary]:
    """The latest version of every policy, by name."""
    return [
        PolicySummary(
            name=row.name,
            latest_version=row.version,
            published_at=row.published_at,
            description=str(row.body.get("description") or ""),
        )
        for row in latest_rows(session)
    ]


def load_version(row: PolicyVersionRow) -> Policy:
    """The stored (resolved) policy of a version."""
    return Policy.model_validate(row.body)


# Versions never change, so a version read once need not be validated again (10 ms each).
_CACHE_SIZE = 256
_cached: dict[tuple[str, int, str], Policy] = {}
_latest_rows: dict[tuple[str, int, str], PolicyVersionRow] = {}


def cached_policy(row: PolicyVersionRow) -> Policy:
    """`load_version(row)`, validated once per process for each version (its name, number
    and digest: two databases may hold different texts under one name and number)."""
    key = (row.name, row.version, row.sha256)
    policy = _cached.get(key)
    if policy is None:
        if len(_cached) >= _CACHE_SIZE:
            _cached.clear()
        policy = _cached[key] = load_version(row)
    return policy


def diff(session: Session, name: str, a: int, b: int) -> str:
    """One line per difference from version `a` to `b`; "" when they are the same.

    `path: old -> new` for a changed value, `+ path: value` for an addition and
    `- path: value` for a removal. Lists of items with an id are matched by id.
    """
    before, after = get(session, name, a), get(session, name, b)
    if before is None or after is None:
        missing = a if before is None else b
        raise KeyError(f"policy {name!r} has no version {missing}")
    return "\n".join(diff_bodies(before.body, after.body))


def diff_bodies(before: Any, after: Any, path: str = "") -> Iterator[str]:
    """Differences between two JSON documents, as readable lines."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            child = f"{path}.{key}" if path else str(key)
            if key not in after:
                if before[key] is not None:
                    yield f"- {child}: {_show(before[key])}"
            elif key not in before:
                if after[key] is not None:
                    yield f"+ {child}: {_show(after[key])}"
            else:
                yield from diff_bodies(before[key], after[key], child)
        return
    if isinstance(before, list) and isinstance(after, list):
        keyed_before, keyed_after = _by_id(before), _by_id(after)
        if keyed_before is not None and keyed_after is not None:
            yield from diff_bodies(keyed_before, keyed_after, path)
            return
        if all(not isinstance(item, dict | list) for item in before + after):
            yield from _diff_scalars(before, after, path)
            return
        yield from diff_bodies(dict(enumerate(before)), dict(enumerate(after)), path)
        return
    if before == after:
        return
    where = path or "(policy)"
    # The stored body spells out absent optional sections as null: show them as removed/added.
    if after is None:
        yield f"- {where}: {_show(before)}"
    elif before is None:
        yield f"+ {where}: {_show(after)}"
    else:
        yield f"{where}: {_show(before)} -> {_show(after)}"


def _by_id(items: list[Any]) -> dict[str, Any] | None:
    """Items keyed by their `id` (or `name`), when every item has a distinct one."""
    for key in ("id", "name"):
        ids = [item.get(key) for item in items if isinstance(item, dict)]
        names = [i for i in ids if isinstance(i, str)]
        if len(names) == len(items) and len(set(names)) == len(names):
            return dict(zip(names, items, strict=True))
    return None


def _diff_scalars(before: list[Any], after: list[Any], path: str) -> Iterator[str]:
    if before == after:
        return
    removed = [item for item in before if item not in after]
    added = [item for item in after if item not in before]
    if len(before) + len(after) <= 12 or not (added or removed):
        yield f"{path}: {_show(before)} -> {_show(after)}"
        return
    if removed:
        yield f"{path}: removed {_show(removed)}"
    if added:
        yield f"{path}: added {_show(added)}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return (
            value if value and value.strip() == value and "\n" not in value else json.dumps(value)
        )
    return json.dumps(_without_nulls(value), ensure_ascii=False, separators=(", ", ": "))


def _without_nulls(value: Any) -> Any:
    """Unset optional fields are noise in a one-line rendering of an added item."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def policy_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in POLICY_SUFFIXES)


def publish_examples_if_absent(
    session: Session, folder: Path | str, published_by: str | None = "examples"
) -> list[PolicyVersionRow]:
    """Publish each policy file in `folder` whose name has no version yet; returns new rows.

    A file that does not validate raises PolicyError naming it: examples are meant to be valid.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    created: list[PolicyVersionRow] = []
    for path in policy_files(folder):
        text = path.read_text(encoding="utf-8")
        policy = load_policy(text, str(path))
        if latest(session, policy.name) is None:
            created.append(publish_text(session, text, published_by, str(path)).row)
    return created


__all__ = [
    "PolicyError",
    "PolicySummary",
    "Published",
    "diff",
    "get",
    "latest",
    "latest_policies",
    "latest_rows",
    "list_policies",
    "load_version",
    "publish",
    "publish_examples_if_absent",
    "publish_text",
    "versions",
]
