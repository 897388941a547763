"""Field-service deadlines as pure functions of the example policies (hand-computed instants)."""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.field.deadlines import (
    before,
    onsite_promise,
    rma_deadline,
    rma_reminders,
    ship_instant,
    shipment_dates,
)
from models.policy import Policy, load_policy
from models.policy.durations import Duration

POLICIES = Path(__file__).resolve().parents[2] / "escalator" / "policies"

NY = ZoneInfo("America/New_York")
DENVER = ZoneInfo("America/Denver")


def example(name: str) -> Policy:
    return load_policy((POLICIES / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def protelecom() -> Policy:
    return example("protelecom")


@pytest.fixture(scope="module")
def zsupport() -> Policy:
    return example("zsupport")


def test_cutoff_is_inclusive_and_in_local_time(protelecom: Policy) -> None:
    # Thursday 3 December 2026.
    thursday = date(2026, 12, 3)
    at_cutoff = datetime.combine(thursday, time(15, 0), tzinfo=NY)
    assert shipment_dates(protelecom, at_cutoff) == (thursday, date(2026, 12, 4))
    after = at_cutoff + timedelta(seconds=1)
    assert shipment_dates(protelecom, after) == (date(2026, 12, 4), date(2026, 12, 7))
    # 14:30 in Denver is 16:30 in New York: past the policy's cut-off.
    assert shipment_dates(protelecom, datetime(2026, 12, 3, 14, 30, tzinfo=DENVER))[0] == (
        date(2026, 12, 4)
    )
    assert ship_instant(protelecom, thursday, at_cutoff - timedelta(hours=3)) == at_cutoff
    assert ship_instant(protelecom, thursday, after) == after


def test_thanksgiving_and_weekend_push_delivery(protelecom: Policy) -> None:
    # Wednesday 25 November 2026 at 16:00: ships Friday (Thursday is Thanksgiving), lands Monday.
    confirmed = datetime(2026, 11, 25, 16, 0, tzinfo=NY)
    assert shipment_dates(protelecom, confirmed) == (date(2026, 11, 27), date(2026, 11, 30))


def test_zsupport_ships_under_the_default_cutoff_in_its_rma_calendar(zsupport: Policy) -> None:
    assert zsupport.field_service is not None and zsupport.field_service.parts is None
    morning = datetime(2026, 12, 3, 14, 59, tzinfo=DENVER)
    assert shipment_dates(zsupport, morning) == (date(2026, 12, 3), date(2026, 12, 4))


def test_onsite_friday_afternoon_is_due_monday_close(protelecom: Policy) -> None:
    promised, due = onsite_promise(protelecom, datetime(2026, 12, 4, 15, 30, tzinfo=NY))
    assert promised == date(2026, 12, 7)
    assert due == datetime(2026, 12, 7, 17, 0, tzinfo=NY)


def test_rma_windows_by_region(protelecom: Policy, zsupport: Policy) -> None:
    delivered = datetime(2026, 12, 4, 11, 0, tzinfo=NY)  # a Friday
    assert rma_deadline(protelecom, "north_america", delivered) == datetime(
        2026, 12, 11, 17, 0, tzinfo=NY
    )
    assert rma_deadline(protelecom, "europe", delivered) == datetime(2026, 12, 18, 17, 0, tzinfo=NY)
    # Z-Support lists only "other"; Christmas Day falls inside the window.
    start = datetime(2026, 12, 21, 9, 0, tzinfo=DENVER)
    assert rma_deadline(zsupport, "north_america", start) == datetime(
        2026, 12, 29, 17, 0, tzinfo=DENVER
    )


def test_reminders_count_business_days_back_and_skip_the_past(protelecom: Policy) -> None:
    due = datetime(2026, 12, 1, 17, 0, tzinfo=NY)  # a Tuesday, after Thanksgiving week
    reminders = rma_reminders(protelecom, due, after=datetime(2026, 11, 20, tzinfo=NY))
    # 2 business days before Tuesday: the Friday before (the weekend does not count); 1: Monday.
    assert reminders == [
        datetime(2026, 11, 27, 17, 0, tzinfo=NY),
        datetime(2026, 11, 30, 17, 0, tzinfo=NY),
    ]
    assert rma_reminders(protelecom, due, after=reminders[0]) == reminders[1:]


def test_before_in_business_hours_and_wall_time(protelecom: Policy) -> None:
    calendar = protelecom.calendar("business")
    monday_close = datetime(2026, 12, 7, 17, 0, tzinfo=NY)
    # Four business hours before Monday 10:00 reach back into Friday afternoon.
    assert before(calendar, monday_close - timedelta(hours=7), Duration.parse("4h")) == (
        datetime(2026, 12, 4, 15, 0, tzinfo=NY)
    )
    assert before(calendar, monday_close, Duration.parse("2h wall")) == monday_close - timedelta(
        hours=2
    )
