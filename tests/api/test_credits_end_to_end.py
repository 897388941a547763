"""A credit from a real case to the monthly report, on the time-skipping server of its own
(it moves the clock to April 2027) and on SQLite and PostgreSQL: Z-Support's client acme in
Denver, whose only system has a contract of 1500.00 USD a month, loses its service at 09:00
on Monday 5 April 2027 (critical: restoration within 4 h) until 16:00. The case earns a
credit of the 7 h outage in a 30-day month, 14.58 USD; the partner requests it, a manager
approves it, and April's report lists it once, approved, with its computation."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from models.case.steps import Restore
from tests.api.conftest import TokenFactory
from tests.api.registry_client import answer
from tests.workflow.cases import Desk, example_policy, step
from tests.workflow.clock import advance_to
from tests.workflow.field_service import Stack

DENVER = ZoneInfo("America/Denver")
RECEIVED = datetime(2027, 4, 5, 9, 0, tzinfo=DENVER)
COMPUTATION = (
    "1500.00 USD a month x 7 h out of the 720 h of April 2027 (America/Denver) = 14.58 USD"
)


@pytest.fixture
async def http(stack: Stack, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(stack.settings, engine=engine, client=stack.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def onboard_acme(http: httpx.AsyncClient, manager: dict[str, str]) -> None:
    """acme in Denver, its one system, and that system's contract at 1500.00 USD a month."""
    acme = {"id": "acme", "name": "Acme Corp", "time_zone": "America/Denver"}
    answer(await http.post("/orgs", json=acme, headers=manager), 201)
    phones = {"host_id": "ZX-100", "site": "Denver office", "site_time_zone": "America/Denver"}
    system = answer(await http.post("/orgs/acme/systems", json=phones, headers=manager), 201)
    contract = {
        "reference": "SSC-ZX-100",
        "plan": "managed",
        "starts_at": "2027-01-01T00:00:00-07:00",
        "expires_at": "2028-01-01T00:00:00-07:00",
        "monthly_fee": "1500.00",
        "currency": "USD",
    }
    path = f"/systems/{system['id']}/contracts"
    answer(await http.post(path, json=contract, headers=manager), 201)


async def test_a_seven_hour_outage_earns_14_58_usd_requested_approved_and_reported(
    stack: Stack, http: httpx.AsyncClient, session: Session, tokens: TokenFactory
) -> None:
    partner, manager = tokens("partner", "acme"), tokens("manager")
    policy = example_policy(session, "zsupport")
    assert policy.calendar("business").is_open(RECEIVED)
    await onboard_acme(http, manager)

    async with stack.worker() as worker:
        desk = Desk(stack.env, session, worker.task_queue)
        await advance_to(stack.env, RECEIVED)
        handle, case = await desk.open_case_at(RECEIVED, "zsupport", "managed", severity="critical")
        assert case.sla["restoration"].due_at == RECEIVED + timedelta(hours=4)
        await advance_to(stack.env, datetime.combine(RECEIVED.date(), time(16), DENVER))
        restored = await step(handle, "restore", Restore(note="trunk back", actor="e:owen"))
    assert restored.sla["restoration"].breached

    (listed,) = answer(await http.get("/credits", headers=partner), 200)
    credit_id = f"{case.id}:restoration"
    assert (listed["id"], listed["state"], listed["amount"], listed["currency"]) == (
        credit_id,
        "eligible",
        "14.58",
        "USD",
    )
    assert (listed["computation"], listed["month"]) == (COMPUTATION, "2027-04")
    assert listed["ticket_number"] == restored.ticket_number is not None
    # Earned at the breach, 13:00 in Denver; settled at the restoration, 16:00 (the timer and
    # the step land a few milliseconds after the instant the clock was moved to).
    breach, restoration = RECEIVED + timedelta(hours=4), RECEIVED + timedelta(hours=7)
    earned, settled = (datetime.fromisoformat(listed[at]) for at in ("earned_at", "settled_at"))
    assert breach <= earned < breach + timedelta(seconds=5)
    assert restoration <= settled < restoration + timedelta(seconds=5)
    assert settled == restored.sla["restoration"].met_at

    requested = answer(await http.post(f"/credits/{credit_id}/request", headers=partner), 200)
    assert (requested["state"], requested["requested_by"]) == ("requested", "partner:partner-acme")
    approved = answer(await http.post(f"/credits/{credit_id}/approve", headers=manager), 200)
    assert (approved["state"], approved["decided_by"]) == ("approved", "manager:manager-all")

    month = {"month": "2027-04"}
    report = answer(await http.get("/reports/credits", params=month, headers=manager), 200)
    (client,) = report["clients"]
    assert (client["org"], client["name"], client["currency"]) == ("acme", "Acme Corp", "USD")
    (reported,) = client["credits"]
    assert (reported["id"], reported["state"], reported["amount"]) == (
        credit_id,
        "approved",
        "14.58",
    )
    assert reported["computation"] == COMPUTATION
    owed = {t["state"]: (t["count"], t["amount"]) for t in client["totals"]}
    assert (owed["approved"], owed["owed"], owed["eligible"]) == (
        (1, "14.58"),
        (1, "14.58"),
        (0, "0.00"),
    )

    text = (await http.get("/reports/credits.csv", params=month, headers=partner)).text
    (line,) = [row for row in csv.DictReader(io.StringIO(text)) if row["line"] == "credit"]
    assert (line["credit_id"], line["state"], line["amount"], line["computation"]) == (
        credit_id,
        "approved",
        "14.58",
        COMPUTATION,
    )
