"""A worker stopped mid-case and started again continues with nothing lost, nothing repeated;
a long case continues as new with its whole state, and answers steps from its first moment."""

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from escalator.infra.settings import Settings
from models.case.resource import CaseInput, CaseResult
from models.case.state import CaseState
from models.case.steps import AddNote, CustomerReply, RequestInfo
from tests.workflow.cases import Desk, delivered, open_case, step
from tests.workflow.clock import advance_to, near, timed_actions
from tests.workflow.conftest import Wired
from worker import build_worker
from workflows.case import CaseWorkflow

MONDAY = 0


async def test_worker_restart_mid_wait_loses_and_repeats_nothing(
    own_env: WorkflowEnvironment, wired: Wired, engine: Engine, session: Session, desk: Desk
) -> None:
    _, start = await desk.quiet_start("zsupport", MONDAY, time(8), days=8)
    # Cases of this test run on a queue of their own, served by workers the test stops.
    settings = wired.settings.model_copy(update={"task_queue": f"restart-{uuid.uuid4().hex[:8]}"})

    def new_worker(executor: ThreadPoolExecutor) -> Worker:
        # A real server hands a stopped worker's sticky tasks to the shared queue after a
        # timeout; the time-skipping server does not, so these workers keep no cache.
        return build_worker(own_env.client, engine, settings, executor, cache_workflows=False)

    with ThreadPoolExecutor(max_workers=8) as executor:
        async with new_worker(executor):
            handle, _ = await open_case(
                own_env.client,
                session,
                settings.task_queue,
                policy="zsupport",
                plan="managed",
                severity="standard",
                received_at=start,
            )
            await advance_to(own_env, start + timedelta(hours=1))
            await step(
                handle,
                "request-info",
                RequestInfo(message="Please send call examples", actor="e:avery"),
            )
            # Its e-mail goes out after the step answers: stop the worker once it has.
            await delivered(handle)
        # No worker overnight, up to a minute before the first reminder (Tuesday 09:00).
        # (The time-skipping server does not skip past a timer no worker can act on.)
        await advance_to(own_env, start + timedelta(days=1, minutes=59))
        async with new_worker(executor):
            case = await handle.query(CaseWorkflow.get_case)
            assert case.status == "waiting_customer"
            # 48 business hours after Monday 09:00: the next Monday at 12:00.
            closes_at = start + timedelta(days=7, hours=4)
            await advance_to(own_env, closes_at + timedelta(minutes=1))
            closed = await handle.query(CaseWorkflow.get_case)

    assert closed.status == "closed" and near(closed.notes[-1].at, closes_at)
    keys = [key for _, _, key in await timed_actions(handle, start)]
    assert keys == [
        "acknowledgement",
        "missing-fields",
        "wait1:request",
        "wait1:reminder0",
        "wait1:reminder1",
        "wait1:close",
    ]
    # Every message reached the customer exactly once, across the restart.
    mine = [m for m in wired.mailbox.messages if m["Message-ID"]]
    assert len(mine) == len(keys) == len({m["Message-ID"] for m in mine})


async def test_a_long_case_continues_as_new_with_its_state(
    own_env: WorkflowEnvironment, desk: Desk
) -> None:
    # A Monday 09:00 on a server of its own, so that the customer wait below lies in business
    # hours and moves the deadline by its length, whatever the time of day the test runs at.
    _, start = await desk.quiet_start("zsupport", MONDAY, time(9), days=1)
    handle, opened = await desk.open_case_at(
        start, "zsupport", "managed", severity="standard", history_limit=60
    )
    assert opened.sla["response"].due_at == start + timedelta(hours=2)
    first_run = (await handle.describe()).run_id
    # Address the case by id only, as the API does, so steps reach the newest run.
    case_handle = own_env.client.get_workflow_handle(handle.id, result_type=CaseResult)
    notes = 0

    async def add_note() -> None:
        nonlocal notes
        await step(case_handle, "add-note", AddNote(text=f"note {notes}", actor="e:avery"))
        notes += 1

    for _ in range(12):
        await add_note()
    assert (await case_handle.describe()).run_id != first_run
    await step(case_handle, "request-info", RequestInfo(message="Which trunk?", actor="e:avery"))
    # Any run started after this one began with the response clock paused in its state.
    paused_run = (await case_handle.describe()).run_id
    await advance_to(own_env, start + timedelta(minutes=30))
    while (await case_handle.describe()).run_id == paused_run:
        assert notes < 60, "the case did not continue as new while waiting on the customer"
        await add_note()
    await step(
        case_handle, "customer-reply", CustomerReply(message="Trunk 2", actor="partner:acme")
    )
    case = await case_handle.query(CaseWorkflow.get_case)
    assert case.ticket_number == opened.ticket_number
    assert [n.text for n in case.notes if n.text.startswith("note")] == [
        f"note {n}" for n in range(notes)
    ]
    # The response clock came through paused and resumed: the wait, all in business hours,
    # does not count, so the deadline moved by exactly its length (about 30 minutes).
    asked, replied = (
        next(n.at for n in case.notes if n.text.startswith(prefix))
        for prefix in ("asked the customer", "customer replied")
    )
    assert not case.sla["response"].paused
    assert case.sla["response"].due_at == start + timedelta(hours=2) + (replied - asked)
    assert near(case.sla["response"].due_at, start + timedelta(hours=2, minutes=30))


async def test_a_step_reaching_a_continued_run_before_it_starts_is_answered(
    temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings, shared_desk: Desk
) -> None:
    # An engineer's step sent just as a case continues as new can reach the new run before its
    # `run` method starts; it must see the state the run carries, not be refused for want of it.
    handle, _ = await shared_desk.open_case_at(
        await temporal_env.get_current_time(),
        "zsupport",
        "managed",
        severity="standard",
        history_limit=20,
    )
    case_handle = temporal_env.client.get_workflow_handle(handle.id, result_type=CaseResult)
    # The intake alone writes more than 20 events: the case continues as new right after it.
    first_run = handle.first_execution_run_id
    for _ in range(200):
        if (await case_handle.describe()).run_id != first_run:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the case did not continue as new")
    # Run the continued run again, with the state it carries, where no worker listens yet: the
    # step sent to it then lands in its very first workflow task, before `run` has started.
    started = (await case_handle.fetch_history()).events[0]
    (continued,) = await temporal_env.client.data_converter.decode(
        started.workflow_execution_started_event_attributes.input.payloads, [CaseInput]
    )
    assert continued.state is not None
    await case_handle.terminate("run again on a queue without a worker")
    idle = settings.model_copy(update={"task_queue": f"idle-{uuid.uuid4().hex[:8]}"})
    again = await temporal_env.client.start_workflow(
        CaseWorkflow.run, continued, id=handle.id, task_queue=idle.task_queue
    )
    noted = asyncio.create_task(
        step(again, "add-note", AddNote(text="first thing", actor="e:avery"))
    )
    await asyncio.sleep(0.5)  # the server holds the step until a worker polls the queue
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(temporal_env.client, engine, idle, executor):
            case = await noted
            await again.terminate("end of the test")
    # The step was accepted by the run's first workflow task, the one before `run` starts.
    kinds = [event.event_type for event in (await again.fetch_history()).events]
    assert kinds.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) == (
        kinds.index(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) + 1
    )
    carried = CaseState.model_validate(continued.state)
    assert [n.text for n in case.notes] == [*(n.text for n in carried.case.notes), "first thing"]
