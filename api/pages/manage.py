"""The manager's pages: the published policies (list, one version with its source, the
difference between two versions), and, from the modules included here, checking and
publishing a draft (policy_drafts.py) and the monthly SLA report (sla_report.py).

Managers, auditors and admins read policies; only managers and admins publish.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.deps import EngineDep
from api.pages import policy_drafts, sla_report
from api.pages.policy_source import diff_lines, source_lines
from api.pages.rendering import not_found_page, page
from api.web_session import Viewer, viewer_with_role
from escalator import policy_store
from models.tables.core import PolicyVersionRow

router = APIRouter(prefix="/portal", include_in_schema=False)
# Before `/policies/{name}`: "draft" and "publish" are pages, not policy names.
router.include_router(policy_drafts.router)
router.include_router(sla_report.router)

PolicyReader = Annotated[
    Viewer, Depends(viewer_with_role("manager", "auditor", action="Reading policies"))
]

# Versions are numbered from 1; anything beyond a column's range is no version.
MAX_VERSION = 2**31 - 1

# What the version page says after a publish form sent the viewer there (fixed texts only).
PUBLISHED_NOTICES = {
    "new": "Published: this is the new version.",
    "same": "Nothing was published: the draft is identical to this version.",
}


def version_number(raw: str | None) -> int | None:
    """A version number from a query parameter; ValueError saying what is wrong."""
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_VERSION:
        raise ValueError("must be a version number: 1, 2, 3, ...")
    return int(raw)


@router.get("/policies")
def policy_list(request: Request, viewer: PolicyReader, engine: EngineDep) -> Response:
    with Session(engine) as session:
        policies = policy_store.list_policies(session)
    return page(request, "policies.html", viewer=viewer, title="Policies", policies=policies)


@dataclass(frozen=True)
class VersionView:
    row: PolicyVersionRow
    versions: list[int]


def _version_view(engine: Engine, name: str, version: int | None) -> VersionView | None:
    with Session(engine) as session:
        if version is None:
            row = policy_store.latest(session, name)
        else:
            row = policy_store.get(session, name, version)
        if row is None:
            return None
        return VersionView(row, policy_store.versions(session, name))


@router.get("/policies/{name}")
async def policy_version(
    request: Request,
    name: str,
    viewer: PolicyReader,
    engine: EngineDep,
    version: str | None = None,
    published: str | None = None,
) -> Response:
    """One version (the latest unless `?version=N`) with its source, line by line."""
    try:
        number = version_number(version)
    except ValueError:
        # Not a version of any policy: as missing as an unknown number.
        return not_found_page(request, viewer)
    view = await run_in_threadpool(_version_view, engine, name, number)
    if view is None:
        return not_found_page(request, viewer)
    row = view.row
    return page(
        request,
        "policy_version.html",
        viewer=viewer,
        title=f"{row.name} v{row.version}",
        row=row,
        versions=view.versions,
        description=str(row.body.get("description") or ""),
        lines=source_lines(row.source)[0],
        compare=_compare_pair(view.versions, row.version),
        notice=PUBLISHED_NOTICES.get(published or ""),
    )


@router.get("/policies/{name}/diff")
async def policy_diff(
    request: Request,
    name: str,
    viewer: PolicyReader,
    engine: EngineDep,
    a: str | None = None,
    b: str | None = None,
) -> Response:
    """What changed from version `a` to version `b`, one line per difference."""
    view = await run_in_threadpool(_version_view, engine, name, None)
    if view is None:
        return not_found_page(request, viewer)
    errors: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for field, raw in (("a", a), ("b", b)):
        try:
            number = version_number(raw)
        except ValueError as error:
            errors[field] = str(error)
            continue
        if number is None:
            errors[field] = "choose a version"
        elif number not in view.versions:
            errors[field] = f"{name} has no version {number} (it has {_listed(view.versions)})"
        else:
            numbers[field] = number
    context: dict[str, Any] = {
        "viewer": viewer,
        "title": f"{name}: compare versions",
        "name": name,
        "versions": view.versions,
        "a": a or "",
        "b": b or "",
    }
    if errors:
        return page(request, "policy_diff.html", 422, errors=errors, **context)
    text = await run_in_threadpool(_diff, engine, name, numbers["a"], numbers["b"])
    return page(request, "policy_diff.html", changes=diff_lines(text.splitlines()), **context)


def _diff(engine: Engine, name: str, a: int, b: int) -> str:
    with Session(engine) as session:
        return policy_store.diff(session, name, a, b)


def _compare_pair(versions: list[int], version: int) -> tuple[int, int]:
    """What the compare form offers first: this version against the one before it (the
    first version against the latest)."""
    position = versions.index(version)
    return (versions[position - 1], version) if position > 0 else (version, versions[-1])


def _listed(versions: list[int]) -> str:
    return ", ".join(str(v) for v in versions)
