"""The steps table (models/case/transitions.py): each step's to-status, as the handlers had it."""

from datetime import UTC, datetime
from typing import get_args

import pytest

from models.case import transitions as rules
from models.case.resource import Case, CaseStatus, Contact
from models.case.state import CaseState

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
STATUSES: tuple[CaseStatus, ...] = get_args(CaseStatus)


def state(status: CaseStatus, before_wait: CaseStatus | None = None) -> CaseState:
    case = Case(
        id="case-1",
        policy="p",
        policy_version=1,
        plan="basic",
        org="o",
        channel="email",
        subject="s",
        contact=Contact(name="C", email="c@example.test"),
        received_at=NOW,
        updated_at=NOW,
        status=status,
    )
    return CaseState(case=case, status_before_wait=before_wait)


def written_in_handlers(step: str, now: CaseState) -> CaseStatus | None:
    """What each handler wrote before the table (workflows/case.py at 75d61c8)."""
    status = now.case.status
    fixed: dict[str, CaseStatus] = {
        "acknowledge": "acknowledged",
        "request-info": "waiting_customer",
        "restore": "restored",
        "resolve": "resolved",
        "close": "closed",
        "reopen": "in_progress",
    }
    if step in fixed:
        return fixed[step]
    if step == "triage":
        return "triaged" if status in ("new", "acknowledged") else None
    if step == "assign":
        return "assigned" if status in ("new", "acknowledged", "triaged") else None
    if step == "respond":
        return "in_progress" if status in ("new", "acknowledged", "triaged", "assigned") else None
    if step == "customer-reply":
        return now.status_before_wait or "in_progress"
    return None


@pytest.mark.parametrize("step", sorted(rules.STEPS))
def test_every_step_moves_the_case_as_its_handler_did(step: str) -> None:
    for status in STATUSES:
        for before in (None, *STATUSES):
            now = state(status, before)
            assert rules.moved_to(step, now) == written_in_handlers(step, now), (status, before)


def test_every_step_has_its_refusal_beside_its_status() -> None:
    assert rules.STEPS["triage"].refuse is rules.refuse_triage
    assert all(
        rule.refuse.__name__ == f"refuse_{name.replace('-', '_')}"
        for name, rule in rules.STEPS.items()
    )
