"""The case workflow's mixins run outside the sandbox's checks in production (they are
passed through, workflows/sandbox.py); here every example policy's whole case runs with
them inside it, so a call that would break determinism (the clock, randomness, I/O) in any
of them fails this test."""

import inspect
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session

from escalator.infra.db import engine_from_url, migrate
from escalator.infra.settings import Settings
from escalator.infra.temporal_search import start_time_skipping
from tests.audit.scenarios import POLICIES, run_scenario
from worker import build_worker
from workflows.archive import archive_workflow_id
from workflows.case import CaseWorkflow
from workflows.sandbox import CASE_MIXINS


def test_every_mixin_of_the_case_workflow_is_named() -> None:
    """A new mixin module is either listed (and so checked here) or sandboxed as before."""
    modules = {cls.__module__ for cls in inspect.getmro(CaseWorkflow)}
    ours = {name for name in modules if name.startswith("workflows.")}
    assert ours - {"workflows.case", "workflows.case_notices"} == set(CASE_MIXINS)


@pytest.mark.parametrize("policy", POLICIES)
async def test_whole_case_runs_in_the_full_sandbox(policy: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'escalator.db'}"
    migrate(url)
    engine = engine_from_url(url)
    env = await start_time_skipping()
    settings = Settings(database_url=url, task_queue=f"strict-{uuid.uuid4().hex[:8]}", smtp_host="")
    try:
        with ThreadPoolExecutor(max_workers=8) as executor, Session(engine) as session:
            async with build_worker(env.client, engine, settings, executor, strict_sandbox=True):
                scenario = await run_scenario(env, session, settings.task_queue, policy)
                assert scenario.handle is not None
                result = await scenario.handle.result()
                assert result.status == "closed"
                archiver = env.client.get_workflow_handle(archive_workflow_id(result.case_id))
                await archiver.result()
    finally:
        await env.shutdown()
        engine.dispose()
