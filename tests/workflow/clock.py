"""Moving a time-skipping server to chosen instants, and reading when a case did what.

The time-skipping server starts at the real time, so a test that wants a case on
"a Monday at 08:00" picks the next such Monday whose week has no holiday and
skips to it; the expected instants are then written by hand relative to it.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from models.time.business_time import BusinessCalendar


async def advance_to(env: WorkflowEnvironment, at: datetime) -> None:
    """Skip the server's time forward to `at` (timers due on the way fire)."""
    gap = at - await env.get_current_time()
    if gap > timedelta(0):
        await env.sleep(gap)


def next_quiet(
    calendar: BusinessCalendar, after: datetime, weekday: int, wall: time, days: int = 21
) -> datetime:
    """The first `weekday` (0 = Monday) after `after` at `wall` local time from which `days`
    calendar days hold no holiday on a working weekday, so hand-computed instants hold."""
    day = calendar.local_date(after) + timedelta(days=1)
    while True:
        if day.weekday() == weekday and all(
            calendar.is_business_day(d) for d in _weekdays(day, days)
        ):
            return calendar.at_local(day, wall)
        day += timedelta(days=1)


def _weekdays(start: date, days: int) -> list[date]:
    span = (start + timedelta(days=offset) for offset in range(days))
    return [d for d in span if d.weekday() < 5]


@dataclass(frozen=True)
class Scheduled:
    """An activity a workflow scheduled: when (server time), which, and its idempotency key."""

    at: datetime
    activity: str
    key: str


async def scheduled(handle: WorkflowHandle[Any, Any]) -> list[Scheduled]:
    """E-mails and pages a workflow scheduled, from its own history, oldest first."""
    found: list[Scheduled] = []
    async for event in handle.fetch_history_events():
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        name = attributes.activity_type.name
        if name not in ("send_email", "send_page"):
            continue
        body = json.loads(attributes.input.payloads[0].data)
        if name == "send_email":
            key = body["idempotency_key"]
        else:  # a page's acknowledge or resolve reaches the incident its trigger opened
            action = body.get("event_action", "trigger")
            key = body["dedup_key"] + ("" if action == "trigger" else f":{action}")
        found.append(Scheduled(event.event_time.ToDatetime(tzinfo=UTC), name, key))
    return found


def near(
    actual: datetime | None, expected: datetime, slack: timedelta = timedelta(seconds=2)
) -> bool:
    """Timers fire, and steps land, within milliseconds of their instant on this server."""
    return actual is not None and abs(actual - expected) <= slack


# Episode ids in keys are ISO instants; tests compare the rest of the key.
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d")


async def timed_actions(
    handle: WorkflowHandle[Any, Any], start: datetime
) -> list[tuple[int, str, str]]:
    """(minutes after `start`, activity, key without the case id) of every e-mail and page,
    in order of time (and of name within a minute: steps a few seconds apart share one)."""
    return sorted(
        (
            round((item.at - start).total_seconds() / 60),
            item.activity,
            _INSTANT.sub("*", item.key.removeprefix(f"{handle.id}:")),
        )
        for item in await scheduled(handle)
    )
