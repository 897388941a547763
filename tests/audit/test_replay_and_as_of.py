"""Replay against the current code (and a changed one), and the case's state as of instants."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalator.replay import AsOfError, replay_case, state_as_of
from tests.audit.changed_case import ChangedCaseWorkflow
from tests.audit.conftest import Finished
from workflows.archive import ArchiveCaseWorkflow

DENVER = ZoneInfo("America/Denver")


async def test_the_case_replays_against_the_current_code(finished: Finished) -> None:
    verdict = await replay_case(finished.history)
    assert verdict.deterministic, verdict.error
    assert verdict.error is None
    assert verdict.events == finished.history.event_count > 100
    assert [run.workflow_type for run in verdict.runs] == ["CaseWorkflow"]


async def test_a_changed_workflow_is_reported_non_deterministic(finished: Finished) -> None:
    verdict = await replay_case(finished.history, [ChangedCaseWorkflow, ArchiveCaseWorkflow])
    assert not verdict.deterministic
    assert verdict.error is not None
    # The run, and Temporal's account of the mismatch: the acknowledgement's e-mail activity
    # the history has where the changed code schedules none.
    assert verdict.error.startswith(f"{finished.case_id} (run {finished.history.runs[0].run_id}):")
    assert "NondeterminismError: [TMPRL1100] Nondeterminism error:" in verdict.error
    assert "ActivityTaskScheduled" in verdict.error


def near(at: datetime | None, expected: datetime) -> bool:
    return at is not None and abs(at - expected) < timedelta(seconds=1)


async def test_state_as_of_three_instants(finished: Finished) -> None:
    monday = finished.scenario.start.astimezone(DENVER)
    tuesday = monday + timedelta(days=1)

    acknowledged = await state_as_of(finished.history, monday.replace(hour=9, minute=15))
    assert acknowledged.status == "acknowledged"
    assert acknowledged.ticket_number == "ZSU-000001"
    assert acknowledged.assignee is None and acknowledged.tier == "helpdesk"
    assert acknowledged.sla["response"].due_at == monday.replace(hour=11, minute=0)
    assert not acknowledged.sla["response"].paused

    waiting = await state_as_of(finished.history, monday.replace(hour=12, minute=0))
    assert waiting.status == "waiting_customer"
    assert waiting.assignee == "ada" and waiting.priority == "high"
    assert waiting.sla["response"].paused and waiting.sla["response"].due_at is None
    assert waiting.sla["restoration"].paused

    restored = await state_as_of(finished.history, tuesday.replace(hour=10, minute=35))
    assert restored.status == "restored"
    assert restored.tier == "engineering"
    response, restoration = restored.sla["response"], restored.sla["restoration"]
    # Pauses begin and end when steps ran, milliseconds after the scenario's minute.
    assert near(response.due_at, tuesday.replace(hour=11, minute=20))
    assert response.met_at is not None and not response.breached
    assert near(restoration.met_at, tuesday.replace(hour=10, minute=30))
    assert restored.resolution is None


async def test_as_of_before_the_case_existed_is_refused(finished: Finished) -> None:
    with pytest.raises(AsOfError, match="before the case's workflow first ran"):
        await state_as_of(finished.history, finished.scenario.start - timedelta(hours=1))
    with pytest.raises(AsOfError, match="give an offset"):
        await state_as_of(finished.history, finished.scenario.start.replace(tzinfo=None))
