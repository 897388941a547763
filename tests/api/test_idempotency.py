"""`POST /cases` with `Idempotency-Key`: retries open one case; the key with another body, 409."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from escalator.cases.opening import INTAKE_MEMO, idempotent_case_id, intake_sha256
from escalator.infra.settings import Settings
from models.case.resource import Case, CaseInput, CaseIntake
from models.tables.core import CaseRow, TicketRow
from tests.api.conftest import TokenFactory
from tests.api.test_cases_api import POLICY, intake
from tests.policies import store_policy_version
from workflows.case import CaseWorkflow


@pytest.fixture
def key() -> str:
    # The test server outlives each test: a fresh key keeps workflow ids apart.
    return f"retry-{uuid.uuid4()}"


@pytest.fixture(autouse=True)
def policy(session: Session) -> None:
    store_policy_version(session, "zsupport", POLICY)


def _post(api: httpx.AsyncClient, headers: dict[str, str], key: str, body: dict[str, Any]) -> Any:
    return api.post("/cases", json=body, headers={**headers, "Idempotency-Key": key})


async def test_a_retry_answers_the_same_case_with_200(
    api: httpx.AsyncClient,
    tokens: TokenFactory,
    key: str,
    session: Session,
    temporal_env: WorkflowEnvironment,
) -> None:
    engineer = tokens("engineer")

    first = await _post(api, engineer, key, intake())
    # The same body, written differently (key order), is the same request.
    again = await _post(api, engineer, key, dict(reversed(intake().items())))

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert first.json()["id"] == idempotent_case_id("acme", key)
    description = await temporal_env.client.get_workflow_handle(first.json()["id"]).describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    assert len(await description.memo_value(INTAKE_MEMO)) == 64
    assert session.exec(select(TicketRow)).all() == [
        TicketRow(case_id=first.json()["id"], ticket_number="ZSU-000001")
    ]


async def test_twenty_concurrent_retries_open_one_case(
    api: httpx.AsyncClient, tokens: TokenFactory, key: str, session: Session
) -> None:
    partner = tokens("partner", "acme")

    answers = await asyncio.gather(*(_post(api, partner, key, intake()) for _ in range(20)))

    assert sorted(answer.status_code for answer in answers) == [200] * 19 + [201]
    assert {answer.json()["id"] for answer in answers} == {idempotent_case_id("acme", key)}
    assert {answer.json()["ticket_number"] for answer in answers} == {"ZSU-000001"}
    # One workflow ran the intake: one ticket allocated, one row projected.
    assert len(session.exec(select(TicketRow)).all()) == 1
    assert len(session.exec(select(CaseRow)).all()) == 1


async def test_the_same_key_with_another_body_is_409(
    api: httpx.AsyncClient, tokens: TokenFactory, key: str
) -> None:
    engineer = tokens("engineer")
    first = await _post(api, engineer, key, intake())

    conflict = await _post(api, engineer, key, intake(subject="Something else entirely"))

    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in conflict.json()["detail"]
    assert first.json()["id"] in conflict.json()["detail"]
    kept = await api.get(f"/cases/{first.json()['id']}", headers=engineer)
    assert kept.json()["subject"] == intake()["subject"]


async def test_keys_belong_to_an_organisation(
    api: httpx.AsyncClient, tokens: TokenFactory, key: str
) -> None:
    acme = await _post(api, tokens("partner", "acme"), key, intake(org="acme"))
    globex = await _post(api, tokens("partner", "globex"), key, intake(org="globex"))

    assert (acme.status_code, globex.status_code) == (201, 201)
    assert acme.json()["id"] != globex.json()["id"]


async def test_without_a_key_every_request_opens_a_case(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    answers = [await api.post("/cases", json=intake(), headers=tokens("engineer")) for _ in "ab"]

    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].json()["id"] != answers[1].json()["id"]


async def test_an_unusable_key_is_named(api: httpx.AsyncClient, tokens: TokenFactory) -> None:
    response = await _post(api, tokens("engineer"), "k" * 201, intake())

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]


async def test_a_retry_after_the_workflow_ended_still_answers_its_case(
    api: httpx.AsyncClient,
    tokens: TokenFactory,
    key: str,
    session: Session,
    settings: Settings,
    temporal_env: WorkflowEnvironment,
) -> None:
    # A case opened with this key whose run is over, and whose history no longer holds the
    # intake update (as after continue-as-new): Temporal cannot answer the update any more.
    body = CaseIntake.model_validate(intake())
    case_id = idempotent_case_id("acme", key)
    handle = await temporal_env.client.start_workflow(
        CaseWorkflow.run,
        CaseInput(
            case_id=case_id,
            intake=body,
            received_at=datetime.now(UTC),
            policy_version=1,
            policy=POLICY,
        ),
        id=case_id,
        task_queue=settings.task_queue,
        memo={INTAKE_MEMO: intake_sha256(body)},
    )
    opened = await handle.execute_update("intake_recorded", result_type=Case)
    await handle.terminate(reason="test: the case's run is over")

    again = await _post(api, tokens("engineer"), key, intake())

    assert again.status_code == 200, again.text
    assert again.json()["id"] == case_id
    assert again.json()["ticket_number"] == opened.ticket_number
    # The key stays bound to that case: no second workflow took the id.
    assert (await handle.describe()).status == WorkflowExecutionStatus.TERMINATED
