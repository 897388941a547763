"""Steps the case does not allow now are refused with a reason and leave no trace in history."""

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from models.case.resource import CaseResult
from models.case.steps import Close, CustomerReply, Escalate, Resolve, StepBody
from tests.workflow.cases import Desk, step
from workflows.case import CaseWorkflow

UPDATE_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
}


async def accepted_updates(handle: WorkflowHandle[CaseWorkflow, CaseResult]) -> list[str]:
    """Names of the Updates the history holds (a refused one must not be among them)."""
    names: list[str] = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            names.append(request.input.name)
        else:
            assert event.event_type not in UPDATE_EVENTS - {
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
            }, f"a refused step left {EventType.Name(event.event_type)} in history"
    return names


async def refused(
    handle: WorkflowHandle[CaseWorkflow, CaseResult], step_name: str, step: StepBody
) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as error:
        await handle.execute_update(step_name, step)
    return str(error.value.cause)


async def test_refused_steps_say_why_and_are_absent_from_history(
    temporal_env: WorkflowEnvironment, shared_desk: Desk
) -> None:
    handle, _ = await shared_desk.open_case_at(
        await temporal_env.get_current_time(), "zsupport", "managed", severity="standard"
    )
    reply = CustomerReply(message="here you go", actor="partner:acme")
    assert "not waiting" in await refused(handle, "customer-reply", reply)

    escalate = Escalate(to_tier="engineering", reason="needs engineering", actor="engineer:bo")
    assert "checklist" in await refused(handle, "escalate", escalate)

    await step(handle, "resolve", Resolve(resolution="fixed", actor="engineer:bo"))
    await step(handle, "close", Close(actor="engineer:bo"))
    # The policy's reopen window keeps the closed case's workflow running, so the step
    # reaches the validator (a finished case answers "workflow execution already completed").
    again = Resolve(resolution="fixed again", actor="engineer:bo")
    assert "closed" in await refused(handle, "resolve", again)

    assert await accepted_updates(handle) == ["intake_recorded", "resolve", "close"]
    case = await handle.query(CaseWorkflow.get_case)
    assert [note.actor for note in case.notes][-2:] == ["engineer:bo", "engineer:bo"]
