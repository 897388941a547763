"""Helpers for the field-service workflow tests: a seeded worker with real receivers, moving the
time-skipping server to chosen local instants, and reading what a workflow did when."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import all_activities
from escalator.inventory_seed import load_inventory_seed
from escalator.settings import Settings
from models.business_time import BusinessCalendar
from models.case import Case
from models.policy import Policy
from tests.receivers import Mailbox, PageLog, paging_receiver, smtp_server
from tests.workflow.cases import open_case
from worker import build_worker, workflow_runner
from workflows.registry import ALL_WORKFLOWS

NEW_YORK = ZoneInfo("America/New_York")
DENVER = ZoneInfo("America/Denver")

T = TypeVar("T")


@dataclass
class Stack:
    """A worker on its own time-skipping server, with e-mail and pages reaching receivers."""

    env: WorkflowEnvironment
    engine: Engine
    settings: Settings
    mailbox: Mailbox
    pages: PageLog

    @property
    def client(self) -> Client:
        return self.env.client

    @asynccontextmanager
    async def worker(self, stopped_midway: bool = False) -> AsyncIterator[Worker]:
        """A worker on the stack's task queue; leaving the block stops it.

        `stopped_midway`: a worker a restart test stops while workflows wait. It keeps no
        sticky cache: the test server has no sticky-queue reset on shutdown, so tasks bound
        to a stopped worker's sticky queue would otherwise hold skipped time still.
        """
        with ThreadPoolExecutor(max_workers=8) as executor:
            if not stopped_midway:
                async with build_worker(self.env.client, self.engine, self.settings, executor) as w:
                    yield w
                return
            async with Worker(
                self.env.client,
                task_queue=self.settings.task_queue,
                workflows=ALL_WORKFLOWS,
                activities=all_activities(self.engine, self.settings),
                activity_executor=executor,
                workflow_runner=workflow_runner(),
                max_cached_workflows=0,
            ) as w:
                yield w


@asynccontextmanager
async def field_stack(
    env: WorkflowEnvironment, engine: Engine, sqlite_url: str
) -> AsyncIterator[Stack]:
    with Session(engine) as session:
        load_inventory_seed(session)
    with smtp_server() as (smtp_port, mailbox), paging_receiver() as (paging_url, pages):
        settings = Settings(
            database_url=sqlite_url,
            task_queue=f"field-{uuid.uuid4().hex[:8]}",
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            paging_url=paging_url,
        )
        yield Stack(env, engine, settings, mailbox, pages)


async def advance_to(env: WorkflowEnvironment, at: datetime) -> None:
    """Skip the server's time forward to `at`; timers due on the way fire."""
    gap = at - await env.get_current_time()
    if gap > timedelta(0):
        await env.sleep(gap)


def next_weekday(
    calendar: BusinessCalendar, after: datetime, weekday: int, wall: time, quiet_days: int = 21
) -> datetime:
    """The first `weekday` (0 = Monday) after `after`, at local `wall`, from which the next
    `quiet_days` days hold no holiday on a weekday, so hand-written dates hold."""
    day = calendar.local_date(after) + timedelta(days=1)
    while True:
        span = [day + timedelta(days=k) for k in range(quiet_days)]
        if day.weekday() == weekday and all(
            calendar.is_business_day(d) for d in span if d.weekday() < 5
        ):
            return calendar.at_local(day, wall)
        day += timedelta(days=1)


def local(day: date, hour: int, minute: int, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool]) -> T:
    """Poll `probe` until `check` holds (signals between workflows take a moment; on a loaded
    2-core machine a replaying worker can take many seconds)."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        value = await probe()
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition never held in 60 s; last value: {value!r}")
        await asyncio.sleep(0.05)


async def case_now(handle: WorkflowHandle[Any, Any]) -> Case:
    case: Case = await handle.query("case", result_type=Case)
    return case


async def settled_case(handle: WorkflowHandle[Any, Any], check: Callable[[Case], bool]) -> Case:
    return await eventually(lambda: case_now(handle), check)


def all_fields(policy: Policy) -> dict[str, str]:
    """A value for every intake field, so no missing-information charge muddies the charges."""
    return {field.name: f"{field.name} given" for field in policy.intake.fields}


async def open_field_case(
    stack: Stack, session: Session, worker: Worker, policy: Policy, plan: str, **intake: Any
) -> WorkflowHandle[Any, Any]:
    handle, _ = await open_case(
        stack.client,
        session,
        worker.task_queue,
        policy=policy.name,
        plan=plan,
        received_at=await stack.env.get_current_time(),
        fields=all_fields(policy),
        **intake,
    )
    return handle


@dataclass(frozen=True)
class Scheduled:
    at: datetime
    activity: str
    key: str


async def scheduled(handle: WorkflowHandle[Any, Any]) -> list[Scheduled]:
    """E-mails and pages a workflow scheduled, from its own history, oldest first."""
    found: list[Scheduled] = []
    async for event in handle.fetch_history_events():
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        name = attributes.activity_type.name
        if name not in ("send_email", "send_page"):
            continue
        body = json.loads(attributes.input.payloads[0].data)
        key = body["idempotency_key"] if name == "send_email" else body["dedup_key"]
        found.append(Scheduled(event.event_time.ToDatetime(tzinfo=UTC), name, key))
    return found


def near(
    actual: datetime | None, expected: datetime, slack: timedelta = timedelta(seconds=2)
) -> bool:
    return actual is not None and abs(actual - expected) <= slack
