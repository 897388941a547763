"""A client generated from the served /openapi.json reads the server's answers as typed objects.

openapi-python-client (the dev extra) writes the client into a temporary folder from
the document the running app serves, offline: it reads the document from a file and
runs no post-hooks (by default it shells out to `ruff`). The test then opens a case
twice with one `Idempotency-Key` (201, then 200: both a `Case`), and reads a 422, a 409,
a 401 and a 404 as `ProblemDetails`, whose `detail` is a string and whose `errors` name
the fields.
"""

import asyncio
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from openapi_python_client.strings import PythonIdentifier
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import issue_api_key
from escalator.infra.settings import Settings
from tests.api.served import serving
from tests.api.test_cases_api import intake
from tests.workflow.cases import example_policy

PACKAGE = "escalator_client"
GENERATOR_CONFIG = {
    # No `ruff check --fix` / `ruff format` over the output: nothing but the generator runs.
    "post_hooks": [],
    # The raw e-mail body, an attachment (any media type) and a registry CSV file are bytes
    # to the client.
    "content_type_overrides": {
        "message/rfc822": "application/octet-stream",
        "*/*": "application/octet-stream",
        "text/csv": "application/octet-stream",
    },
}


async def generate_client(spec: dict[str, Any], folder: Path) -> None:
    """Run the generator's command line on `spec`, writing the package `folder / PACKAGE`."""
    (folder / "openapi.json").write_text(json.dumps(spec))
    (folder / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(folder / "openapi.json"),
        "--config",
        str(folder / "config.json"),
        "--meta",
        "none",
        "--output-path",
        str(folder / PACKAGE),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


@pytest.fixture
def generated_modules() -> Iterator[None]:
    """Forget the generated package afterwards (its folder is the test's tmp_path)."""
    yield
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def operation_modules(spec: dict[str, Any]) -> dict[str, ModuleType]:
    """Every operation's generated module, by operation id (one per tag's folder)."""
    found = {}
    for item in spec["paths"].values():
        for operation in item.values():
            # The generator's folder name: "credits" is a builtin, so its folder is "credits_".
            tag = PythonIdentifier(value=operation.get("tags", ["default"])[0], prefix="tag")
            name = operation["operationId"]
            found[name] = module(f"api.{tag}.{name}")
    return found


async def test_a_generated_client_reads_every_answer_as_its_type(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    engine: Engine,
    session: Session,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    generated_modules: None,
) -> None:
    example_policy(session, "zsupport")
    _row, token = issue_api_key(session, "engineer", "generated-client")
    app = create_app(settings, engine=engine, client=temporal_env.client)
    async with serving(app) as url:
        async with httpx.AsyncClient(base_url=url) as plain:
            spec = (await plain.get("/openapi.json")).json()
        await generate_client(spec, tmp_path)
        monkeypatch.syspath_prepend(str(tmp_path))
        # Every operation was generated (the generator skips what it cannot read).
        ops = operation_modules(spec)
        models = module("models")
        client_module = module("client")
        timeout = httpx.Timeout(60)
        signed_in = client_module.AuthenticatedClient(base_url=url, token=token, timeout=timeout)
        anonymous = client_module.Client(base_url=url, timeout=timeout)
        async with signed_in as client, anonymous as nobody:
            body = models.CaseIntake.from_dict(intake())
            first = await ops["open_case"].asyncio_detailed(
                client=client, body=body, idempotency_key="generated-1"
            )
            assert first.status_code == 201, first.content
            assert isinstance(first.parsed, models.Case)
            assert first.parsed.ticket_number.startswith("ZSU-")
            again = await ops["open_case"].asyncio_detailed(
                client=client, body=body, idempotency_key="generated-1"
            )
            assert again.status_code == 200, again.content
            assert isinstance(again.parsed, models.Case)
            assert again.parsed.id == first.parsed.id
            case_id = first.parsed.id

            # 422 from the API's own check, and from FastAPI's request validation.
            gold = models.CaseIntake.from_dict(intake(plan="gold"))
            wrong_plan = await ops["open_case"].asyncio_detailed(client=client, body=gold)
            assert wrong_plan.status_code == 422, wrong_plan.content
            problem = wrong_plan.parsed
            assert isinstance(problem, models.ProblemDetails)
            assert problem.status == 422
            assert problem.detail.startswith("body.plan: policy 'zsupport' has no plan 'gold'")
            (error,) = problem.errors
            assert isinstance(error, models.FieldError)
            assert error.loc == ["body", "plan"]
            assert error.msg.startswith("policy 'zsupport' has no plan 'gold'")
            no_limit = await ops["list_cases"].asyncio_detailed(client=client, limit=0)
            assert no_limit.status_code == 422, no_limit.content
            assert isinstance(no_limit.parsed, models.ProblemDetails)
            assert isinstance(no_limit.parsed.detail, str)
            assert [e.loc for e in no_limit.parsed.errors] == [["query", "limit"]]

            # A step the case allows (200, the Case after it), then one it does not (409).
            acknowledged = await ops["acknowledge_case"].asyncio_detailed(case_id, client=client)
            assert acknowledged.status_code == 200, acknowledged.content
            assert isinstance(acknowledged.parsed, models.Case)
            assert acknowledged.parsed.status.value == "acknowledged"
            twice = await ops["acknowledge_case"].asyncio_detailed(case_id, client=client)
            assert twice.status_code == 409, twice.content
            assert isinstance(twice.parsed, models.ProblemDetails)
            assert twice.parsed.status == 409
            assert isinstance(twice.parsed.detail, str) and twice.parsed.detail
            assert twice.parsed.errors == []

            unknown = await ops["get_case"].asyncio_detailed("case-none", client=client)
            assert unknown.status_code == 404, unknown.content
            assert isinstance(unknown.parsed, models.ProblemDetails)
            refused = await ops["get_case"].asyncio_detailed(case_id, client=nobody)
            assert refused.status_code == 401, refused.content
            assert isinstance(refused.parsed, models.ProblemDetails)
            assert refused.headers["WWW-Authenticate"] == "Bearer"

            listed = await ops["list_cases"].asyncio_detailed(client=client)
            assert isinstance(listed.parsed, models.CaseList)
            assert case_id in [item.id for item in listed.parsed.items]
            health = await ops["check_health"].asyncio_detailed(client=nobody)
            assert health.status_code == 200, health.content
            assert isinstance(health.parsed, models.Health)
            assert (health.parsed.temporal.value, health.parsed.database.value) == ("ok", "ok")
