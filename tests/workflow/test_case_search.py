"""A case's search attributes change at the instants its state does: set at intake, each
step's status and assignee as it lands, Breached when a breach timer fires; a step that
changes none (a note) upserts nothing."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.converter import decode_search_attributes
from temporalio.testing import WorkflowEnvironment

from models.case.steps import Acknowledge, AddNote, Assign
from tests.workflow.cases import Desk, delivered, step
from tests.workflow.clock import advance_to

MONDAY = 0


async def upserts(handle: WorkflowHandle[Any, Any], start: datetime) -> list[tuple[int, Any]]:
    """(minutes after `start`, what was set: None where unset) of each upsert in the history."""
    found: list[tuple[int, Any]] = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            attributes = event.upsert_workflow_search_attributes_event_attributes
            values = dict(decode_search_attributes(attributes.search_attributes))
            values.pop("TemporalChangeVersion", None)  # the SDK's own, for each patch
            if not values:
                continue
            at = event.event_time.ToDatetime().replace(tzinfo=UTC)
            minutes = (at - start).total_seconds() / 60
            found.append((round(minutes), {k: v[0] if v else None for k, v in values.items()}))
    return found


async def test_attributes_follow_intake_steps_and_the_breach_timer(
    own_env: WorkflowEnvironment, desk: Desk
) -> None:
    _, start = await desk.quiet_start("zsupport", MONDAY, time(8), days=1)
    handle, _ = await desk.open_case_at(start, "zsupport", "managed", severity="standard")
    await step(handle, "acknowledge", Acknowledge(actor="e:avery"))
    await step(handle, "add-note", AddNote(text="looking", actor="e:avery"))
    await advance_to(own_env, start + timedelta(hours=1))
    await step(handle, "assign", Assign(engineer="grace", actor="e:avery"))
    await advance_to(own_env, start + timedelta(hours=5))
    await delivered(handle)
    # Response due at 10:00 (2 business hours), not met: breached then, and only then.
    assert await upserts(handle, start) == [
        (
            0,
            {
                "TicketNumber": "ZSU-000001",
                "Organisation": "acme",
                "Policy": "zsupport",
                "CaseStatus": "new",
                "Severity": "standard",
                "Breached": False,
            },
        ),
        (0, {"CaseStatus": "acknowledged"}),  # the note after it changed nothing
        (60, {"CaseStatus": "assigned", "Assignee": "grace"}),
        (120, {"Breached": True}),
    ]
    described = await handle.describe()
    attributes = decode_search_attributes(
        described.raw_description.workflow_execution_info.search_attributes
    )
    assert attributes["Assignee"] == ["grace"] and attributes["Breached"] == [True]
