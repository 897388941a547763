"""A missed restoration target earns a credit with its amount, on the time-skipping server:
Z-Support's credit is the monthly fee of the client's system prorated over the whole outage
(`period: outage`), in the client's month, once the service is restored."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from models.case.steps import Restore
from tests.workflow.cases import Desk, example_policy, step
from tests.workflow.clock import advance_to
from tests.workflow.registry_rows import contract, organisation, system

DENVER = ZoneInfo("America/Denver")


@pytest.fixture
def read_model_url(database_url: str) -> str:
    """On SQLite and on PostgreSQL: the registry is read where production keeps it."""
    return database_url


async def test_restored_three_hours_after_a_four_hour_target_on_1500_a_month(
    desk: Desk, session: Session
) -> None:
    policy = example_policy(session, "zsupport")
    organisation(session, "acme", "America/Denver", "US-CO")
    phones = system(session, "acme", "ZX-100", site="Denver office")
    year = (datetime(2027, 1, 1, tzinfo=DENVER), datetime(2028, 1, 1, tzinfo=DENVER))
    contract(session, "acme", phones, "managed", *year)  # 1500.00 USD a month
    # A Monday of April 2027 (30 days), open all day in the client's Denver hours.
    monday = date(2027, 4, 5)
    assert policy.calendar("business").is_open(datetime.combine(monday, time(9), DENVER))
    received = datetime.combine(monday, time(9), DENVER)
    await advance_to(desk.env, received)
    handle, case = await desk.open_case_at(received, "zsupport", "managed", severity="critical")
    restoration = case.sla["restoration"]
    assert (restoration.target, restoration.due_at) == ("4h", received + timedelta(hours=4))

    await advance_to(desk.env, received + timedelta(hours=7))
    restored = await step(handle, "restore", Restore(note="trunk back", actor="e:owen"))
    (credit,) = restored.credits
    assert (credit.target, credit.amount, credit.currency) == ("restoration", "14.58", "USD")
    assert credit.upon_request is True
    assert credit.computation == (
        "1500.00 USD a month x 7 h out of the 720 h of April 2027 (America/Denver) = 14.58 USD"
    )
    assert restored.sla["restoration"].breached is True
