"""Cases for the soak and fault tests, and whether what they owed people arrived exactly once.

What was owed comes from the cases' own histories (each `send_email` and `send_page`
activity scheduled); what arrived from the receivers: e-mails by their Message-ID (derived
from the idempotency key, the same on every attempt), pages by dedup key and action.
"""

import asyncio
import json
import time
from collections import Counter
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from activities.mail import message_id
from tests.live_stack import ROOT, LiveStack
from tests.receivers import Mailbox, PageLog
from workflows.case import CaseWorkflow

FASTTEST = ROOT / "tests" / "fixtures" / "fasttest.yaml"


def intake(number: int) -> dict[str, object]:
    return {
        "policy": "fasttest",
        "plan": "fast",
        "org": "acme",
        "severity": "critical",
        "subject": f"soak case {number}",
        "description": "opened by the soak test",
        "contact": {"name": "Ada Admin", "email": "ada@acme.test"},
    }


async def settled(stack: LiveStack, case_ids: list[str], within: float) -> None:
    """Every case has sent what it queued (its timed actions are over by then)."""
    deadline = time.monotonic() + within
    for case_id in case_ids:
        handle = stack.client.get_workflow_handle(case_id)
        while await handle.query(CaseWorkflow.pending_notices):
            assert time.monotonic() < deadline, f"{case_id} still has notices to send"
            await asyncio.sleep(0.5)


async def owed(client: Client, case_ids: list[str], sender: str) -> tuple[set[str], set[str]]:
    """(Message-IDs, "dedup_key action" of pages) the cases' histories scheduled."""
    mails: set[str] = set()
    pages: set[str] = set()
    for case_id in case_ids:
        async for event in client.get_workflow_handle(case_id).fetch_history_events():
            if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                continue
            attributes = event.activity_task_scheduled_event_attributes
            body: dict[str, Any] = json.loads(attributes.input.payloads[0].data)
            if attributes.activity_type.name == "send_email":
                mails.add(message_id(body["idempotency_key"], sender))
            elif attributes.activity_type.name == "send_page":
                pages.add(f"{body['dedup_key']} {body.get('event_action', 'trigger')}")
    return mails, pages


def arrived(mailbox: Mailbox, log: PageLog) -> tuple[Counter[str], Counter[str]]:
    mails = Counter(str(message["Message-ID"]) for message in mailbox.messages)
    pages = Counter(f"{event['dedup_key']} {event['event_action']}" for event in log.events)
    return mails, pages


def assert_each_once(owed_ids: set[str], received: Counter[str], what: str) -> None:
    twice = sorted(key for key, count in received.items() if count > 1)
    missing = sorted(owed_ids - set(received))
    unknown = sorted(set(received) - owed_ids)
    assert not twice, f"{what} received more than once: {twice[:5]}"
    assert not missing, f"{len(missing)} {what} never arrived: {missing[:5]}"
    assert not unknown, f"{what} nobody scheduled: {unknown[:5]}"
