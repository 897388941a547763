"""`SlaClock`: one SLA target (response, restoration, ...) measured in business time.

A plain pydantic model so a workflow can carry it across continue-as-new
(`model_dump_json()` / `model_validate_json()` round-trip unchanged). It embeds its calendar
as a *resolved* `CalendarSpec` (explicit holiday dates, a few KB): self-contained, and replay
never depends on the `holidays` package or on a policy store.

Conventions:
- `due_at()` is None while paused (the deadline is unknown until the customer replies);
  `due_at_if_resumed(at)` gives the deadline as if the clock resumed at `at`.
- `remaining(at)` is signed: negative once business time has run past the target. Outside
  business hours after a missed deadline it can be 0 while `breached(at)` is already true.
- Pausing never shortens a deadline: paused time simply does not count.
- A deadline is met when `met_at <= due`; an unmet clock is breached once `at >= due`.
- Every `at` must be at or after `started_at` and after the last recorded event: clocks only
  move forward.
"""

from datetime import datetime, timedelta
from typing import Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from models.time.business_time import BusinessCalendar
from models.time.calendar_spec import CalendarSpec
from models.time.zone_days import require_aware


class Pause(BaseModel):
    """A span during which the clock does not run; `end` is None while still paused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: AwareDatetime
    end: AwareDatetime | None = None


class SlaClock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duration: timedelta
    calendar: CalendarSpec
    started_at: AwareDatetime
    pauses: list[Pause] = Field(default_factory=list)
    met_at: AwareDatetime | None = None

    @field_validator("duration")
    @classmethod
    def _check_duration(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError(f"duration: must not be negative (got {value})")
        return value

    @field_validator("calendar")
    @classmethod
    def _check_calendar(cls, value: CalendarSpec) -> CalendarSpec:
        if not value.is_resolved:
            raise ValueError(
                "calendar: must be resolved (explicit holiday dates, CalendarSpec.resolved())"
            )
        return value

    @model_validator(mode="after")
    def _check_history(self) -> Self:
        last = self.started_at
        for index, pause in enumerate(self.pauses):
            if pause.start < last:
                raise ValueError(
                    f"pauses[{index}].start: before the clock start or the previous pause"
                )
            if pause.end is None and index != len(self.pauses) - 1:
                raise ValueError(f"pauses[{index}].end: only the last pause may be open")
            if pause.end is not None and pause.end < pause.start:
                raise ValueError(f"pauses[{index}].end: before its start")
            last = pause.end or pause.start
        if self.met_at is not None:
            if self.met_at < last:
                raise ValueError("met_at: before the clock start or the last pause")
            if self.paused:
                raise ValueError("met_at: a met clock cannot still be paused")
        return self

    @classmethod
    def start(
        cls,
        calendar: BusinessCalendar | CalendarSpec,
        duration: timedelta,
        at: datetime,
    ) -> "SlaClock":
        """A running clock for `duration` of business time from `at`."""
        spec = calendar.spec if isinstance(calendar, BusinessCalendar) else calendar
        return cls(duration=duration, calendar=spec, started_at=require_aware(at, "at"))

    # -- helpers --------------------------------------------------------------------------

    @property
    def business_calendar(self) -> BusinessCalendar:
        # from_spec is cached on the (frozen) spec; no private cache here, because pydantic
        # compares private attributes in __eq__ and a reloaded clock must equal the original
        return BusinessCalendar.from_spec(self.calendar)

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].end is None

    def _last_event(self) -> datetime:
        if not self.pauses:
            return self.started_at
        last = self.pauses[-1]
        return last.end or last.start

    def _check_at(self, at: datetime, action: str) -> datetime:
        require_aware(at, "at")
        last = self._last_event()
        if at < last:
            raise ValueError(
                f"at: cannot {action} at {at.isoformat()}, before the clock's last event "
                f"({last.isoformat()})"
            )
        return at

    def _pause_pairs(self, until: datetime | None) -> list[tuple[datetime, datetime]]:
        """Pauses as (start, end) pairs; an open one ends at `until` (or is dropped if None)."""
        pairs: list[tuple[datetime, datetime]] = []
        for pause in self.pauses:
            end = pause.end if pause.end is not None else until
            if end is not None:
                pairs.append((pause.start, max(end, pause.start)))
        return pairs

    # -- transitions ----------------------------------------------------------------------

    def pause(self, at: datetime) -> None:
        """Stop the clock (waiting on the customer)."""
        if self.met_at is not None:
            raise ValueError("cannot pause: the clock was already met")
        if self.paused:
            raise ValueError(
                f"cannot pause: the clock is already paused since {self.pauses[-1].start}"
            )
        self.pauses.append(Pause(start=self._check_at(at, "pause")))

    def resume(self, at: datetime) -> None:
        """Restart the clock (the customer replied)."""
        if not self.paused:
            raise ValueError("cannot resume: the clock is not paused")
        self._check_at(at, "resume")
        self.pauses[-1] = Pause(start=self.pauses[-1].start, end=at)

    def met(self, at: datetime) -> bool:
        """Record that the target was met at `at` (closing an open pause); True when on time.

        Idempotent: once met, later calls return the recorded outcome and change nothing.
        """
        if self.met_at is None:
            self._check_at(at, "meet the target")
            if self.paused:
                self.pauses[-1] = Pause(start=self.pauses[-1].start, end=at)
            self.met_at = at
        return self.met_at <= self._due(None)

    # -- queries --------------------------------------------------------------------------

    def _due(self, resumed_at: datetime | None, fraction: float = 1.0) -> datetime:
        target = self.duration * fraction
        pauses = self._pause_pairs(resumed_at)
        return self.business_calendar.add(self.started_at, target, pauses)

    def due_at(self, fraction: float = 1.0) -> datetime | None:
        """The deadline given the pauses so far; None while paused.

        `fraction` gives intermediate marks (0.75: when to warn before a breach).
        """
        _check_fraction(fraction)
        return None if self.paused else self._due(None, fraction)

    def due_at_if_resumed(self, at: datetime, fraction: float = 1.0) -> datetime:
        """The deadline if the clock resumed at `at` (the current deadline when running)."""
        _check_fraction(fraction)
        if self.paused:
            self._check_at(at, "resume")
        return self._due(at, fraction)

    def consumed(self, at: datetime) -> timedelta:
        """Business time counted from the start to `at` (or to `met_at`, if earlier)."""
        self._check_at(at, "query")
        end = at if self.met_at is None else min(at, self.met_at)
        return self.business_calendar.elapsed(self.started_at, end, self._pause_pairs(at))

    def remaining(self, at: datetime) -> timedelta:
        """Business time left at `at`; negative once overdue in business time."""
        return self.duration - self.consumed(at)

    def breached(self, at: datetime) -> bool:
        """Met after the deadline, or not met and `at` is at or past the deadline."""
        self._check_at(at, "query")
        if self.met_at is not None:
            return self.met_at > self._due(None)
        return at >= self._due(at)


def _check_fraction(fraction: float) -> None:
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or fraction <= 0:
        raise ValueError(f"fraction: expected a number > 0, got {fraction!r}")
