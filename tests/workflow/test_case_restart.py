"""A worker stopped mid-case and started again continues with nothing lost, nothing repeated;
a long case continues as new with its whole state."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.steps import AddNote, CustomerReply, RequestInfo
from tests.workflow.cases import example_policy, open_case
from tests.workflow.clock import advance_to, near, next_quiet, timed_actions
from tests.workflow.conftest import Wired
from worker import build_worker
from workflows.case import CaseWorkflow

MONDAY = 0


async def test_worker_restart_mid_wait_loses_and_repeats_nothing(
    own_env: WorkflowEnvironment, wired: Wired, engine: Engine, session: Session
) -> None:
    policy = example_policy(session, "zsupport")
    start = next_quiet(
        policy.calendar("business"), await own_env.get_current_time(), MONDAY, time(8), days=8
    )
    await advance_to(own_env, start)
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
            await handle.execute_update(
                CaseWorkflow.request_info,
                RequestInfo(message="Please send call examples", actor="e:avery"),
            )
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
    temporal_env: WorkflowEnvironment, worker: Worker, session: Session
) -> None:
    handle, opened = await open_case(
        temporal_env.client,
        session,
        worker.task_queue,
        policy="zsupport",
        plan="managed",
        severity="standard",
        received_at=await temporal_env.get_current_time(),
        history_limit=60,
    )
    first_run = (await handle.describe()).run_id
    # Address the case by id only, as the API does, so steps reach the newest run.
    case_handle = temporal_env.client.get_workflow_handle_for(CaseWorkflow.run, handle.id)
    for number in range(12):
        await case_handle.execute_update(
            CaseWorkflow.add_note, AddNote(text=f"note {number}", actor="e:avery")
        )
    await case_handle.execute_update(
        CaseWorkflow.request_info, RequestInfo(message="Which trunk?", actor="e:avery")
    )
    await case_handle.execute_update(
        CaseWorkflow.customer_reply, CustomerReply(message="Trunk 2", actor="partner:acme")
    )
    case = await case_handle.query(CaseWorkflow.get_case)
    assert (await case_handle.describe()).run_id != first_run
    assert case.ticket_number == opened.ticket_number
    assert [n.text for n in case.notes if n.text.startswith("note")] == [
        f"note {n}" for n in range(12)
    ]
    # The response clock came through paused and resumed, still due when it was.
    assert not case.sla["response"].paused
    assert case.sla["response"].due_at == opened.sla["response"].due_at
