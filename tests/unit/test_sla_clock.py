"""SlaClock: deadlines with pauses, breach rules, serialisation, and its error messages.

Calendar: Z-Support, Mon-Fri 08:00-17:00 America/Denver with US holidays.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from models.time.business_time import BusinessCalendar, CalendarSpec
from models.time.sla_clock import Pause, SlaClock

DENVER = ZoneInfo("America/Denver")
Z_SUPPORT = BusinessCalendar.from_spec(
    {
        "timezone": "America/Denver",
        "hours": {day: ["08:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": {"country": "US"},
    }
)


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def denver(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=DENVER)


FRIDAY_1630 = denver(2026, 3, 6, 16, 30)  # the Friday before the March DST change


def response_clock() -> SlaClock:
    return SlaClock.start(Z_SUPPORT, h(2), FRIDAY_1630)


def test_a_running_clock_has_the_business_time_deadline() -> None:
    clock = response_clock()
    assert not clock.paused
    assert clock.due_at() == denver(2026, 3, 9, 9, 30)  # Fri 0.5 h + Mon 1.5 h
    assert clock.due_at(0.75) == denver(2026, 3, 9, 9, 0)  # warn at 75 %: 1.5 h
    assert clock.remaining(denver(2026, 3, 7, 12)) == h(1.5)  # Saturday: nothing more counted
    assert clock.consumed(denver(2026, 3, 9, 9)) == h(1.5)  # Fri 0.5 h + Mon 08-09


def test_pause_and_resume_move_the_deadline_by_the_business_time_paused() -> None:
    clock = response_clock()
    clock.pause(denver(2026, 3, 9, 8, 30))  # 1 h used: Fri 0.5 + Mon 0.5
    assert clock.paused
    assert clock.due_at() is None
    assert clock.remaining(denver(2026, 3, 9, 12)) == h(1)  # frozen while paused
    assert clock.due_at_if_resumed(denver(2026, 3, 9, 13)) == denver(2026, 3, 9, 14)
    assert not clock.breached(denver(2026, 3, 9, 16))
    clock.resume(denver(2026, 3, 10, 10))
    assert not clock.paused
    assert clock.due_at() == denver(2026, 3, 10, 11)
    assert clock.remaining(denver(2026, 3, 10, 10, 30)) == h(0.5)
    assert not clock.breached(denver(2026, 3, 10, 10, 59))
    assert clock.breached(denver(2026, 3, 10, 11))  # not met and at >= due


def test_met_on_time_is_recorded_once() -> None:
    clock = response_clock()
    assert clock.met(denver(2026, 3, 9, 9)) is True
    assert clock.met(denver(2026, 3, 9, 12)) is True  # idempotent: the first record stands
    assert clock.met_at == denver(2026, 3, 9, 9)
    assert not clock.breached(denver(2026, 3, 20, 12))
    assert clock.remaining(denver(2026, 3, 20, 12)) == h(0.5)  # frozen at met_at


def test_met_exactly_at_the_deadline_is_on_time() -> None:
    clock = response_clock()
    assert clock.met(denver(2026, 3, 9, 9, 30)) is True
    assert not clock.breached(denver(2026, 3, 9, 10))


def test_met_late_is_a_breach_and_remaining_goes_negative() -> None:
    clock = response_clock()
    assert clock.remaining(denver(2026, 3, 9, 10)) == h(-0.5)
    assert clock.breached(denver(2026, 3, 9, 10))
    assert clock.met(denver(2026, 3, 9, 10)) is False
    assert clock.breached(denver(2026, 3, 9, 10))


def test_met_after_due_outside_hours_is_late_even_with_no_business_time_spent() -> None:
    # Due Fri 2026-01-09 17:00; answered Fri 18:00: same business time used, but after due.
    clock = SlaClock.start(Z_SUPPORT, h(2), denver(2026, 1, 9, 15))
    assert clock.due_at() == denver(2026, 1, 9, 17)
    assert clock.remaining(denver(2026, 1, 9, 18)) == timedelta(0)
    assert clock.breached(denver(2026, 1, 9, 18))
    assert clock.met(denver(2026, 1, 9, 18)) is False


def test_met_while_paused_closes_the_pause() -> None:
    clock = SlaClock.start(Z_SUPPORT, h(2), denver(2026, 1, 12, 8))
    clock.pause(denver(2026, 1, 12, 9))
    assert clock.met(denver(2026, 1, 12, 15)) is True  # only 1 h counted
    assert clock.pauses == [Pause(start=denver(2026, 1, 12, 9), end=denver(2026, 1, 12, 15))]
    assert not clock.paused


def test_a_clock_paused_after_its_deadline_stays_breached() -> None:
    clock = SlaClock.start(Z_SUPPORT, h(2), denver(2026, 1, 12, 8))  # due 10:00
    clock.pause(denver(2026, 1, 12, 11))
    assert clock.breached(denver(2026, 1, 12, 12))
    assert clock.due_at_if_resumed(denver(2026, 1, 12, 12)) == denver(2026, 1, 12, 10)


def test_pausing_never_shortens_the_deadline_over_holidays() -> None:
    # Received Fri 2026-01-16 16:00 with 4 h: Fri 1 h, Mon MLK Day, Tue 08:00 + 3 h = 11:00.
    clock = SlaClock.start(Z_SUPPORT, h(4), denver(2026, 1, 16, 16))
    assert clock.due_at() == denver(2026, 1, 20, 11)
    clock.pause(denver(2026, 1, 16, 16, 30))  # 0.5 h used
    clock.resume(denver(2026, 1, 20, 10))  # the pause covered Friday 0.5 h and Tue 2 h
    assert clock.due_at() == denver(2026, 1, 20, 13, 30)


def test_round_trips_through_json_unchanged() -> None:
    clock = response_clock()
    states = [clock.model_dump_json()]
    clock.pause(denver(2026, 3, 9, 8, 30))
    states.append(clock.model_dump_json())
    clock.resume(denver(2026, 3, 10, 10))
    clock.met(denver(2026, 3, 10, 10, 45))
    states.append(clock.model_dump_json())
    for dumped in states:
        again = SlaClock.model_validate_json(dumped)
        assert again.model_dump_json() == dumped
    final = SlaClock.model_validate_json(states[-1])
    assert final == clock
    assert final.due_at() == clock.due_at() == denver(2026, 3, 10, 11)
    assert final.breached(denver(2026, 3, 11, 9)) is False


def test_the_embedded_calendar_is_self_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    import holidays

    dumped = response_clock().model_dump_json()

    def broken(*args: object, **kwargs: object) -> None:
        raise AssertionError("replay consulted the holidays package")

    monkeypatch.setattr(holidays, "country_holidays", broken)
    monkeypatch.setattr(holidays, "list_supported_countries", broken)
    clock = SlaClock.model_validate_json(dumped)
    # Thanksgiving 2026 comes from the embedded dates, not from the library.
    clock.started_at = denver(2026, 11, 25, 16)
    assert clock.due_at() == denver(2026, 11, 27, 9)


# -- errors ------------------------------------------------------------------------------


def test_pause_and_resume_in_the_wrong_state_raise() -> None:
    clock = response_clock()
    with pytest.raises(ValueError, match="cannot resume: the clock is not paused"):
        clock.resume(denver(2026, 3, 9, 9))
    clock.pause(denver(2026, 3, 9, 9))
    with pytest.raises(ValueError, match="cannot pause: the clock is already paused since"):
        clock.pause(denver(2026, 3, 9, 10))
    clock.resume(denver(2026, 3, 9, 10))
    clock.met(denver(2026, 3, 9, 11))
    with pytest.raises(ValueError, match="cannot pause: the clock was already met"):
        clock.pause(denver(2026, 3, 9, 12))


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda c: c.pause(datetime(2026, 3, 9, 9)), "at: naive datetime"),
        (
            lambda c: c.pause(denver(2026, 3, 6, 16)),
            "at: cannot pause at 2026-03-06T16:00:00-07:00",
        ),
        (lambda c: c.met(denver(2026, 3, 6, 16)), "at: cannot meet the target"),
        (lambda c: c.remaining(datetime(2026, 3, 9, 9)), "at: naive datetime"),
        (lambda c: c.breached(denver(2026, 3, 1)), "at: cannot query"),
        (lambda c: c.due_at(0), "fraction: expected a number > 0"),
    ],
)
def test_bad_arguments_name_the_argument(action: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("+", r"\+")):
        action(response_clock())


def clock_data(**changes: Any) -> dict[str, Any]:
    return response_clock().model_dump(mode="json") | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration": "-PT1H"}, "duration: must not be negative"),
        ({"started_at": "2026-03-06T16:30:00"}, "started_at\n  Input should have timezone info"),
        (
            {"pauses": [{"start": "2026-03-06T10:00:00-07:00"}]},
            "pauses[0].start: before the clock start",
        ),
        (
            {
                "pauses": [
                    {"start": "2026-03-09T09:00:00-06:00"},
                    {"start": "2026-03-09T10:00:00-06:00", "end": "2026-03-09T11:00:00-06:00"},
                ]
            },
            "pauses[0].end: only the last pause may be open",
        ),
        (
            {
                "pauses": [
                    {"start": "2026-03-09T09:00:00-06:00", "end": "2026-03-09T08:00:00-06:00"}
                ]
            },
            "pauses[0].end: before its start",
        ),
        (
            {
                "pauses": [{"start": "2026-03-09T09:00:00-06:00"}],
                "met_at": "2026-03-09T10:00:00-06:00",
            },
            "met_at: a met clock cannot still be paused",
        ),
        ({"met_at": "2026-03-06T10:00:00-07:00"}, "met_at: before the clock start"),
        ({"colour": "red"}, "colour\n  Extra inputs are not permitted"),
    ],
)
def test_invalid_stored_clocks_name_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SlaClock.model_validate(clock_data(**changes))
    assert message in str(caught.value)


def test_an_unresolved_calendar_is_refused() -> None:
    unresolved = CalendarSpec.model_validate(
        {
            "timezone": "America/Denver",
            "hours": {"mon": ["08:00-17:00"]},
            "holidays": {"country": "US"},
        }
    )
    with pytest.raises(ValidationError) as caught:
        SlaClock.start(unresolved, h(2), FRIDAY_1630)
    assert "calendar: must be resolved" in str(caught.value)
    assert SlaClock.start(unresolved.resolved(), h(2), FRIDAY_1630).calendar.is_resolved


# -- property: pauses only ever push the deadline later ---------------------------------------

events = st.lists(st.integers(1, 3 * 24 * 60), min_size=0, max_size=8)


@settings(max_examples=80, deadline=None)
@given(
    start_minute=st.integers(0, 200 * 24 * 60),
    target_minutes=st.integers(0, 40 * 60),
    gaps=events,
)
def test_pausing_never_shortens_the_deadline(
    start_minute: int, target_minutes: int, gaps: list[int]
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=start_minute)
    clock = SlaClock.start(Z_SUPPORT, timedelta(minutes=target_minutes), start)
    unpaused = clock.due_at()
    assert unpaused is not None
    at, previous_due = start, unpaused
    for gap in gaps:  # alternate pause / resume
        at += timedelta(minutes=gap)
        if clock.paused:
            clock.resume(at)
            due = clock.due_at()
            assert due is not None and due >= previous_due
            previous_due = due
        else:
            clock.pause(at)
            assert clock.due_at() is None
            assert clock.due_at_if_resumed(at) >= previous_due
    final = clock.due_at_if_resumed(at)
    assert final >= unpaused
    assert SlaClock.model_validate_json(clock.model_dump_json()).due_at_if_resumed(at) == final
