"""Helpers for the field-service workflow tests: a seeded worker with real receivers, moving the
time-skipping server to chosen local instants, and reading what a workflow did when."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import all_activities
from escalator.infra.settings import Settings
from escalator.inventory_seed import load_inventory_seed
from models.case.resource import Case
from models.policy import Policy
from tests.receivers import Mailbox, PageLog, paging_receiver, receiver_settings, smtp_server
from tests.workflow.cases import open_case
from worker import build_worker
from workflows.catalog import ALL_WORKFLOWS
from workflows.sandbox import workflow_runner

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
    env: WorkflowEnvironment, engine: Engine, read_model_url: str
) -> AsyncIterator[Stack]:
    with Session(engine) as session:
        load_inventory_seed(session)
    with smtp_server() as (smtp_port, mailbox), paging_receiver() as (paging_url, pages):
        settings = receiver_settings(read_model_url, "field", smtp_port, paging_url)
        yield Stack(env, engine, settings, mailbox, pages)


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
