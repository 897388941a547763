"""Property tests: algebraic laws of business time, and agreement with a slow reference.

The reference knows nothing of the engine's week skipping, special days or integer
microseconds: it converts every window of every local date to real instants with zoneinfo
(`fold=0`), and walks time one minute at a time. Windows, zone offsets and random instants are
all on whole minutes, so counting minutes is exact.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.time.business_time import BusinessCalendar, CalendarSpec
from models.time.calendar_spec import WEEKDAYS, format_window

# DST in both hemispheres, a 30-minute DST shift (Lord Howe), transitions at midnight
# (Santiago), a :30 offset without DST (Kolkata), and UTC.
ZONES = [
    "UTC",
    "America/Denver",
    "Europe/Rome",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
]
MINUTE = timedelta(minutes=1)
# Random instants fall in this span, which holds DST changes of every zone above.
SPAN_START = datetime(2026, 3, 1, tzinfo=UTC)
SPAN_MINUTES = 260 * 24 * 60
# Wall times near typical DST transitions are over-represented so windows often straddle gaps.
BOUNDARIES = [0, 60, 90, 120, 150, 180, 210, 240, 480, 1020, 1380, 1410, 1440]

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def day_windows(draw: st.DrawFn) -> list[str]:
    """0 to 3 windows on one weekday, on minute boundaries, sorted, possibly touching."""
    minute = st.one_of(st.sampled_from(BOUNDARIES), st.integers(0, 1440))
    points = sorted(draw(st.lists(minute, min_size=0, max_size=6)))
    windows = []
    for start, end in zip(points[::2], points[1::2], strict=False):
        if start < end:
            windows.append(format_window((start, end)))
    return windows


@st.composite
def specs(draw: st.DrawFn) -> CalendarSpec:
    hours = {day: draw(day_windows()) for day in WEEKDAYS}
    if not any(hours.values()):
        hours["wed"] = ["09:00-17:00"]
    dates = draw(
        st.lists(st.dates(date(2026, 2, 20), date(2026, 12, 31)), max_size=12, unique=True)
    )
    return CalendarSpec.model_validate(
        {
            "timezone": draw(st.sampled_from(ZONES)),
            "hours": hours,
            "holidays": {"dates": [d.isoformat() for d in dates]},
        }
    )


instants = st.integers(0, SPAN_MINUTES).map(lambda m: SPAN_START + m * MINUTE)


# -- the slow reference --------------------------------------------------------------------


class Reference:
    """Open minutes by brute force: union of every window of every local date, minute steps."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.tz = ZoneInfo(spec.timezone)
        self.windows = {i: spec.hours.get(day, ()) for i, day in enumerate(WEEKDAYS)}
        self.holidays = set(spec.holidays.dates)
        self._open_minutes: dict[date, set[datetime]] = {}

    def _real(self, day: date, wall: str) -> datetime:
        hour, minute = int(wall[:2]), int(wall[3:])
        if hour == 24:
            day, hour = day + timedelta(days=1), 0
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz).astimezone(UTC)

    def _minutes_of(self, day: date) -> set[datetime]:
        """Open UTC minute starts contributed by the windows of local date `day`."""
        if day not in self._open_minutes:
            found: set[datetime] = set()
            if day not in self.holidays:
                for window in self.windows[day.weekday()]:
                    at, end = self._real(day, window[:5]), self._real(day, window[6:])
                    while at < end:
                        found.add(at)
                        at += MINUTE
            self._open_minutes[day] = found
        return self._open_minutes[day]

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.tz).date()
        # a window of the previous or next local date may reach `at` only around DST gaps
        return any(at in self._minutes_of(local + timedelta(days=k)) for k in (-1, 0, 1))

    def minutes(self, start: datetime) -> Iterator[tuple[datetime, bool]]:
        at = start.astimezone(UTC)
        while True:
            yield at, self.is_open(at)
            at += MINUTE

    def add(self, start: datetime, minutes: int) -> datetime:
        if minutes == 0:
            return start
        for at, is_open in self.minutes(start):
            minutes -= is_open
            if minutes == 0:
                return at + MINUTE
        raise AssertionError("unreachable")

    def elapsed(self, start: datetime, end: datetime) -> int:
        count = 0
        for at, is_open in self.minutes(start):
            if at >= end:
                return count
            count += is_open
        raise AssertionError("unreachable")

    def next_open(self, start: datetime) -> datetime:
        return next(at for at, is_open in self.minutes(start) if is_open)

    def add_business_days(self, day: date, n: int) -> date:
        while n > 0:
            day += timedelta(days=1)
            n -= bool(self.windows[day.weekday()]) and day not in self.holidays
        return day


def open_minutes_per_week(spec: CalendarSpec) -> int:
    return sum(e - s for day in spec.windows() for s, e in day)


# -- agreement with the reference ----------------------------------------------------------


@SLOW
@given(spec=specs(), start=instants, data=st.data())
def test_add_agrees_with_the_minute_reference(
    spec: CalendarSpec, start: datetime, data: st.DataObject
) -> None:
    # up to ~2 weeks of this calendar's business time, so the reference stays quick; exact
    # multiples of a week's open time end exactly on a closing time (an edge worth hitting)
    week = open_minutes_per_week(spec)
    minutes = data.draw(
        st.one_of(st.integers(0, 2 * week), st.sampled_from([week, 2 * week])), label="minutes"
    )
    cal, ref = BusinessCalendar.from_spec(spec), Reference(spec)
    assert cal.add(start, minutes * MINUTE) == ref.add(start, minutes)


@SLOW
@given(spec=specs(), start=instants, length=st.integers(0, 12 * 24 * 60))
def test_elapsed_agrees_with_the_minute_reference(
    spec: CalendarSpec, start: datetime, length: int
) -> None:
    end = start + length * MINUTE
    cal, ref = BusinessCalendar.from_spec(spec), Reference(spec)
    assert cal.elapsed(start, end) == ref.elapsed(start, end) * MINUTE


@FAST
@given(spec=specs(), at=instants)
def test_is_open_and_next_open_agree_with_the_reference(spec: CalendarSpec, at: datetime) -> None:
    cal, ref = BusinessCalendar.from_spec(spec), Reference(spec)
    assert cal.is_open(at) == ref.is_open(at)
    assert cal.next_open(at) == ref.next_open(at)


@FAST
@given(spec=specs(), at=instants, n=st.integers(0, 40))
def test_add_business_days_agrees_with_stepping_day_by_day(
    spec: CalendarSpec, at: datetime, n: int
) -> None:
    cal, ref = BusinessCalendar.from_spec(spec), Reference(spec)
    local = at.astimezone(ZoneInfo(spec.timezone)).date()
    assert cal.add_business_days(at, n) == ref.add_business_days(local, n)


# -- laws, over long spans (years: week skipping, many DST changes and holidays) -------------

long_durations = st.one_of(
    st.integers(0, 10**6).map(lambda us: timedelta(microseconds=us)),
    st.integers(0, 20_000 * 60).map(lambda m: m * MINUTE),  # up to 20,000 business hours
    st.timedeltas(timedelta(0), timedelta(days=300)),
)
far_instants = st.datetimes(
    datetime(2019, 1, 1),
    datetime(2032, 12, 31),
    timezones=st.sampled_from([UTC, *map(ZoneInfo, ZONES)]),
)


@FAST
@given(spec=specs(), start=far_instants, data=st.data())
def test_elapsed_of_add_is_the_duration(
    spec: CalendarSpec, start: datetime, data: st.DataObject
) -> None:
    cal = BusinessCalendar.from_spec(spec)
    week = open_minutes_per_week(spec) * MINUTE
    duration = data.draw(
        st.one_of(long_durations, st.integers(0, 300).map(lambda k: k * week)), label="duration"
    )
    end = cal.add(start, duration)
    assert end >= start
    assert cal.elapsed(start, end) == duration
    if duration > timedelta(0):  # earliest such instant: one microsecond less is not enough
        assert cal.elapsed(start, end - timedelta(microseconds=1)) < duration


@FAST
@given(spec=specs(), start=far_instants, days=st.integers(0, 3000))
def test_a_closing_time_is_reached_exactly(spec: CalendarSpec, start: datetime, days: int) -> None:
    """For t right after open time, add(start, elapsed(start, t)) is t itself (not the next
    opening): lands deadlines exactly on closes before weekends, holidays and year ends."""
    cal = BusinessCalendar.from_spec(spec)
    close = cal.local_close(cal.local_date(start) + timedelta(days=days))
    if close is None or close < start or not cal.is_open(close - timedelta(microseconds=1)):
        return
    assert cal.add(start, cal.elapsed(start, close)) == close


@FAST
@given(spec=specs(), start=far_instants, a=long_durations, b=long_durations)
def test_add_is_monotonic_in_the_duration(
    spec: CalendarSpec, start: datetime, a: timedelta, b: timedelta
) -> None:
    cal = BusinessCalendar.from_spec(spec)
    shorter, longer = sorted((a, b))
    assert cal.add(start, shorter) <= cal.add(start, longer)
    # and adding in two steps is adding once
    assert cal.add(cal.add(start, shorter), longer - shorter) == cal.add(start, longer)


@FAST
@given(spec=specs(), points=st.lists(far_instants, min_size=3, max_size=3))
def test_elapsed_is_additive_over_adjacent_intervals(
    spec: CalendarSpec, points: list[datetime]
) -> None:
    cal = BusinessCalendar.from_spec(spec)
    a, b, c = sorted(points)
    assert cal.elapsed(a, b) + cal.elapsed(b, c) == cal.elapsed(a, c)
    assert cal.elapsed(c, a) == -cal.elapsed(a, c)
    assert timedelta(0) <= cal.elapsed(a, c) <= c - a


pause_lists = st.lists(
    st.tuples(instants, st.integers(0, 5 * 24 * 60)).map(lambda p: (p[0], p[0] + p[1] * MINUTE)),
    max_size=4,
)


@FAST
@given(spec=specs(), start=instants, duration=long_durations, pauses=pause_lists)
def test_pausing_never_shortens_a_deadline(
    spec: CalendarSpec,
    start: datetime,
    duration: timedelta,
    pauses: list[tuple[datetime, datetime]],
) -> None:
    cal = BusinessCalendar.from_spec(spec)
    due = cal.add(start, duration, pauses)
    assert due >= cal.add(start, duration)
    assert cal.elapsed(start, due, pauses) == duration
    # more pauses never give an earlier deadline than fewer pauses
    for count in range(len(pauses)):
        assert cal.add(start, duration, pauses[:count]) <= cal.add(
            start, duration, pauses[: count + 1]
        )


@FAST
@given(spec=specs(), start=instants, end=instants, pauses=pause_lists)
def test_elapsed_subtracts_the_union_of_pauses(
    spec: CalendarSpec, start: datetime, end: datetime, pauses: list[tuple[datetime, datetime]]
) -> None:
    cal = BusinessCalendar.from_spec(spec)
    start, end = sorted((start, end))
    # reference: sum over the complement of the pauses' union, piece by piece
    cuts = sorted({start, end, *(t for p in pauses for t in p if start < t < end)})
    expected = timedelta(0)
    for lo, hi in pairwise(cuts):
        if not any(p_lo <= lo and hi <= p_hi for p_lo, p_hi in pauses):
            expected += cal.elapsed(lo, hi)
    assert cal.elapsed(start, end, pauses) == expected
    assert cal.elapsed(start, end, pauses + pauses) == expected  # overlaps count once
