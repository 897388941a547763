"""Keeps a case's Temporal search attributes (models/case/search_attributes.py) equal to its state.

Called whenever the case is projected; it upserts only the attributes that changed since
its own last upsert, so a step that changes none (a note) adds no command. What was sent is
kept in the workflow, not read back from `workflow.info()`: replay must decide the same
way whatever the server put in the start event. Behind SEARCH_PATCH: histories recorded
before it carry no upserts and replay without them.
"""

from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from models.case.resource import Case
    from models.case.search_attributes import CASE_SEARCH_ATTRIBUTES, case_search_values

SEARCH_PATCH = "search-attributes"


def _key(name: str) -> SearchAttributeKey[Any]:
    kind = CASE_SEARCH_ATTRIBUTES[name]
    return (
        SearchAttributeKey.for_bool(name)
        if kind == "Bool"
        else SearchAttributeKey.for_keyword(name)
    )


class CaseSearch:
    """The attribute values this run has upserted (a new run upserts them all once)."""

    def __init__(self) -> None:
        self._sent: dict[str, str | bool | None] = {}

    def keep_current(self, case: Case, *, breached: bool) -> None:
        if not workflow.patched(SEARCH_PATCH):
            return
        updates: list[SearchAttributeUpdate[Any]] = []
        for name, value in case_search_values(case, breached=breached).items():
            if name in self._sent and self._sent[name] == value:
                continue
            if value is None and name not in self._sent:
                self._sent[name] = None  # nothing to remove on a new run
                continue
            key = _key(name)
            updates.append(key.value_unset() if value is None else key.value_set(value))
            self._sent[name] = value
        if updates:
            workflow.upsert_search_attributes(updates)
