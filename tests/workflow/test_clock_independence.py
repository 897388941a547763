"""A case's timed actions depend on its timers firing, never on the clock of the task.

A worker replaying a case it no longer keeps in its cache may run the task that sees a
timer fire with the clock of the task before (tests/audit/test_nondeterminism_diagnosis.py).
The workflow before EDGES_PATCH compared the due instant with that clock, found the action
not yet due, and started another timer: a history no code can replay. Here a real case's
history gets exactly that lag on every task that saw a timer fire, and must still replay.
"""

from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from escalator.replay import make_replayer
from models.case.steps import AddNote
from tests.workflow.cases import Desk, delivered, step
from tests.workflow.clock import advance_to


def with_lagging_clocks(history: WorkflowHistory) -> tuple[WorkflowHistory, int]:
    """The history with each task that saw a timer fire started at the previous task's time;
    and how many such tasks there were."""
    events = [type(event)() for event in history.events]
    for copy, event in zip(events, history.events, strict=True):
        copy.CopyFrom(event)
    last_started = None
    lag_next = None
    lagged = 0
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_TIMER_FIRED and last_started is not None:
            lag_next = last_started
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            if lag_next is not None:
                event.event_time.CopyFrom(lag_next.event_time)
                lagged += 1
                lag_next = None
            last_started = event
    return WorkflowHistory(history.workflow_id, events), lagged


async def test_timed_actions_fire_whatever_the_clock_of_the_task_that_sees_the_timer(
    own_env: WorkflowEnvironment, desk: Desk
) -> None:
    start = await own_env.get_current_time()
    handle, _ = await desk.open_case_at(start, "fasttest", "fast", severity="critical")
    # Response due at 2 minutes (warning at 1), restoration at 3, escalation rules after;
    # a step lands between two timers, as in the recorded case.
    await advance_to(own_env, start + timedelta(seconds=70))
    await step(handle, "add-note", AddNote(text="looking", actor="e:avery"))
    await advance_to(own_env, start + timedelta(minutes=8))
    await delivered(handle)
    history, lagged = with_lagging_clocks(await handle.fetch_history())
    assert lagged >= 4, "the scenario fires several timers"
    result = await make_replayer().replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
