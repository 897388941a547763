"""Instants as integer microseconds, and local dates of an IANA zone as real instants.

Business-time arithmetic runs on integers: exact (no float rounding of timestamps) and cheap.
A local date `d` (a proleptic Gregorian ordinal) covers the real instants
[day_start(d), day_start(d + 1)), where day_start is local midnight converted with `fold=0`.
Every instant belongs to exactly one local date, and those spans are consecutive.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
MINUTE_US = 60_000_000
DAY_US = 86_400 * 1_000_000
MINUTES_PER_DAY = 1440

# Keep a safety margin from date.min/date.max: converting a local date near them to UTC overflows.
MIN_DAY = date(2, 1, 1).toordinal()
MAX_DAY = date(9998, 12, 31).toordinal()


def require_aware(value: object, name: str) -> datetime:
    """Return `value` when it is a timezone-aware datetime; otherwise a ValueError naming it."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name}: expected a timezone-aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: naive datetime {value.isoformat()} (a time zone is required)")
    return value


def to_us(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact)."""
    return (value - EPOCH) // ONE_US


def from_us(us: int, tz: ZoneInfo) -> datetime:
    """The aware datetime in `tz` of an instant; `fold` is set right for repeated wall times."""
    return (EPOCH + timedelta(microseconds=us)).astimezone(tz)


def weekday_of(day: int) -> int:
    """Weekday (Monday = 0) of a date ordinal, without building a date (ordinal 1 is a Monday)."""
    return (day + 6) % 7


def year_of(day: int) -> int:
    return date.fromordinal(day).year


def local_to_us(day: int, minute: int, tz: ZoneInfo) -> int:
    """Instant of the wall time `minute` (0..1440; 1440 is the next midnight) of local date `day`.

    `fold=0` picks the first of two repeated wall times; a wall time skipped by a spring-forward
    gap is read with the offset in force before the gap (PEP 495), as zoneinfo does.
    """
    if minute == MINUTES_PER_DAY:
        day += 1
        minute = 0
    d = date.fromordinal(day)
    return to_us(datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=tz))


def local_day(us: int, tz: ZoneInfo) -> int:
    """The local date (ordinal) an instant belongs to."""
    return from_us(us, tz).toordinal()


def check_day(day: int, what: str) -> None:
    """Reject dates so close to year 1 or 9999 that local conversions would overflow.

    `what` starts with the field name, e.g. "duration: the deadline falls".
    """
    if not MIN_DAY <= day <= MAX_DAY:
        raise ValueError(f"{what} outside the supported range (years 2 to 9998)")


@lru_cache(maxsize=8192)
def transition_days(tz: ZoneInfo, year: int) -> tuple[int, ...]:
    """Local dates of `year` (sorted ordinals) that do not last exactly 24 real hours.

    Those are the dates in which (or at whose end) the UTC offset changes; every other date is
    24 h long with a constant offset, so its wall-clock windows are real durations. One pass of
    366 conversions per zone and year, cached: pure and deterministic for a given tzdata.
    """
    first = max(date(year, 1, 1).toordinal(), MIN_DAY)
    last = min(date(year, 12, 31).toordinal(), MAX_DAY)
    out: list[int] = []
    start = local_to_us(first, 0, tz)
    for day in range(first, last + 1):
        end = local_to_us(day + 1, 0, tz)
        if end - start != DAY_US:
            out.append(day)
        start = end
    return tuple(out)
