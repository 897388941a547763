"""Workers for workflow tests on `own_env` (tests/conftest.py): `wired` reaches real mail and
paging receivers (`stack`, with the field-service inventory, is in tests/conftest.py)."""

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from escalator.infra.settings import Settings
from tests.receivers import (
    ROUTING_KEY,
    Mailbox,
    PageLog,
    paging_receiver,
    receiver_settings,
    smtp_server,
)
from tests.workflow.cases import Desk
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
        settings = receiver_settings(
            read_model_url,
            "test",
            smtp_port,
            paging_url,
            paging_routing_keys={"maltarea-support": SecretStr(ROUTING_KEY)},
        )
        async with build_worker(own_env.client, engine, settings, executor) as worker:
            yield Wired(worker, settings, mailbox, pages)


@pytest.fixture
def desk(own_env: WorkflowEnvironment, wired: Wired, session: Session) -> Desk:
    """Opens cases on `wired`'s worker, on a time-skipping server of the test's own."""
    return Desk(own_env, session, wired.worker.task_queue)


@pytest.fixture
def shared_desk(temporal_env: WorkflowEnvironment, worker: Worker, session: Session) -> Desk:
    """Opens cases on the shared server's worker (tests that do not move its clock)."""
    return Desk(temporal_env, session, worker.task_queue)
