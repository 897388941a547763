"""`CalendarSpec`: the business-hours calendar as written in policy files.

Validation errors are ValueErrors raised inside pydantic validators whose message starts with
the field path inside the calendar (`hours.mon[0]: ...`, `holidays.country: ...`), so a policy
schema embedding `CalendarSpec` reports `calendars.eu.hours: Value error, hours.mon[0]: ...`.

`resolved()` turns the `holidays` country into explicit dates once (when a policy version is
published); a resolved spec never consults the `holidays` package again, so replaying a case
never depends on that library's data.
"""

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from itertools import pairwise
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_YEARS = (2020, 2040)
_YEAR_BOUNDS = (1900, 2200)
_WINDOW_RE = re.compile(r"([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

Window = tuple[int, int]  # (start, end) in minutes after local midnight; end may be 1440


def _minutes(hh: str, mm: str, text: str, *, is_end: bool) -> int:
    hour, minute = int(hh), int(mm)
    if minute > 59 or hour > 24 or (hour == 24 and (minute != 0 or not is_end)):
        which = "end" if is_end else "start"
        raise ValueError(f'"{text}": {which} {hh}:{mm} is not a valid time (00:00 to 24:00)')
    return hour * 60 + minute


def parse_window(text: object) -> Window:
    """Parse "HH:MM-HH:MM" into minutes; the message does not name the field (callers do)."""
    if not isinstance(text, str):
        raise ValueError(f'expected a window "HH:MM-HH:MM", got {type(text).__name__}')
    match = _WINDOW_RE.fullmatch(text)
    if match is None:
        raise ValueError(f'"{text}" is not a window "HH:MM-HH:MM" (for example "08:00-17:00")')
    start = _minutes(match[1], match[2], text, is_end=False)
    end = _minutes(match[3], match[4], text, is_end=True)
    if end < start:
        raise ValueError(f'"{text}" ends before it starts')
    if end == start:
        raise ValueError(f'"{text}" is empty (it must end after it starts)')
    return start, end


def format_window(window: Window) -> str:
    (sh, sm), (eh, em) = divmod(window[0], 60), divmod(window[1], 60)
    return f"{sh:02d}:{sm:02d}-{eh:02d}:{em:02d}"


def _parse_day(day: str, raw: object) -> tuple[str, ...]:
    """Validate one weekday's windows; canonical form is sorted "HH:MM-HH:MM" strings."""
    if not isinstance(raw, list | tuple):
        raise ValueError(f"hours.{day}: expected a list of windows, got {type(raw).__name__}")
    parsed: list[tuple[Window, int, str]] = []
    for index, text in enumerate(raw):
        try:
            parsed.append((parse_window(text), index, str(text)))
        except ValueError as exc:
            raise ValueError(f"hours.{day}[{index}]: {exc}") from None
    parsed.sort()
    for (before, _, before_text), (after, index, after_text) in pairwise(parsed):
        if after[0] < before[1]:
            raise ValueError(f'hours.{day}[{index}]: "{after_text}" overlaps "{before_text}"')
    return tuple(format_window(window) for window, _, _ in parsed)


@lru_cache(maxsize=256)
def _country_error(country: str, subdivision: str | None) -> str | None:
    """Why the `holidays` package cannot serve this country/subdivision, or None (cached)."""
    import holidays as holidays_lib  # lazily: workflows only handle resolved specs

    if country not in holidays_lib.list_supported_countries():
        return f'holidays.country: unknown holiday country "{country}"'
    try:
        holidays_lib.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        return f'holidays.subdivision: unknown subdivision "{subdivision}" for country "{country}"'
    return None


class HolidaySpec(BaseModel):
    """Public holidays: a country (and subdivision) from the `holidays` package, plus dates.

    `years` bounds the country's holidays (inclusive). Once `resolved` is true, `dates` is the
    complete list and `country`/`subdivision`/`years` are informational only.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str | None = None
    subdivision: str | None = None
    years: tuple[int, int] = DEFAULT_YEARS
    dates: tuple[date, ...] = ()
    resolved: bool = False

    @field_validator("years", mode="before")
    @classmethod
    def _check_years(cls, value: object) -> object:
        pair = list(value) if isinstance(value, list | tuple) else []
        if len(pair) != 2 or not all(type(y) is int for y in pair):
            raise ValueError(f"holidays.years: expected [first, last] years, got {value!r}")
        first, last = pair
        low, high = _YEAR_BOUNDS
        if not low <= first <= last <= high:
            raise ValueError(
                f"holidays.years: [{first}, {last}] must be ordered and within {low}..{high}"
            )
        return (first, last)

    @field_validator("dates", mode="before")
    @classmethod
    def _check_dates(cls, value: object) -> tuple[date, ...]:
        if not isinstance(value, list | tuple):
            kind = type(value).__name__
            raise ValueError(f"holidays.dates: expected a list of dates, got {kind}")
        out: set[date] = set()
        for index, item in enumerate(value):
            if isinstance(item, date) and not hasattr(item, "hour"):
                out.add(item)
                continue
            parsed: date | None = None
            if isinstance(item, str) and _DATE_RE.fullmatch(item):
                try:
                    parsed = date.fromisoformat(item)
                except ValueError:
                    parsed = None
            if parsed is None:
                raise ValueError(f"holidays.dates[{index}]: {item!r} is not a date (YYYY-MM-DD)")
            out.add(parsed)
        return tuple(sorted(out))

    @model_validator(mode="after")
    def _check_country(self) -> Self:
        if self.subdivision is not None and self.country is None:
            raise ValueError("holidays.subdivision: needs holidays.country")
        if self.resolved or self.country is None:
            return self  # a resolved spec must not depend on the library's current data
        error = _country_error(self.country, self.subdivision)
        if error is not None:
            raise ValueError(error)
        return self


class CalendarSpec(BaseModel):
    """Business hours: an IANA time zone, weekly wall-clock windows, public holidays.

    `hours` maps weekday keys (mon..sun) to lists of "HH:MM-HH:MM" windows (end may be
    "24:00"); days absent or empty are closed; windows of one day may touch but not overlap.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    hours: dict[Weekday, tuple[str, ...]]
    holidays: HolidaySpec = HolidaySpec()
    # The hours count in each client's own zone, with its holidays, as the client registry
    # gives them when a case opens ("the time zone where the majority of users are"); this
    # zone and these holidays serve clients the registry does not place.
    client_zone: bool = False

    def __hash__(self) -> int:
        # Frozen, so usable as a cache key; `hours` is a dict, hence this explicit hash.
        return hash((self.timezone, frozenset(self.hours.items()), self.holidays))

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        # "localtime" would read the host's /etc/localtime: not the same on every worker.
        if value.lower() == "localtime":
            raise ValueError(f'timezone: "{value}" depends on the host; use an IANA name')
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f'timezone: unknown IANA time zone "{value}"') from None
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _check_hours(cls, value: object) -> dict[Weekday, tuple[str, ...]]:
        if not isinstance(value, Mapping):
            raise ValueError(f"hours: expected a mapping of weekday to windows, got {value!r}")
        for key in value:
            if key not in WEEKDAYS:
                raise ValueError(
                    f"hours.{key}: unknown weekday (expected one of {', '.join(WEEKDAYS)})"
                )
        out = {day: _parse_day(day, value[day]) for day in WEEKDAYS if day in value}
        if not any(out.values()):
            raise ValueError("hours: no business hours at all (add at least one window)")
        return out

    @property
    def is_resolved(self) -> bool:
        """True when the holidays are explicit dates only (no library lookup needed)."""
        return self.holidays.resolved or self.holidays.country is None

    def windows(self) -> tuple[tuple[Window, ...], ...]:
        """Windows in minutes per weekday (Monday = 0), sorted; touching windows merged."""
        out: list[tuple[Window, ...]] = []
        for day in WEEKDAYS:
            merged: list[Window] = []
            for text in self.hours.get(day, ()):
                start, end = parse_window(text)
                if merged and merged[-1][1] == start:
                    merged[-1] = (merged[-1][0], end)
                else:
                    merged.append((start, end))
            out.append(tuple(merged))
        return tuple(out)

    def resolved(self) -> "CalendarSpec":
        """An equal calendar whose holidays are all explicit dates (see module docstring)."""
        if self.holidays.resolved:
            return self
        return _resolve(self)

    @classmethod
    def always(cls) -> "CalendarSpec":
        """24x7x365 in UTC."""
        return cls(
            timezone="UTC",
            hours={day: ("00:00-24:00",) for day in WEEKDAYS},
            holidays=HolidaySpec(resolved=True),
        )


@lru_cache(maxsize=128)
def _resolve(spec: CalendarSpec) -> CalendarSpec:
    found: set[date] = set(spec.holidays.dates)
    country = spec.holidays.country
    if country is not None:
        import holidays as holidays_lib  # lazily: workflows only handle resolved specs

        first, last = spec.holidays.years
        table = holidays_lib.country_holidays(
            country, subdiv=spec.holidays.subdivision, years=range(first, last + 1)
        )
        found.update(table.keys())
    holidays = spec.holidays.model_copy(update={"dates": tuple(sorted(found)), "resolved": True})
    return spec.model_copy(update={"holidays": holidays})
