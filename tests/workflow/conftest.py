"""Workers for workflow tests on `own_env` (tests/conftest.py): `wired` reaches real mail and
paging receivers (`stack`, with the field-service inventory, is in tests/conftest.py)."""

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from escalator.infra.settings import Settings
from tests.receivers import ROUTING_KEY, Mailbox, PageLog, paging_receiver, smtp_server
from worker import build_worker


@dataclass
class Wired:
    """A worker on `own_env` whose e-mail and pages reach real receivers."""

    worker: Worker
    settings: Settings
    mailbox: Mailbox
    pages: PageLog


@pytest.fixture
async def wired(
    own_env: WorkflowEnvironment, engine: Engine, read_model_url: str
) -> AsyncIterator[Wired]:
    with (
        smtp_server() as (smtp_port, mailbox),
        paging_receiver() as (paging_url, pages),
        ThreadPoolExecutor(max_workers=8) as executor,
    ):
        settings = Settings(
            database_url=read_model_url,
            task_queue=f"test-{uuid.uuid4().hex[:8]}",
            smtp_host="127.0.0.1",
            smtp_port=smtp_port,
            paging_url=paging_url,
            paging_routing_key=SecretStr(ROUTING_KEY),
            paging_routing_keys={"maltarea-support": SecretStr(ROUTING_KEY)},
        )
        async with build_worker(own_env.client, engine, settings, executor) as worker:
            yield Wired(worker, settings, mailbox, pages)
