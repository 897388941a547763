"""A time-skipping server of its own for tests that skip days: on the shared one, cases left
running by earlier tests (whose workers are gone) hold time still."""

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from escalator.settings import Settings
from escalator.temporal_server import temporal_test_server
from tests.receivers import Mailbox, PageLog, paging_receiver, smtp_server
from worker import build_worker


@pytest.fixture
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=temporal_test_server()
    )
    yield env
    await env.shutdown()


@dataclass
class Wired:
    """A worker on `own_env` whose e-mail and pages reach real receivers."""

    worker: Worker
    settings: Settings
    mailbox: Mailbox
    pages: PageLog


@pytest.fixture
async def wired(
    own_env: WorkflowEnvironment, engine: Engine, sqlite_url: str
) -> AsyncIterator[Wired]:
    with (
        smtp_server() as (smtp_port, mailbox),
        paging_receiver() as (paging_url, pages),
        ThreadPoolExecutor(max_workers=8) as executor,
    ):
        settings = Settings(
            database_url=sqlite_url,
            task_queue=f"test-{uuid.uuid4().hex[:8]}",
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            paging_url=paging_url,
        )
        async with build_worker(own_env.client, engine, settings, executor) as worker:
            yield Wired(worker, settings, mailbox, pages)
