"""Credits of a monthly fee prorated over an outage, in the client's month and currency."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from models.case.credits import month_length, prorated

DENVER = ZoneInfo("America/Denver")


def test_seven_hours_of_a_thirty_day_month_at_1500_a_month() -> None:
    start = datetime(2026, 11, 10, 9, 0, tzinfo=DENVER)
    amount, how = prorated(
        Decimal("1500.00"), "USD", 2, start, start + timedelta(hours=7), DENVER.key
    )
    assert amount == Decimal("14.58")
    # A 30-day month is 720 hours, though Denver's clocks went back an hour in it.
    assert how == (
        "1500.00 USD a month x 7 h out of the 720 h of November 2026 (America/Denver) = 14.58 USD"
    )


def test_the_month_is_the_one_of_the_client_s_zone() -> None:
    # 23:30 on 30 June in Denver is already July in UTC (31 days); the client's June has 30.
    late_june = datetime(2026, 6, 30, 23, 30, tzinfo=DENVER)
    assert month_length(late_june, DENVER) == timedelta(days=30)
    assert month_length(late_june, ZoneInfo("UTC")) == timedelta(days=31)


def test_rounding_is_half_up_to_the_currency_s_minor_unit() -> None:
    start = datetime(2026, 6, 1, tzinfo=DENVER)
    yen, _ = prorated(Decimal("100000"), "JPY", 0, start, start + timedelta(hours=7), DENVER.key)
    assert yen == Decimal("972")  # 100000 x 7 / 720 = 972.2
    dinar, _ = prorated(Decimal("150.000"), "KWD", 3, start, start + timedelta(hours=7), DENVER.key)
    assert dinar == Decimal("1.458")
    nothing, _ = prorated(Decimal("1500.00"), "USD", 2, start, start, DENVER.key)
    assert nothing == Decimal("0.00")
