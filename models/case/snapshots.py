"""What changed in a case between two projections, small enough to keep in its history.

Since the `local-read-model` patch (workflows/case_base.py) the read model is written by a
local activity, whose input Temporal does not record; it returns the change instead, and
that result is recorded. An auditor's timeline (models/audit/timeline.py) rebuilds each
snapshot by applying the changes in order. A change names each top-level field of the
case's JSON that differs; a list that only grew (notes, charges, credits) is named with
`APPENDED` after it and carries only its new items.
"""

from typing import Any

from pydantic import BaseModel

from models.case.resource import Case

APPENDED = "+"


class ProjectionRequest(BaseModel):
    """The case to write, and the revision this run last wrote (None: none yet)."""

    case: Case
    before_revision: int | None = None


def case_change(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """The change from `before` (None: nothing yet, so every field) to `after`."""
    if before is None:
        return dict(after)
    change: dict[str, Any] = {}
    for key, value in after.items():
        old = before.get(key)
        if key in before and old == value:
            continue
        if isinstance(old, list) and isinstance(value, list) and value[: len(old)] == old:
            change[key + APPENDED] = value[len(old) :]
        else:
            change[key] = value
    return change


def apply_change(before: dict[str, Any] | None, change: dict[str, Any]) -> dict[str, Any]:
    """The snapshot `change` (from `case_change`) makes of `before`."""
    after = dict(before or {})
    for key, value in change.items():
        if key.endswith(APPENDED) and isinstance(value, list):
            name = key.removesuffix(APPENDED)
            kept = after.get(name)
            after[name] = [*(kept if isinstance(kept, list) else []), *value]
        else:
            after[key] = value
    return after
