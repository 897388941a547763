"""The history that stopped replaying (tests/fixtures/nondeterministic-case-history.json).

Recorded by a worker keeping 5 workflows in its cache, 40 cases with timers and steps
arriving (tests/fixtures/README.md). Timer 14 fired (event 237); the workflow task that
saw it (started at event 239) started timer 15 instead of firing the escalation that was
due, and no code replays that. These tests keep the diagnosis: timer 15 is exactly what
was left of timer 14 by the clock of the *previous* task (event 234), so the task that
saw the timer fire ran with a clock that lagged it, and the old loop decided by the clock
("is the action due?") where it should have decided by the timer. Since EDGES_PATCH the
loop fires what the fired timer was set for (tests/workflow/test_clock_independence.py).
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "nondeterministic-case-history.json"


def events() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(FIXTURE.read_text())["events"]
    return loaded


def at(event: dict[str, Any]) -> datetime:
    # Nanoseconds in the JSON; microseconds are enough here.
    text = event["eventTime"].rstrip("Z")
    whole, _, fraction = text.partition(".")
    return datetime.fromisoformat(f"{whole}.{fraction[:6]:0<6}").replace(tzinfo=UTC)


def seconds(duration: str) -> timedelta:
    return timedelta(seconds=float(duration.rstrip("s")))


def by_id(history: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {int(event["eventId"]): event for event in history}


def started_task_before(history: list[dict[str, Any]], event_id: int) -> dict[str, Any]:
    """The WorkflowTaskStarted event of the task whose completion `event_id` followed."""
    return [
        e
        for e in history
        if e["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_STARTED" and int(e["eventId"]) < event_id
    ][-1]


def test_the_task_that_saw_the_timer_fire_ran_on_the_previous_tasks_clock() -> None:
    history = events()
    ids = by_id(history)
    fired = ids[237]
    assert fired["eventType"] == "EVENT_TYPE_TIMER_FIRED"
    first = ids[int(fired["timerFiredEventAttributes"]["startedEventId"])]
    second = ids[241]
    assert second["eventType"] == "EVENT_TYPE_TIMER_STARTED"
    # Timer 14's deadline: its duration from the clock of the task that started it.
    set_at = at(started_task_before(history, int(first["eventId"])))
    deadline = set_at + seconds(first["timerStartedEventAttributes"]["startToFireTimeout"])
    # Timer 15 came from the task started at event 239, after the fire ...
    seeing = started_task_before(history, 241)
    assert int(seeing["eventId"]) == 239 and at(seeing) > deadline
    # ... and is exactly what was left of timer 14 by the clock of event 234, a task earlier:
    # the code compared the due instant with a clock that lagged the timer that had fired.
    remaining = seconds(second["timerStartedEventAttributes"]["startToFireTimeout"])
    assert abs(deadline - remaining - at(ids[234])) < timedelta(milliseconds=1)
    assert abs(deadline - remaining - at(seeing)) > timedelta(milliseconds=500)


def test_escalator_replay_names_the_mismatch(capsys: pytest.CaptureFixture[str]) -> None:
    from escalator.cli import main

    assert main(["replay", "--file", str(FIXTURE)]) == 1
    out = capsys.readouterr().out
    assert "Nondeterminism error" in out and "id: 241, TimerStarted" in out
