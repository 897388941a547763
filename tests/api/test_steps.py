"""Every engineer step through HTTP on the time-skipping server: its answer, and its 409."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from escalator import cases
from escalator.accounts import create_account, disable_account
from models.case.steps import STEP_BODIES
from models.policy import load_policy
from models.tables.client_registry import AuthorisedContactRow
from tests.accounts import add_engineers
from tests.api.conftest import TokenFactory
from tests.api.test_cases_api import POLICY, intake
from tests.policies import store_policy_version
from tests.workflow.cases import add_contract

EMETROTEL = (
    load_policy(
        (
            Path(__file__).resolve().parents[2] / "escalator" / "policies" / "emetrotel.yaml"
        ).read_text()
    )
    .resolved()
    .to_body()
)


@pytest.fixture(autouse=True)
def zsupport(session: Session) -> None:
    store_policy_version(session, "zsupport", POLICY)


@pytest.fixture
def engineer(tokens: TokenFactory) -> dict[str, str]:
    return tokens("engineer")


async def open_case(api: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> str:
    response = await api.post("/cases", json=intake(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    return case_id


async def step(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    case_id: str,
    name: str,
    body: dict[str, Any] | None = None,
    status: int = 200,
    **kwargs: Any,
) -> dict[str, Any]:
    response = await api.post(f"/cases/{case_id}/{name}", json=body, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    return answer


async def test_acknowledge(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer)
    case = await step(api, engineer, case_id, "acknowledge")
    assert case["status"] == "acknowledged"
    assert case["notes"][-1] == {
        "text": "acknowledged",
        "actor": "engineer:engineer-all",
        "at": case["notes"][-1]["at"],
        "auto_reply": False,
        "quoted": None,
    }
    refused = await step(api, engineer, case_id, "acknowledge", status=409)
    assert refused["detail"] == "only a new case can be acknowledged; this one is acknowledged"


async def test_triage(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer)
    case = await step(api, engineer, case_id, "triage", {"severity": "critical", "priority": "p1"})
    assert (case["status"], case["severity"], case["priority"]) == ("triaged", "critical", "p1")
    refused = await step(api, engineer, case_id, "triage", {"severity": "urgent"}, status=409)
    assert refused["detail"].startswith("policy zsupport has no severity 'urgent'")


async def test_assign(api: httpx.AsyncClient, engineer: dict[str, str], engine: Engine) -> None:
    add_engineers(engine, "grace", "alan")
    case_id = await open_case(api, engineer)
    case = await step(api, engineer, case_id, "assign", {"engineer": "grace"})
    assert (case["status"], case["assignee"]) == ("assigned", "grace")
    await step(api, engineer, case_id, "resolve", {"resolution": "fixed"})
    refused = await step(api, engineer, case_id, "assign", {"engineer": "alan"}, status=409)
    assert refused["detail"] == "the case is resolved"


async def test_assign_takes_the_handle_of_an_engineer_at_work(
    api: httpx.AsyncClient, engineer: dict[str, str], engine: Engine
) -> None:
    """The directory of people decides who can take a case: anyone else is a 422 naming
    `body.engineer`, and the case stays as it was."""
    add_engineers(engine, "grace")
    with Session(engine) as session:
        create_account(
            session, handle="ada", email="ada@acme.test", name="Ada", role="partner", org="acme"
        )
        create_account(session, handle="max", email="max@support.test", name="Max", role="manager")
        disable_account(session, "grace")
    case_id = await open_case(api, engineer)
    refusals = {
        "nobody": "no account has the handle 'nobody'",
        "ada": "ada is a partner, not an engineer",
        "max": "max is a manager, not an engineer",
        "grace": "grace is disabled",
    }
    for handle, why in refusals.items():
        refused = await step(api, engineer, case_id, "assign", {"engineer": handle}, status=422)
        assert refused["errors"] == [{"loc": ["body", "engineer"], "msg": why}]
    add_engineers(engine, "alan")
    case = await step(api, engineer, case_id, "assign", {"engineer": "alan"})
    assert (case["status"], case["assignee"]) == ("assigned", "alan")


async def test_respond(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer)
    case = await step(api, engineer, case_id, "respond", {"message": "Looking into it"})
    assert case["status"] == "in_progress"
    assert case["sla"]["response"]["met_at"] is not None
    await step(api, engineer, case_id, "request-info", {"message": "Which firmware?"})
    refused = await step(api, engineer, case_id, "respond", {"message": "again"}, status=409)
    assert "waiting on the customer" in refused["detail"]


async def test_request_info(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer)
    body = {"fields": ["serial_numbers"], "message": "Serial numbers, please"}
    case = await step(api, engineer, case_id, "request-info", body)
    assert case["status"] == "waiting_customer"
    assert all(target["paused"] for target in case["sla"].values() if target["met_at"] is None)
    refused = await step(api, engineer, case_id, "request-info", body, status=409)
    assert refused["detail"] == "the case is already waiting on the customer"


async def test_customer_reply_by_partner_and_engineer(
    api: httpx.AsyncClient, engineer: dict[str, str], tokens: TokenFactory
) -> None:
    acme = tokens("partner", "acme")
    case_id = await open_case(api, acme)
    refused = await step(api, acme, case_id, "customer-reply", {"message": "hello"}, status=409)
    assert refused["detail"] == "the case is not waiting on the customer (it is new)"
    await step(api, engineer, case_id, "request-info", {"message": "Serial numbers?"})
    body = {"message": "Here they are", "fields": {"serial_numbers": "ZX-1, ZX-2"}}
    case = await step(api, acme, case_id, "customer-reply", body)
    assert case["status"] == "new"
    assert "serial_numbers" not in case["missing_fields"]
    assert case["notes"][-1]["actor"] == "partner:partner-acme"


async def test_escalate(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer)
    refused = await step(
        api, engineer, case_id, "escalate", {"to_tier": "engineering", "reason": "x"}, status=409
    )
    assert refused["detail"] == (
        "the checklist of tier engineering is not complete: client_isolation, hardware_tested"
    )
    body = {
        "to_tier": "engineering",
        "reason": "needs engineering",
        "checklist": {"client_isolation": True, "hardware_tested": "n/a"},
    }
    case = await step(api, engineer, case_id, "escalate", body)
    assert case["tier"] == "engineering"
    again = await step(api, engineer, case_id, "escalate", body, status=409)
    assert again["detail"] == "the case is already at tier engineering"


async def test_add_note(
    api: httpx.AsyncClient, engineer: dict[str, str], tokens: TokenFactory
) -> None:
    acme = tokens("partner", "acme")
    case_id = await open_case(api, acme)
    case = await step(api, acme, case_id, "add-note", {"text": "It also happens at night"})
    assert case["notes"][-1]["text"] == "It also happens at night"
    await step(api, engineer, case_id, "close")
    refused = await step(api, acme, case_id, "add-note", {"text": "late"}, status=409)
    assert refused["detail"] == "the case is closed"


async def test_approve_po(
    api: httpx.AsyncClient, engineer: dict[str, str], session: Session
) -> None:
    store_policy_version(session, "emetrotel", EMETROTEL)
    now = datetime.now(UTC)
    add_contract(session, "standard", now - timedelta(days=400), now - timedelta(days=30))
    # E-MetroTel refers anyone but its resellers' listed contacts elsewhere.
    session.add(AuthorisedContactRow(org="acme", email=intake()["contact"]["email"]))
    session.commit()
    covered = await open_case(api, engineer)
    refused = await step(api, engineer, covered, "approve-po", {"po_number": "PO-1"}, status=409)
    assert refused["detail"] == "the case does not wait for a purchase order"
    expired = await open_case(
        api, engineer, policy="emetrotel", plan="standard", severity="standard", fields={}
    )
    blocked = await step(api, engineer, expired, "acknowledge", status=409)
    assert "waits for an approved purchase order" in blocked["detail"]
    case = await step(api, engineer, expired, "approve-po", {"po_number": "PO-1"})
    assert case["entitlement"] == "po_approved"


async def test_restore(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer, severity="critical")
    case = await step(api, engineer, case_id, "restore", {"note": "service back"})
    assert case["status"] == "restored"
    assert case["sla"]["restoration"]["met_at"] is not None
    refused = await step(api, engineer, case_id, "restore", {"note": "again"}, status=409)
    assert refused["detail"] == "the service is already restored"


async def test_resolve(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer)
    case = await step(api, engineer, case_id, "resolve", {"resolution": "replaced the PSU"})
    assert (case["status"], case["resolution"]) == ("resolved", "replaced the PSU")
    refused = await step(api, engineer, case_id, "resolve", {"resolution": "again"}, status=409)
    assert refused["detail"] == "the case is resolved"


async def test_close(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer)
    assert (await step(api, engineer, case_id, "close"))["status"] == "closed"
    refused = await step(api, engineer, case_id, "close", status=409)
    assert refused["detail"] == "the case is already closed"


async def test_reopen(api: httpx.AsyncClient, engineer: dict[str, str]) -> None:
    case_id = await open_case(api, engineer)
    refused = await step(api, engineer, case_id, "reopen", {"reason": "x"}, status=409)
    assert refused["detail"] == "only a resolved or closed case can be reopened; this one is new"
    await step(api, engineer, case_id, "resolve", {"resolution": "done"})
    case = await step(api, engineer, case_id, "reopen", {"reason": "it came back"})
    assert (case["status"], case["resolution"]) == ("in_progress", None)


async def test_the_case_says_which_steps_it_allows_now(
    api: httpx.AsyncClient, engineer: dict[str, str], temporal_env: WorkflowEnvironment
) -> None:
    """The "steps" Query the portal offers its forms by: the validators' rules, asked live."""
    case_id = await open_case(api, engineer)
    offered = await cases.open_steps(temporal_env.client, case_id)
    assert set(offered) == set(STEP_BODIES)
    assert offered["acknowledge"] is None
    assert offered["customer-reply"] == "the case is not waiting on the customer (it is new)"
    assert offered["reopen"] == "only a resolved or closed case can be reopened; this one is new"
    await step(api, engineer, case_id, "acknowledge")
    await step(api, engineer, case_id, "request-info", {"message": "Serial numbers?"})
    offered = await cases.open_steps(temporal_env.client, case_id)
    assert (
        offered["acknowledge"]
        == "only a new case can be acknowledged; this one is waiting_customer"
    )
    assert offered["customer-reply"] is None
    assert offered["respond"] == (
        "the case is waiting on the customer; record their reply first (customer-reply)"
    )
    assert [name for name, why in offered.items() if why is None] == [
        "triage",
        "assign",
        "customer-reply",
        "escalate",
        "add-note",
        "restore",
        "resolve",
        "close",
        "ship-part",
    ]
