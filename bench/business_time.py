"""Benchmark: 100,000 business-time deadlines, this engine against `businesstimedelta`.

Run: .venv/bin/python bench/business_time.py [--cases 100000] [--seed 20260101]

Calendars: Z-Support (America/Denver, Mon-Fri 08:00-17:00, US holidays) and Maxony Europe
(Europe/Rome, Mon-Fri 08:00-17:00, Italian holidays), half of the cases each. Both engines get
the same holiday dates: our resolved spec's explicit list (2020-2040), handed to
businesstimedelta's HolidayRule as a frozenset (O(1) membership, its fastest container).

Where the semantics agree, and so what is compared: every aware start instant (inside hours,
nights, weekends, holidays, both DST changes of each year) with a duration > 0. Both return the
earliest instant at which the duration of open time has elapsed, counting from the next opening
when the start is closed, and both stop *at* a closing time when the duration is used up
exactly there (9 h from 08:00 is 17:00). They differ only outside the generated inputs:
a zero duration from a closed start (businesstimedelta returns the next opening, we return the
start itself) and naive datetimes (businesstimedelta assumes UTC, we refuse them). Windows at
08:00-17:00 never touch a DST gap or overlap, so pytz's `localize(is_dst=False)` and zoneinfo's
`fold=0` read them identically.

Random inputs (seeded): start instants uniform over 2026-2029 to the second; durations uniform
between 1 minute and 100 business hours (SLA targets: 2 h, 12 h, 48 h, 5 days = 45 h, ...).

Exit status: 0 when all deadlines agree and our throughput is at least 5x theirs; 1 on any
disagreement; 2 when they agree but the ratio is below 5.
"""

import argparse
import platform
import random
import sys
import time as stopwatch
from datetime import UTC, datetime, time, timedelta

import businesstimedelta
import pytz

from models.time.business_time import BusinessCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CALENDARS = {
    "Z-Support (America/Denver, US)": ("America/Denver", "US"),
    "Maxony (Europe/Rome, IT)": ("Europe/Rome", "IT"),
}
SPAN_START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 4 * 365 * 86_400
MIN_RATIO = 5.0

Case = tuple[datetime, timedelta]


def ours_and_theirs(
    timezone: str, country: str
) -> tuple[BusinessCalendar, businesstimedelta.Rules]:
    ours = BusinessCalendar.from_spec(
        {
            "timezone": timezone,
            "hours": {day: ["08:00-17:00"] for day in WEEKDAYS},
            "holidays": {"country": country},
        }
    )
    tz = pytz.timezone(timezone)
    workday = businesstimedelta.WorkDayRule(
        start_time=time(8), end_time=time(17), working_days=[0, 1, 2, 3, 4], tz=tz
    )
    holidays = businesstimedelta.HolidayRule(frozenset(ours.spec.holidays.dates), tz=tz)
    return ours, businesstimedelta.Rules([workday, holidays])


def random_cases(rng: random.Random, count: int) -> list[Case]:
    return [
        (
            SPAN_START + timedelta(seconds=rng.randrange(SPAN_SECONDS)),
            timedelta(seconds=rng.randrange(60, 100 * 3600 + 1)),
        )
        for _ in range(count)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    print(f"python {platform.python_version()} on {platform.machine()}, seed {args.seed}")
    total_ours = total_theirs = 0.0
    compared = mismatches = 0
    per_calendar = args.cases // len(CALENDARS)
    for name, (timezone, country) in CALENDARS.items():
        ours, theirs = ours_and_theirs(timezone, country)
        cases = random_cases(rng, per_calendar)

        began = stopwatch.perf_counter()
        our_due = [ours.add(start, duration) for start, duration in cases]
        elapsed_ours = stopwatch.perf_counter() - began

        began = stopwatch.perf_counter()
        their_due = [
            start + businesstimedelta.BusinessTimeDelta(theirs, timedelta=duration)
            for start, duration in cases
        ]
        elapsed_theirs = stopwatch.perf_counter() - began

        bad = [(case, a, b) for case, a, b in zip(cases, our_due, their_due, strict=True) if a != b]
        for (start, duration), a, b in bad[:5]:
            print(f"  MISMATCH {name}: {start.isoformat()} + {duration}: ours {a}, theirs {b}")
        print(
            f"{name}: {len(cases)} deadlines, {len(bad)} mismatches; "
            f"ours {len(cases) / elapsed_ours:,.0f}/s, theirs {len(cases) / elapsed_theirs:,.0f}/s"
        )
        compared += len(cases)
        mismatches += len(bad)
        total_ours += elapsed_ours
        total_theirs += elapsed_theirs

    ours_rate, theirs_rate = compared / total_ours, compared / total_theirs
    ratio = ours_rate / theirs_rate
    print(f"compared {compared} deadlines, {mismatches} mismatches")
    print(f"this engine:       {ours_rate:>10,.0f} deadlines/s ({total_ours:.2f} s)")
    print(f"businesstimedelta: {theirs_rate:>10,.0f} deadlines/s ({total_theirs:.2f} s)")
    print(f"ratio: {ratio:.1f}x (acceptance: >= {MIN_RATIO:.0f}x)")
    if mismatches:
        return 1
    return 0 if ratio >= MIN_RATIO else 2


if __name__ == "__main__":
    sys.exit(main())
