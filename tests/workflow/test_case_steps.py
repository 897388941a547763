"""Escalation by an engineer: the checklist gate and the tier's own response clock.

Timed paths (breaches, waits, reopening) are in test_case_timers.py."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case.steps import Escalate
from tests.workflow.cases import Desk, example_policy, step


async def now(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time()


async def test_escalation_needs_the_checklist_and_starts_the_tier_clock(
    temporal_env: WorkflowEnvironment, session: Session, shared_desk: Desk
) -> None:
    handle, _ = await shared_desk.open_case_at(
        await now(temporal_env), "maxony", "europe", severity="normal"
    )
    with pytest.raises(WorkflowUpdateFailedError) as error:
        await step(handle, "escalate", Escalate(to_tier="level2", reason="needs dev", actor="e:bo"))
    assert "checklist" in str(error.value.cause)
    policy = example_policy(session, "maxony")
    checklist: dict[str, bool | str] = {
        item.id: True for item in policy.tier("level2").required_items
    }
    at = await now(temporal_env)
    case = await step(
        handle,
        "escalate",
        Escalate(to_tier="level2", reason="reproduced", checklist=checklist, actor="e:bo"),
    )
    assert case.tier == "level2"
    level2 = policy.tier_response("europe", "level2")
    assert level2 is not None
    expected = policy.due_at(level2, at)
    due = case.sla["tier_response"].due_at
    assert due is not None and abs(due - expected) < timedelta(seconds=2)
