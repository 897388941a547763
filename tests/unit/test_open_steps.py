"""`open_steps` (the case's "steps" Query, what the portal offers) agrees with the validators:
a step it refuses is refused whatever the body, and a step it offers passes with some body."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import pytest

from models.case import transitions as rules
from models.case.resource import CaseStatus
from models.case.state import CaseState
from models.case.steps import Escalate, ReceiveRma, RequestInfo, Triage
from models.field.records import FieldService, RmaReturn
from models.policy import Policy, load_policy
from tests.unit.test_step_table import state as bare_state

POLICIES = Path(__file__).resolve().parents[2] / "escalator" / "policies"
NOW = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
STATUSES: tuple[CaseStatus, ...] = get_args(CaseStatus)


def policy(name: str) -> Policy:
    return load_policy((POLICIES / f"{name}.yaml").read_text()).resolved()


def states(policy: Policy) -> Iterator[CaseState]:
    """Every status, on every plan and tier, covered or waiting for a purchase order, with and
    without an open RMA, closed just now or long ago."""
    rma = RmaReturn(
        id="R1", workflow_id="w", shipment_id="S1", sku="x", quantity=1, region="europe", window="w"
    )
    for status in STATUSES:
        for plan in policy.plans:
            for tier in (None, *(t.id for t in policy.tiers)):
                for entitlement in (None, "po_required"):
                    for rmas in ([], [rma]):
                        for closed in (NOW - timedelta(minutes=5), NOW - timedelta(days=400)):
                            base = bare_state(status)
                            case = base.case.model_copy(
                                update={
                                    "plan": plan,
                                    "policy": policy.name,
                                    "tier": tier,
                                    "entitlement": entitlement,
                                    "field_service": FieldService(rmas=rmas),
                                }
                            )
                            yield CaseState(case=case, closed_at=closed)


def arguments(step: str, policy: Policy, state: CaseState) -> list[tuple[Any, ...]]:
    """What the step's validator passes its rule, for every body worth trying."""
    if step == "triage":
        return [(policy, Triage(severity=s.id)) for s in policy.severities]
    if step == "escalate":
        return [
            (
                policy,
                Escalate(to_tier=t.id, reason="r", checklist={i.id: True for i in t.checklist}),
            )
            for t in policy.tiers
        ]
    if step == "request-info":
        return [(RequestInfo(message="m"),)]
    if step == "reopen":
        return [(policy, NOW)]
    if step == "dispatch-onsite":
        return [(policy,)]
    if step == "ship-part":
        return [(policy, "north_america")]
    if step == "receive-rma":
        return [
            (policy, ReceiveRma(rma_id=rma.id, tracking_number="1Z"))
            for rma in state.case.field_service.rmas
        ]
    return [()]


@pytest.mark.parametrize("name", ["zsupport", "emetrotel", "maxony", "protelecom", "maltarea"])
def test_what_the_case_offers_is_what_its_validators_allow(name: str) -> None:
    example = policy(name)
    checked = 0
    for state in states(example):
        offered = rules.open_steps(state, example, NOW)
        assert set(offered) == set(rules.STEPS)
        for step, reason in offered.items():
            allowed = [
                rules.STEPS[step].refuse(state, *args) is None
                for args in arguments(step, example, state)
            ]
            where = (step, state.case.status, state.case.plan, state.case.tier)
            if reason is None:
                assert any(allowed), where
            else:
                assert not any(allowed), where
            checked += 1
    assert checked > 1000
