"""An organisation's change trail as the portal shows it: who, when, what, and each field
before and after (escalator/registry/changes.py records them)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalator.registry import Change

# Bookkeeping every record carries: not what anyone changed.
HIDDEN = frozenset({"id", "org", "created_at", "updated_at"})
# Columns a kind of record shares with another but does not use (a contract's `extended`).
UNUSED = {
    "contract": frozenset({"kind", "extended"}),
    "warranty": frozenset({"kind", "monthly_fee", "currency"}),
}
ENTITY_NAMES = {"partner_client": "partner link"}
# What names a record of each kind in a sentence.
SUBJECT_FIELD = {
    "organisation": "id",
    "contact": "email",
    "system": "host_id",
    "contract": "reference",
    "warranty": "reference",
}


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class TrailEntry:
    id: int
    at: datetime
    actor: str
    entity: str
    action: str
    subject: str
    fields: list[FieldChange]


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _subject(change: Change) -> str:
    record = change.after or change.before or {}
    if change.entity == "partner_client":
        return f"{record.get('partner', '?')} acts for {record.get('client', '?')}"
    name = SUBJECT_FIELD.get(change.entity)
    return str(record.get(name) or change.entity_id) if name else change.entity_id


def _fields(change: Change, hosts: Mapping[int, str]) -> list[FieldChange]:
    """The fields that changed; all the record held when it was created or removed."""
    if change.entity == "partner_client":
        return []  # its subject says it all
    before, after = change.before or {}, change.after or {}
    unused = UNUSED.get(change.entity, frozenset())

    def shown(name: str, value: Any) -> str | None:
        if name == "system_id" and isinstance(value, int):
            return hosts.get(value, f"system {value}")
        return _text(value)

    found: list[FieldChange] = []
    for name in dict.fromkeys([*before, *after]):
        if name in HIDDEN or name in unused:
            continue
        old, new = shown(name, before.get(name)), shown(name, after.get(name))
        if old != new:
            label = "system" if name == "system_id" else name
            found.append(FieldChange(label, old, new))
    return found


def trail(changes: Sequence[Change], hosts: Mapping[int, str]) -> list[TrailEntry]:
    """`changes` as entries (newest first, as read); `hosts` names systems by host ID."""
    return [
        TrailEntry(
            id=change.id,
            at=change.at,
            actor=change.actor,
            entity=ENTITY_NAMES.get(change.entity, change.entity),
            action=change.action,
            subject=_subject(change),
            fields=_fields(change, hosts),
        )
        for change in changes
    ]
