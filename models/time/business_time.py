"""Business-time arithmetic over a `CalendarSpec`: pure, deterministic, safe inside workflows.

No I/O (beyond zoneinfo loading a zone once), no clock, no randomness. Instants are aware
datetimes; results are returned in the calendar's zone. Internally instants are integer
microseconds since the epoch and local dates are ordinals (see `zone_days`).

Cost model: a local date is *plain* when it is not a holiday and lasts 24 real hours; its open
time is then the wall-clock length of its weekday's windows. Runs of plain dates between two
*special* dates (holidays, DST-transition dates) are summed or skipped arithmetically (whole
weeks at a time), so work grows with the number of special dates crossed (a dozen a year), not
with days, hours or minutes.

Workflows import `models` under `workflow.unsafe.imports_passed_through()`: inside Temporal's
sandbox `zoneinfo.ZoneInfo` is a restricted proxy whose instances `datetime` rejects, and
passing this pure code through also keeps its caches (calendars, DST dates) across runs.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from models.time.calendar_spec import CalendarSpec, HolidaySpec, Weekday
from models.time.zone_days import (
    MINUTE_US,
    ONE_US,
    check_day,
    from_us,
    local_day,
    local_to_us,
    require_aware,
    to_us,
    transition_days,
    weekday_of,
    year_of,
)

__all__ = ["BusinessCalendar", "CalendarSpec", "HolidaySpec", "Weekday"]

Interval = tuple[int, int]  # [start, end) in microseconds since the epoch
_NO_DAY = 1 << 62  # "no further special date"


def _duration_us(duration: object, name: str = "duration") -> int:
    if not isinstance(duration, timedelta):
        raise ValueError(f"{name}: expected a timedelta, got {type(duration).__name__}")
    if duration < timedelta(0):
        raise ValueError(f"{name}: must not be negative (got {duration})")
    return duration // ONE_US


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of half-open intervals, sorted, empty ones dropped."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _open_in(intervals: Iterable[Interval], lo: int, hi: int) -> int:
    return sum(max(0, min(end, hi) - max(start, lo)) for start, end in intervals)


class BusinessCalendar:
    """Open/closed time of one calendar. Build with `from_spec` (cached) or `always()`."""

    __slots__ = (
        "_bd_cum",
        "_bd_week",
        "_day_open",
        "_hol_bd",
        "_hol_open_cum",
        "_hol_sorted",
        "_holidays",
        "_open_cum",
        "_special",
        "_week_open",
        "_windows",
        "_windows_us",
        "spec",
        "tz",
    )

    def __init__(self, spec: CalendarSpec) -> None:
        """Prefer `from_spec`, which caches; `spec` must be resolved (explicit holiday dates)."""
        if not spec.is_resolved:
            raise ValueError("holidays: the calendar spec must be resolved (spec.resolved())")
        self.spec = spec
        self.tz = ZoneInfo(spec.timezone)
        self._windows = spec.windows()
        self._windows_us = tuple(
            tuple((s * MINUTE_US, e * MINUTE_US) for s, e in day) for day in self._windows
        )
        self._day_open = tuple(sum(e - s for s, e in day) for day in self._windows_us)
        self._week_open = sum(self._day_open)
        # cumulative sums over two weeks so any run of < 7 days starting on any weekday is
        # one subtraction
        self._open_cum = (0, *accumulate(self._day_open[i % 7] for i in range(14)))
        has_windows = [1 if day else 0 for day in self._windows]
        self._bd_week = sum(has_windows)
        self._bd_cum = (0, *accumulate(has_windows[i % 7] for i in range(14)))
        self._hol_sorted = tuple(sorted({d.toordinal() for d in spec.holidays.dates}))
        self._holidays = frozenset(self._hol_sorted)
        self._hol_open_cum = (
            0,
            *accumulate(self._day_open[weekday_of(d)] for d in self._hol_sorted),
        )
        self._hol_bd = tuple(d for d in self._hol_sorted if self._windows[weekday_of(d)])
        # real open intervals of DST-transition dates, memoised (deterministic for a tzdata)
        self._special: dict[int, tuple[Interval, ...]] = {}

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_spec(cls, spec: CalendarSpec | Mapping[str, Any]) -> "BusinessCalendar":
        """The calendar of a spec (or of its dict form); equal specs share one cached instance.

        An unresolved spec is resolved first (a `holidays` lookup, cached): publish resolved
        specs so that workflows never depend on the library's data.
        """
        if not isinstance(spec, CalendarSpec):
            spec = CalendarSpec.model_validate(spec)
        return _build(spec)

    @classmethod
    def always(cls) -> "BusinessCalendar":
        """24x7x365 in UTC: business time equals real time."""
        return _build(CalendarSpec.always())

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.spec.timezone!r}, {self.spec.hours!r})"

    # -- per-date structure -----------------------------------------------------------------

    def _is_transition(self, day: int) -> bool:
        return day in transition_days(self.tz, year_of(day))

    def _next_special(self, day: int) -> int:
        """First date >= day that is a holiday, a DST-transition date or a 1 January.

        1 January bounds the look-up of transitions (computed per year), so a zone without
        DST still needs only one extra step per year.
        """
        i = bisect_left(self._hol_sorted, day)
        holiday = self._hol_sorted[i] if i < len(self._hol_sorted) else _NO_DAY
        year = year_of(day)
        transitions = transition_days(self.tz, year)
        j = bisect_left(transitions, day)
        transition = transitions[j] if j < len(transitions) else _NO_DAY
        return min(holiday, transition, date(year + 1, 1, 1).toordinal())

    def _intervals(self, day: int) -> tuple[Interval, ...]:
        """Real open intervals of a local date, sorted, disjoint, within the date's span."""
        weekday = weekday_of(day)
        if not self._windows[weekday] or day in self._holidays:
            return ()
        if not self._is_transition(day):
            base = local_to_us(day, 0, self.tz)
            return tuple((base + s, base + e) for s, e in self._windows_us[weekday])
        cached = self._special.get(day)
        if cached is None:
            lo, hi = local_to_us(day, 0, self.tz), local_to_us(day + 1, 0, self.tz)
            # On a transition date wall->real is not monotonic (a gap maps forward), so
            # windows may overlap in real time: merge; clamp so no date spills into another.
            real = (
                (max(local_to_us(day, s, self.tz), lo), min(local_to_us(day, e, self.tz), hi))
                for s, e in self._windows[weekday]
            )
            cached = tuple(_merge(real))
            self._special[day] = cached
        return cached

    def _pattern_open(self, first: int, stop: int) -> int:
        """Open time of dates [first, stop) as if all were plain."""
        weeks, rest = divmod(stop - first, 7)
        weekday = weekday_of(first)
        return weeks * self._week_open + self._open_cum[weekday + rest] - self._open_cum[weekday]

    def _open_days(self, first: int, stop: int) -> int:
        """Real open time of the whole local dates [first, stop)."""
        if stop <= first:
            return 0
        total = self._pattern_open(first, stop)
        i, j = bisect_left(self._hol_sorted, first), bisect_left(self._hol_sorted, stop)
        total -= self._hol_open_cum[j] - self._hol_open_cum[i]
        for year in range(year_of(first), year_of(stop - 1) + 1):
            for day in transition_days(self.tz, year):
                if first <= day < stop and day not in self._holidays:
                    real = sum(e - s for s, e in self._intervals(day))
                    total += real - self._day_open[weekday_of(day)]
        return total

    # -- microsecond core ---------------------------------------------------------------------

    def _elapsed_us(self, start: int, end: int) -> int:
        """Open time in [start, end) for start <= end."""
        first, last = local_day(start, self.tz), local_day(end, self.tz)
        if first == last:
            return _open_in(self._intervals(first), start, end)
        return (
            _open_in(self._intervals(first), start, end)
            + self._open_days(first + 1, last)
            + _open_in(self._intervals(last), start, end)
        )

    def _add_us(self, start: int, remaining: int) -> int:
        """Earliest instant t with open time in [start, t) == remaining (> 0 or == 0)."""
        if remaining == 0:
            return start
        day = local_day(start, self.tz)
        for lo, hi in self._intervals(day):
            if hi <= start:
                continue
            lo = max(lo, start)
            if remaining <= hi - lo:
                return lo + remaining
            remaining -= hi - lo
        day += 1
        while True:
            check_day(day, "duration: the deadline falls")
            special = self._next_special(day)
            if special > day:
                span = self._pattern_open(day, special)
                if span >= remaining:
                    return self._locate_plain(day, remaining)
                remaining -= span
                day = special
            for lo, hi in self._intervals(day):
                if remaining <= hi - lo:
                    return lo + remaining
                remaining -= hi - lo
            day += 1

    def _locate_plain(self, day: int, remaining: int) -> int:
        """Instant where `remaining` (> 0) is used up, within a known run of plain dates."""
        weeks = (remaining - 1) // self._week_open  # whole weeks strictly before the target
        day += 7 * weeks
        remaining -= weeks * self._week_open
        while self._day_open[weekday_of(day)] < remaining:
            remaining -= self._day_open[weekday_of(day)]
            day += 1
        base = local_to_us(day, 0, self.tz)
        for lo, hi in self._windows_us[weekday_of(day)]:
            if remaining <= hi - lo:
                return base + lo + remaining
            remaining -= hi - lo
        raise AssertionError("unreachable: the date's open time covers the remainder")

    def _pauses_us(
        self, paused: Iterable[tuple[datetime, datetime]], name: str = "paused"
    ) -> list[Interval]:
        raw: list[Interval] = []
        for index, pair in enumerate(paused):
            try:
                begin, end = pair
            except (TypeError, ValueError):
                raise ValueError(f"{name}[{index}]: expected a (start, end) pair") from None
            lo = to_us(require_aware(begin, f"{name}[{index}].start"))
            hi = to_us(require_aware(end, f"{name}[{index}].end"))
            if hi < lo:
                raise ValueError(f"{name}[{index}]: ends before it starts")
            raw.append((lo, hi))
        return _merge(raw)

    def _instant(self, value: object, name: str) -> int:
        us = to_us(require_aware(value, name))
        check_day(local_day(us, self.tz), f"{name}: {value} is")
        return us

    # -- public API -------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether `at` falls inside a business window (windows are half-open: end is closed)."""
        us = self._instant(at, "at")
        return any(lo <= us < hi for lo, hi in self._intervals(local_day(us, self.tz)))

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when open, else the next instant the calendar opens."""
        us = self._instant(at, "at")
        day = local_day(us, self.tz)
        for lo, hi in self._intervals(day):
            if hi > us:
                return from_us(max(lo, us), self.tz)
        while True:
            day += 1
            check_day(day, "at: the next opening falls")
            intervals = self._intervals(day)
            if intervals:
                return from_us(intervals[0][0], self.tz)

    def add(
        self,
        start: datetime,
        duration: timedelta,
        paused: Iterable[tuple[datetime, datetime]] = (),
    ) -> datetime:
        """Earliest instant t with `elapsed(start, t, paused) == duration`.

        So 8 h from 08:00 on an 08-17 day is 16:00 and 9 h is 17:00 the same day; a start
        outside hours starts counting at the next opening; `add(start, 0)` is `start`.
        """
        at = self._instant(start, "start")
        remaining = _duration_us(duration)
        for lo, hi in self._pauses_us(paused):
            if remaining == 0 or hi <= at:
                continue
            if lo > at:
                available = self._elapsed_us(at, lo)
                if available >= remaining:
                    break
                remaining -= available
            at = hi
        return from_us(self._add_us(at, remaining), self.tz)

    def elapsed(
        self,
        start: datetime,
        end: datetime,
        paused: Iterable[tuple[datetime, datetime]] = (),
    ) -> timedelta:
        """Open time in [start, end) minus the union of `paused` (pairs of instants).

        Signed: when end < start the result is -elapsed(end, start, paused), which keeps the
        measure additive (elapsed(a, b) + elapsed(b, c) == elapsed(a, c) for any order).
        """
        lo, hi = self._instant(start, "start"), self._instant(end, "end")
        sign = 1
        if hi < lo:
            lo, hi, sign = hi, lo, -1
        total = self._elapsed_us(lo, hi)
        for p_lo, p_hi in self._pauses_us(paused):
            p_lo, p_hi = max(p_lo, lo), min(p_hi, hi)
            if p_lo < p_hi:
                total -= self._elapsed_us(p_lo, p_hi)
        return timedelta(microseconds=sign * total)

    def is_business_day(self, day: date) -> bool:
        """A local date with at least one window that is not a holiday."""
        ordinal = _date_ordinal(day, "day")
        return bool(self._windows[weekday_of(ordinal)]) and ordinal not in self._holidays

    def add_business_days(self, start: datetime | date, n: int) -> date:
        """The local date of the n-th business day after start's local date (n=0: that date).

        `start` is an aware datetime (its local date in this calendar) or a local date.
        """
        if isinstance(start, datetime):
            day = local_day(self._instant(start, "start"), self.tz)
        else:
            day = _date_ordinal(start, "start")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n: expected a whole number of business days >= 0, got {n!r}")
        while n > 0:
            check_day(day, "n: the result falls")
            i = bisect_right(self._hol_bd, day)
            holiday = self._hol_bd[i] if i < len(self._hol_bd) else _NO_DAY
            run = self._business_days(day + 1, holiday) if holiday != _NO_DAY else n
            if run >= n:
                return date.fromordinal(self._locate_business_day(day + 1, n))
            n -= run
            day = holiday
        return date.fromordinal(day)

    def _business_days(self, first: int, stop: int) -> int:
        """Days with windows in [first, stop), holidays not excluded."""
        weeks, rest = divmod(stop - first, 7)
        weekday = weekday_of(first)
        return weeks * self._bd_week + self._bd_cum[weekday + rest] - self._bd_cum[weekday]

    def _locate_business_day(self, day: int, n: int) -> int:
        """The n-th (>= 1) day with windows from `day` on, in a run without holidays."""
        weeks = (n - 1) // self._bd_week
        day += 7 * weeks
        n -= weeks * self._bd_week
        while True:
            check_day(day, "n: the result falls")
            if self._windows[weekday_of(day)]:
                n -= 1
                if n == 0:
                    return day
            day += 1

    def at_local(self, day: date, wall: time) -> datetime:
        """The instant of a local wall time on a local date (`fold=0`, like the windows)."""
        ordinal = _date_ordinal(day, "day")
        if not isinstance(wall, time) or wall.tzinfo is not None:
            raise ValueError("wall: expected a local time without tzinfo")
        check_day(ordinal, f"day: {day} is")
        naive = datetime.combine(date.fromordinal(ordinal), wall.replace(fold=0))
        return from_us(to_us(naive.replace(tzinfo=self.tz)), self.tz)

    def local_close(self, day: date) -> datetime | None:
        """End of the last window of a local date ("by the end of the promised day").

        None when the date is not a business day.
        """
        ordinal = _date_ordinal(day, "day")
        check_day(ordinal, f"day: {day} is")
        if not self.is_business_day(day):
            return None
        end_minute = self._windows[weekday_of(ordinal)][-1][1]
        return from_us(local_to_us(ordinal, end_minute, self.tz), self.tz)

    def local_date(self, at: datetime) -> date:
        """The local date of an instant in this calendar's zone."""
        return date.fromordinal(local_day(self._instant(at, "at"), self.tz))


def _date_ordinal(value: object, name: str) -> int:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError(f"{name}: expected a date, got {type(value).__name__}")
    return value.toordinal()


@lru_cache(maxsize=256)
def _build(spec: CalendarSpec) -> BusinessCalendar:
    """Workflows rebuild calendars on every replay: equal specs share one instance."""
    return BusinessCalendar(spec.resolved())
