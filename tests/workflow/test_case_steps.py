"""Engineer steps, customer wait and breach paths of a case, on the time-skipping server."""

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from escalator.settings import Settings
from models.case_schedule import span_due
from models.steps import CustomerReply, Escalate, RequestInfo, Respond
from tests.receivers import PageLog, paging_receiver
from tests.workflow.cases import example_policy, open_case
from workflows.case import CaseWorkflow


async def now(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time()


async def test_escalation_needs_the_checklist_and_starts_the_tier_clock(
    temporal_env: WorkflowEnvironment, worker: Worker, session: Session
) -> None:
    handle, _ = await open_case(
        temporal_env.client,
        session,
        worker.task_queue,
        policy="maxony",
        plan="europe",
        severity="normal",
        received_at=await now(temporal_env),
    )
    with pytest.raises(WorkflowUpdateFailedError) as error:
        await handle.execute_update(
            CaseWorkflow.escalate, Escalate(to_tier="level2", reason="needs dev", actor="e:bo")
        )
    assert "checklist" in str(error.value.cause)
    policy = example_policy(session, "maxony")
    checklist: dict[str, bool | str] = {
        item.id: True for item in policy.tier("level2").required_items
    }
    at = await now(temporal_env)
    case = await handle.execute_update(
        CaseWorkflow.escalate,
        Escalate(to_tier="level2", reason="reproduced", checklist=checklist, actor="e:bo"),
    )
    assert case.tier == "level2"
    level2 = policy.tier_response("europe", "level2")
    assert level2 is not None
    expected = policy.due_at(level2, at)
    due = case.sla["tier_response"].due_at
    assert due is not None and abs(due - expected) < timedelta(seconds=2)


async def test_customer_wait_pauses_and_auto_closes_at_48_business_hours(
    own_env: WorkflowEnvironment, paging_worker: tuple[Worker, PageLog], session: Session
) -> None:
    temporal_env, (worker, _) = own_env, paging_worker
    policy = example_policy(session, "zsupport")
    wait = policy.customer_wait
    assert wait is not None and wait.auto_close_after is not None
    replied, _ = await open_case(
        temporal_env.client,
        session,
        worker.task_queue,
        policy="zsupport",
        plan="managed",
        severity="standard",
        received_at=await now(temporal_env),
    )
    silent, _ = await open_case(
        temporal_env.client,
        session,
        worker.task_queue,
        policy="zsupport",
        plan="managed",
        severity="standard",
        received_at=await now(temporal_env),
    )
    asked = RequestInfo(message="Please send call examples", actor="e:bo")
    case = await replied.execute_update(CaseWorkflow.request_info, asked)
    await silent.execute_update(CaseWorkflow.request_info, asked)
    assert case.status == "waiting_customer" and case.sla["response"].paused
    waiting_since = case.updated_at
    closes_at = span_due(policy, "managed", wait.auto_close_after, waiting_since)

    reply = CustomerReply(message="Examples attached", actor="partner:acme")
    resumed = await replied.execute_update(CaseWorkflow.customer_reply, reply)
    assert resumed.status == "new" and not resumed.sla["response"].paused

    await temporal_env.sleep(closes_at - await now(temporal_env) - timedelta(minutes=1))
    assert (await silent.query(CaseWorkflow.get_case)).status == "waiting_customer"
    await temporal_env.sleep(timedelta(minutes=2))
    closed = await silent.query(CaseWorkflow.get_case)
    assert closed.status == "closed"
    assert closed.notes[-1].text.startswith("auto-closed")
    assert abs(closed.notes[-1].at - closes_at) < timedelta(seconds=1)
    assert (await replied.query(CaseWorkflow.get_case)).status != "closed"


@pytest.fixture
async def paging_worker(
    own_env: WorkflowEnvironment, engine: Engine, sqlite_url: str
) -> AsyncIterator[tuple[Worker, PageLog]]:
    from worker import build_worker

    with paging_receiver() as (url, log), ThreadPoolExecutor(max_workers=8) as executor:
        settings = Settings(
            database_url=sqlite_url, task_queue=f"test-{uuid.uuid4().hex[:8]}", paging_url=url
        )
        async with build_worker(own_env.client, engine, settings, executor) as worker:
            yield worker, log


async def test_response_breach_pages_once_each_and_repeats_stop_after_n(
    own_env: WorkflowEnvironment, paging_worker: tuple[Worker, PageLog], session: Session
) -> None:
    temporal_env, (worker, log) = own_env, paging_worker
    policy = example_policy(session, "zsupport")
    handle, case = await open_case(
        temporal_env.client,
        session,
        worker.task_queue,
        policy="zsupport",
        plan="managed",
        severity="standard",
        received_at=await now(temporal_env),
    )
    due = case.sla["response"].due_at
    assert due is not None
    # The rule pages the helpdesk at the breach, then every 30 business minutes, 3 more times.
    rule = next(r for r in policy.escalation if r.id == "response-breach")
    repeat = rule.steps[0].repeat
    assert repeat is not None and repeat.times == 3
    await temporal_env.sleep(due - await now(temporal_env) + timedelta(hours=30))
    breach_pages = [e for e in log.events if ":rule:response-breach:" in e["dedup_key"]]
    assert len(breach_pages) == 1 + repeat.times
    assert len({e["dedup_key"] for e in breach_pages}) == len(breach_pages)
    final = await handle.query(CaseWorkflow.get_case)
    assert final.sla["response"].breached
    responded = await handle.execute_update(
        CaseWorkflow.respond, Respond(message="Looking at it", actor="e:bo")
    )
    assert responded.sla["response"].met_at is not None
