"""The fields an engineer asked for read back from the timeline entry that tells it (the
partner's reply form offers them), written and read in one module."""

from datetime import UTC, datetime

from models.audit.timeline import TimelineEntry, _step_detail, asked_fields


def entry(detail: str, kind: str = "information_requested") -> TimelineEntry:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    return TimelineEntry(
        at=at, actor="engineer:grace", kind=kind, detail=detail, workflow_id="w", event_id=1
    )


def test_the_fields_of_a_request_come_back_as_named() -> None:
    body = {"fields": ["serial_numbers", "call_examples"], "message": "Both (please): thanks"}
    detail = _step_detail("request-info", body, "engineer:grace")
    assert asked_fields(entry(detail)) == ["serial_numbers", "call_examples"]
    assert asked_fields(entry(_step_detail("request-info", {"message": "Anything"}, "x"))) == []
    assert asked_fields(entry(detail, kind="responded")) == []
