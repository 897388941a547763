"""What a missed target earns the client: a credit of its monthly fee prorated over the time
the service was out (`period: outage`, from receipt to restoration) or over the time beyond
the missed deadline (`beyond_target`), against the length of the calendar month in the
client's zone, rounded half up to the currency's minor unit. Pure: the fee, the currency's
minor units and the zone come from the case's recorded registry facts.
"""

from calendar import month_name, monthrange
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo


def month_length(at: datetime, zone: ZoneInfo) -> timedelta:
    """The length of the calendar month holding `at` in `zone`, in days of 24 hours (a
    30-day month is 720 hours, whatever its clocks did for daylight saving)."""
    local = at.astimezone(zone)
    return timedelta(days=monthrange(local.year, local.month)[1])


def _hours(span: timedelta) -> str:
    hours = Decimal(span.total_seconds()) / 3600
    return f"{hours.quantize(Decimal('0.01')).normalize():f} h"


def prorated(
    fee: Decimal,
    currency: str,
    minor_units: int,
    start: datetime,
    end: datetime,
    zone_name: str,
) -> tuple[Decimal, str]:
    """The credit of `fee` a month for the time from `start` to `end`, and how it was
    computed, in words a client can check. (The zone by name: workflows build no zone.)"""
    zone = ZoneInfo(zone_name)
    month = month_length(start, zone)
    out = max(end - start, timedelta(0))
    exact = fee * Decimal(out.total_seconds()) / Decimal(month.total_seconds())
    amount = exact.quantize(Decimal(1).scaleb(-minor_units), rounding=ROUND_HALF_UP)
    local = start.astimezone(zone)
    how = (
        f"{fee} {currency} a month x {_hours(out)} out of the {_hours(month)} of "
        f"{month_name[local.month]} {local.year} ({zone.key}) = {amount} {currency}"
    )
    return amount, how
