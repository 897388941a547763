"""Deadlines from every example policy, at exact instants (hand-computed)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from tests.workflow.cases import Desk, add_contract

DENVER = ZoneInfo("America/Denver")
ROME = ZoneInfo("Europe/Rome")


async def test_zsupport_critical_friday_afternoon(shared_desk: Desk) -> None:
    # Friday 16:30 Denver, inside hours: 2 and 4 business hours, half an hour of them on Friday.
    _, case = await shared_desk.open_case_at(
        datetime(2026, 11, 20, 16, 30, tzinfo=DENVER), "zsupport", "managed", severity="critical"
    )
    assert case.ticket_number == "ZSU-000001"
    assert case.sla["response"].due_at == datetime(2026, 11, 23, 9, 30, tzinfo=DENVER)
    assert case.sla["restoration"].due_at == datetime(2026, 11, 23, 11, 30, tzinfo=DENVER)
    assert case.sla["response"].target == "2h"


async def test_zsupport_saturday_uses_outside_hours_targets(shared_desk: Desk) -> None:
    received = datetime(2026, 11, 14, 10, 0, tzinfo=DENVER)  # a Saturday
    _, case = await shared_desk.open_case_at(received, "zsupport", "managed", severity="critical")
    # 12 business hours: Monday 08:00-17:00 (9h), then 3h on Tuesday.
    assert case.sla["response"].due_at == datetime(2026, 11, 17, 11, 0, tzinfo=DENVER)
    # Restoration outside hours is 12 hours of the 24x7 calendar.
    assert case.sla["restoration"].due_at == received + timedelta(hours=12)


async def test_emetrotel_premium_plus_sunday_night(session: Session, shared_desk: Desk) -> None:
    received = datetime(2026, 11, 15, 3, 0, tzinfo=ZoneInfo("America/Chicago"))  # Sunday
    add_contract(
        session, "premium_plus", received - timedelta(days=100), received + timedelta(days=265)
    )
    _, case = await shared_desk.open_case_at(
        received, "emetrotel", "premium_plus", severity="standard"
    )
    assert case.entitlement == "covered"
    assert case.sla["response"].due_at == received + timedelta(hours=2)


async def test_emetrotel_expired_contract_waits_for_a_purchase_order(
    session: Session, shared_desk: Desk
) -> None:
    received = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    add_contract(session, "premium", received - timedelta(days=400), received - timedelta(days=35))
    _, case = await shared_desk.open_case_at(received, "emetrotel", "premium", severity="standard")
    assert case.entitlement == "po_required"
    assert case.sla["response"].paused and case.sla["response"].due_at is None
