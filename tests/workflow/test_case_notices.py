"""A case's e-mails and pages go out after the step that queued them, and fail honestly.

A relay that is down holds no step: the step answers, its notices wait in the case's
outbox and go out, once each, when the relay is back. What cannot succeed (a page the
paging service refuses, a recipient the relay refuses) is tried once, recorded on the
case, and told to the team's fallback address.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from escalator.infra.history import from_temporal
from escalator.infra.settings import Settings
from models.audit.timeline import build_timeline
from models.case.steps import Acknowledge, RequestInfo, Respond, Triage
from tests.receivers import ROUTING_KEY, free_port, paging_receiver, smtp_server
from tests.workflow.cases import Desk, delivered, open_case, step
from tests.workflow.conftest import Wired
from worker import build_worker
from workflows.case import CaseWorkflow

FALLBACK = "duty-manager@maltarea.example"


async def test_a_refused_page_is_recorded_and_the_fallback_address_told(
    own_env: WorkflowEnvironment, wired: Wired, desk: Desk
) -> None:
    wired.pages.answers = [400]  # PagerDuty refuses the first event (e.g. a revoked key)
    handle, _ = await desk.open_case_at(
        await own_env.get_current_time(),
        "maltarea",
        "partner",
        severity="sev1",  # the whole team is paged at intake
    )
    case = await handle.query(CaseWorkflow.get_case)
    (failed,) = [note for note in case.notes if note.text.startswith("notice failed")]
    assert failed.text.startswith("notice failed: page trigger to team support: ")
    assert "paging service answered 400" in failed.text
    # Tried once: a 400 does not get better by retrying.
    assert [status for status, _ in wired.pages.requests] == [400]
    (told,) = [m for m in wired.mailbox.messages if FALLBACK in str(m["To"])]
    assert "could not be delivered" in str(told.get_payload())
    # The timeline says what failed, and why.
    history = await from_temporal(own_env.client, handle.id)
    assert history is not None
    timeline = build_timeline(history)
    kinds = [entry.kind for entry in timeline]
    assert "notice_failed" in kinds and "activity_failed" in kinds


async def test_a_recipient_the_relay_refuses_is_recorded(
    own_env: WorkflowEnvironment, wired: Wired, desk: Desk
) -> None:
    wired.mailbox.refuse.add("ada@acme.test")
    handle, _ = await desk.open_case_at(
        await own_env.get_current_time(), "maltarea", "partner", severity="sev3"
    )
    case = await handle.query(CaseWorkflow.get_case)
    (failed,) = [note for note in case.notes if note.text.startswith("notice failed")]
    assert "e-mail acknowledgement to ada@acme.test" in failed.text
    assert "550" in failed.text
    assert [str(m["To"]) for m in wired.mailbox.messages] == [FALLBACK]


async def test_pages_follow_the_case_to_its_acknowledgement(
    own_env: WorkflowEnvironment, wired: Wired, desk: Desk
) -> None:
    handle, _ = await desk.open_case_at(
        await own_env.get_current_time(), "maltarea", "partner", severity="sev1"
    )
    await step(handle, "acknowledge", Acknowledge(actor="e:lea"))
    await delivered(handle)
    (trigger,) = wired.pages.accepted("trigger")
    (ack,) = wired.pages.accepted("acknowledge")
    assert ack["dedup_key"] == trigger["dedup_key"]
    assert trigger["routing_key"] == ack["routing_key"] == ROUTING_KEY


@asynccontextmanager
async def relay_down(
    env: WorkflowEnvironment, engine: Engine, read_model_url: str
) -> AsyncIterator[tuple[Settings, int]]:
    """A worker whose SMTP relay does not answer (nothing listens on its port yet)."""
    port = free_port()
    with paging_receiver() as (paging_url, _pages), ThreadPoolExecutor(8) as executor:
        settings = Settings(
            database_url=read_model_url,
            task_queue=f"test-{uuid.uuid4().hex[:8]}",
            smtp_host="127.0.0.1",
            smtp_port=port,
            paging_url=paging_url,
            paging_routing_keys={"maltarea-support": SecretStr(ROUTING_KEY)},
        )
        async with build_worker(env.client, engine, settings, executor):
            yield settings, port


async def test_steps_answer_while_the_relay_is_down_and_their_mail_follows_once(
    own_env: WorkflowEnvironment, engine: Engine, read_model_url: str, session: Session
) -> None:
    async with relay_down(own_env, engine, read_model_url) as (settings, port):
        handle, _ = await open_case(
            own_env.client,
            session,
            settings.task_queue,
            policy="maltarea",
            plan="partner",
            received_at=await own_env.get_current_time(),
            deliver=False,
        )
        steps = [
            ("triage", Triage(severity="sev1", actor="e:lea")),  # pages the whole team
            ("respond", Respond(message="Looking", actor="e:lea")),
            ("request-info", RequestInfo(message="Which trunk?", actor="e:lea")),
        ]
        for name, step in steps:
            began = time.monotonic()
            await asyncio.wait_for(handle.execute_update(name, step), timeout=10)
            # Before, each step awaited its own e-mail, retried for as long as the relay was down.
            assert time.monotonic() - began < 10, name
        pending = await handle.query(CaseWorkflow.pending_notices)
        assert "e-mail acknowledgement to ada@acme.test" in pending
        with smtp_server(port) as (_port, mailbox):
            await delivered(handle, within=120)
        subjects = mailbox.subjects()
        # Acknowledgement, ticket number, the response and the request: each once.
        assert len(subjects) == len(set(m["Message-ID"] for m in mailbox.messages)) == 4
