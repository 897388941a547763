"""One full zsupport case, run once for the audit tests on a time-skipping server of its own."""

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from escalator.db import engine_from_url, migrate
from escalator.history import from_temporal
from escalator.settings import Settings
from escalator.temporal_server import temporal_test_server
from models.case_history import CaseHistory
from tests.audit.scenarios import Scenario, run_scenario
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


@pytest.fixture(scope="module")
async def finished(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Finished]:
    url = f"sqlite:///{tmp_path_factory.mktemp('audit') / 'escalator.db'}"
    migrate(url)
    engine = engine_from_url(url)
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=temporal_test_server()
    )
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
