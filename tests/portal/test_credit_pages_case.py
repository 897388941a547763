"""The case page's charges and credits, on a real case (a time-skipping server of its own: it
moves the clock to a Monday morning in Denver): acme's only system costs 1500.00 USD a month,
the critical case misses its 4-hour restoration target and is restored after 7 hours. The page
shows the charge, the credit's amount and computation; the partner requests it there."""

import asyncio
import re
from datetime import time, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from escalator import cases
from models.case.steps import Restore
from models.policy import Policy
from models.tables.credits import CreditRow
from tests.policies import ZSUPPORT
from tests.portal.conftest import Person, csrf
from tests.portal.credit_pages import forms_of
from tests.portal.registry_pages import element, text_of
from tests.workflow.cases import open_case
from tests.workflow.clock import advance_to, next_quiet
from tests.workflow.registry_rows import contract, organisation, system


@pytest.fixture
def temporal_env(own_env: WorkflowEnvironment) -> WorkflowEnvironment:
    """A server of this test's own: it skips hours, which cases left running on the shared
    server would hold still."""
    return own_env


def money_section(page: httpx.Response) -> str:
    found = re.search(
        r'<section aria-labelledby="money-h" id="credits">(.*?)</section>', page.text, re.S
    )
    assert found, "no charges and credits on the case page"
    return found.group(1)


async def projected(engine: Engine, credit_id: str) -> CreditRow:
    """The credit's row once the case's projection wrote its amount (an activity, after the
    step answered)."""
    for _ in range(300):
        with Session(engine) as session:
            row = session.get(CreditRow, credit_id)
        if row is not None and row.state == "eligible":
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"{credit_id} was not projected as eligible")


async def test_the_case_page_shows_the_credit_s_computation_and_a_partner_requests_it(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, worker: Worker
) -> None:
    calendar = Policy.model_validate(ZSUPPORT).calendar("business")
    received = next_quiet(calendar, await temporal_env.get_current_time(), 0, time(9))
    with Session(engine) as session:
        organisation(session, "acme", "America/Denver", "US-CO")
        phones = system(session, "acme", "ZX-100", site="Denver office")
        year = timedelta(days=365)
        contract(session, "acme", phones, "managed", received - year, received + year)
        # Received on a Monday at 09:00 in Denver, as the workflow tests open cases.
        await advance_to(temporal_env, received)
        _, case = await open_case(
            temporal_env.client,
            session,
            worker.task_queue,
            policy="zsupport",
            plan="managed",
            received_at=received,
            severity="critical",
        )
    await advance_to(temporal_env, received + timedelta(hours=7))
    restored = await cases.apply_step(
        temporal_env.client,
        case.id,
        "restore",
        Restore(note="trunk back", actor="engineer:owen"),
        "staff",
        None,
    )
    assert restored.sla["restoration"].breached and restored.charges
    credit_id = f"{case.id}:restoration"
    row = await projected(engine, credit_id)
    assert row.computation and row.computation.startswith("1500.00 USD a month x 7 h out of the")

    ada = await person("ada", "partner", org="acme")
    shown = await ada.get(f"/portal/cases/{case.id}")
    assert shown.status_code == 200, shown.text
    money = money_section(shown)
    charges = element(shown, "table", "charges-table")
    for charge in restored.charges:
        assert charge.reason in charges and f"100.00 {charge.currency}" in charges
    credit = text_of(money)
    assert f"restoration eligible {row.amount:.2f} USD {row.computation}" in credit
    action = f"/portal/credits/{credit_id.replace(':', '%3A')}/request"
    assert forms_of(money) == [action]

    for role in ("auditor", "manager"):
        other = await person(f"{role}-1", role)
        theirs = money_section(await other.get(f"/portal/cases/{case.id}"))
        assert row.computation in text_of(theirs) and forms_of(theirs) == []

    form = {"csrf_token": csrf(shown), "back": "case"}
    sent = await ada.post(action, data=form)
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"/portal/cases/{case.id}?credit=requested#credits"
    after = await ada.get(sent.headers["location"])
    assert "The credit is requested" in element(after, "p", "credit-notice")
    requested = text_of(money_section(after))
    assert "restoration requested" in requested and "Requested by partner:ada" in requested
    assert forms_of(money_section(after)) == []

    again = await ada.post(action, data=form)
    assert again.status_code == 409
    assert element(again, "p", "refusal").startswith(
        f"Refused: credit {credit_id} is requested (it was requested by partner:ada at"
    )
