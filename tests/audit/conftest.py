"""One full zsupport case, run once for the audit tests on a time-skipping server of its own."""

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from escalator.infra.db import engine_from_url, migrate
from escalator.infra.history import from_temporal
from escalator.infra.settings import Settings
from escalator.infra.temporal_search import start_time_skipping
from models.audit.history import CaseHistory
from tests.audit.scenarios import Scenario, run_scenario
from tests.databases import DATABASE_KINDS, migrated_postgres_database
from worker import build_worker
from workflows.archive import archive_workflow_id


@dataclass
class Finished:
    """A zsupport case driven to its end, with its history and the stack that ran it."""

    env: WorkflowEnvironment
    engine: Engine
    settings: Settings
    scenario: Scenario
    history: CaseHistory

    @property
    def case_id(self) -> str:
        assert self.scenario.handle is not None
        return self.scenario.handle.id


@pytest.fixture
def read_model_url(database_url: str) -> str:
    """Every audit and report test runs on SQLite and on PostgreSQL."""
    return database_url


@pytest.fixture(scope="module", params=DATABASE_KINDS)
async def finished(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Finished]:
    async with module_database(request, tmp_path_factory) as url, finished_case(url) as done:
        yield done


@asynccontextmanager
async def module_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated database of `request.param`'s kind that lives as long as the module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('audit') / 'escalator.db'}"
        migrate(url)
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    with migrated_postgres_database(server, request.getfixturevalue("postgres_template")) as url:
        yield url


@asynccontextmanager
async def finished_case(url: str) -> AsyncIterator[Finished]:
    engine = engine_from_url(url)
    env = await start_time_skipping()
    settings = Settings(database_url=url, task_queue=f"audit-{uuid.uuid4().hex[:8]}", smtp_host="")
    with ThreadPoolExecutor(max_workers=8) as executor, Session(engine) as session:
        async with build_worker(env.client, engine, settings, executor):
            scenario = await run_scenario(env, session, settings.task_queue, "zsupport")
            assert scenario.handle is not None
            # The case's last act is to start its archiver; wait until it has stored the history.
            await env.client.get_workflow_handle(archive_workflow_id(scenario.handle.id)).result()
            history = await from_temporal(env.client, scenario.handle.id)
            assert history is not None
            yield Finished(env, engine, settings, scenario, history)
    await env.shutdown()
    engine.dispose()
