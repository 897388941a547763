"""Durations as policy files write them: "30m", "4h", "5d" (business days) or "2h wall".

A duration is counted in a business calendar unless it says "wall" (plain
clock time). `Span` adds the calendar it is counted in when that is not the
plan's own: `{duration: 12h, calendar: always}`. Both dump back to the text a
manager would write, so load -> dump -> load gives the same model.
"""

import re
from datetime import time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_serializer,
    model_validator,
)

from models.policy.ids import Slug

DurationUnit = Literal["m", "h", "d"]

DURATION_HINT = 'use 30m, 4h, 5d or "2h wall"'
_DURATION = re.compile(r"^(\d+)\s*([mhd])(\s+wall)?$")
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_PERCENT = re.compile(r"^(\d+)\s*%$")


def _quoted(value: object) -> str:
    """The value as the manager wrote it, for error messages."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


class Duration(BaseModel):
    """An amount of minutes, hours or business days; `wall` means clock time, not business time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: int = Field(gt=0)
    unit: DurationUnit
    wall: bool = False

    @classmethod
    def parse(cls, text: str) -> "Duration":
        """Read "30m", "4h", "5d" or "2h wall"; ValueError names the text otherwise."""
        match = _DURATION.match(text.strip())
        if match is None:
            raise ValueError(f"{_quoted(text)} is not a duration ({DURATION_HINT})")
        value = int(match.group(1))
        if value == 0:
            raise ValueError(f"{_quoted(text)} is zero; a duration must be positive")
        unit: DurationUnit = match.group(2)  # type: ignore[assignment]
        return cls(value=value, unit=unit, wall=match.group(3) is not None)

    @property
    def business_days(self) -> int | None:
        """The number of business days for "5d"; None for hours, minutes and wall time."""
        return self.value if self.unit == "d" and not self.wall else None

    @property
    def timedelta(self) -> timedelta | None:
        """The amount as a timedelta; None for business days, which have no fixed length."""
        if self.unit == "m":
            return timedelta(minutes=self.value)
        if self.unit == "h":
            return timedelta(hours=self.value)
        return timedelta(days=self.value) if self.wall else None

    def __str__(self) -> str:
        return f"{self.value}{self.unit}{' wall' if self.wall else ''}"

    @model_serializer
    def _as_text(self) -> str:
        return str(self)


def _to_duration(value: Any) -> Any:
    if isinstance(value, Duration):
        return value
    if isinstance(value, str):
        return Duration.parse(value)
    raise ValueError(f"{_quoted(value)} is not a duration ({DURATION_HINT})")


def _span_input(data: Any) -> Any:
    """ "4h" stands for `{duration: 4h}`; a bare number is a duration without its unit."""
    if isinstance(data, str):
        return {"duration": data}
    if isinstance(data, int | float):
        raise ValueError(f"{_quoted(data)} is not a duration ({DURATION_HINT})")
    return data


# A duration field in a policy: written as text, never as a mapping.
DurationField = Annotated[Duration, BeforeValidator(_to_duration)]


class Span(BaseModel):
    """A duration and, when not the plan's, the calendar it is counted in.

    Written "4h", or `{duration: 12h, calendar: always}`; "always" is the
    built-in 24x7 calendar without holidays.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    duration: DurationField
    calendar: Slug | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return _span_input(data)

    @model_validator(mode="after")
    def _wall_has_no_calendar(self) -> "Span":
        if self.duration.wall and self.calendar is not None:
            raise ValueError(
                f'calendar: "{self.duration}" is wall-clock time; it is not counted in a calendar'
            )
        return self

    @model_serializer
    def _compact(self) -> str | dict[str, str]:
        if self.calendar is None:
            return str(self.duration)
        return {"duration": str(self.duration), "calendar": self.calendar}

    def __str__(self) -> str:
        return str(self.duration) if self.calendar is None else f"{self.duration} {self.calendar}"


class Target(BaseModel):
    """A target time; `outside_hours` replaces it when the case arrives outside the plan's hours.

    Written "4h", or `{duration: 2h, outside_hours: 12h}`, each part optionally
    naming its calendar.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    duration: DurationField
    calendar: Slug | None = None
    outside_hours: Span | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return _span_input(data)

    @model_validator(mode="after")
    def _wall_has_no_calendar(self) -> "Target":
        if self.duration.wall and self.calendar is not None:
            raise ValueError(
                f'calendar: "{self.duration}" is wall-clock time; it is not counted in a calendar'
            )
        return self

    @property
    def in_hours(self) -> Span:
        return Span(duration=self.duration, calendar=self.calendar)

    @model_serializer
    def _compact(self) -> str | dict[str, Any]:
        if self.calendar is None and self.outside_hours is None:
            return str(self.duration)
        out: dict[str, Any] = {"duration": str(self.duration)}
        if self.calendar is not None:
            out["calendar"] = self.calendar
        if self.outside_hours is not None:
            out["outside_hours"] = self.outside_hours._compact()
        return out


def _to_time(value: Any) -> Any:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and (match := _TIME_OF_DAY.match(value.strip())):
        return time(int(match.group(1)), int(match.group(2)))
    raise ValueError(f'{_quoted(value)} is not a time of day (write "HH:MM", e.g. "15:00")')


# A local time of day, written "15:00".
TimeOfDay = Annotated[
    time,
    BeforeValidator(_to_time),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
]


def _to_percent(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{_quoted(value)} is not a percentage (write 75% or breach)")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if value.strip() == "breach":
            return 100
        if match := _PERCENT.match(value.strip()):
            return int(match.group(1))
    raise ValueError(f"{_quoted(value)} is not a percentage (write 75% or breach)")


# How far into a target a trigger fires: "75%", or "breach" (= 100%).
Percent = Annotated[
    int,
    BeforeValidator(_to_percent),
    Field(ge=1, le=1000),
    PlainSerializer(lambda p: "breach" if p == 100 else f"{p}%", return_type=str),
]
