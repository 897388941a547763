"""The change a local projection records (models/case/snapshots.py) rebuilds the snapshot."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.case.snapshots import APPENDED, apply_change, case_change

BEFORE: dict[str, Any] = {
    "status": "new",
    "revision": 3,
    "notes": [{"text": "opened"}],
    "charges": [],
    "sla": {"response": {"due_at": "2026-12-07T10:00:00Z", "breached": False}},
    "assignee": None,
}


def test_a_grown_list_records_only_its_new_items() -> None:
    after = BEFORE | {"notes": [*BEFORE["notes"], {"text": "called back"}], "revision": 4}
    change = case_change(BEFORE, after)
    assert change == {"revision": 4, "notes" + APPENDED: [{"text": "called back"}]}
    assert apply_change(BEFORE, change) == after


def test_a_replaced_list_or_a_cleared_field_is_recorded_whole() -> None:
    after = BEFORE | {"notes": [{"text": "edited"}], "status": "acknowledged", "sla": {}}
    change = case_change(BEFORE, after)
    assert change == {"notes": [{"text": "edited"}], "status": "acknowledged", "sla": {}}
    assert apply_change(BEFORE, change) == after


def test_the_first_write_of_a_run_records_the_whole_case() -> None:
    assert case_change(None, BEFORE) == BEFORE
    assert apply_change(None, BEFORE) == BEFORE
    assert case_change(BEFORE, BEFORE) == {}


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)
snapshots = st.dictionaries(st.sampled_from(["a", "b", "notes", "sla"]), values)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=snapshots, after=snapshots)
def test_applying_the_change_gives_the_snapshot_after(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    # A case's JSON always has the same keys: a key may change, never disappear.
    after = before | after
    assert apply_change(before, case_change(before, after)) == after
