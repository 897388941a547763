"""E-mail and paging activities against real receivers on 127.0.0.1."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import aiosmtplib
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import MailActivities
from activities.paging import PagingActivities
from escalator.infra.settings import Settings
from models.case.activity_inputs import EmailRequest, PageRequest
from models.tables.core import OutboundMessageRow
from models.tables.intake import InboundMessageRow
from tests.receivers import ROUTING_KEY, free_port, paging_receiver, smtp_server

ACK = EmailRequest(
    idempotency_key="case-1:acknowledgement",
    case_id="case-1",
    kind="acknowledgement",
    to="ada@acme.test",
    subject_template="[{{ ticket }}] received",
    body_template="Links:\n{% for link in links %}- {{ link }}\n{% endfor %}",
    context={"ticket": "ZSU-000001", "links": ["https://help.example/a"]},
)


async def test_email_is_sent_once_per_key(engine: Engine) -> None:
    with smtp_server() as (port, mailbox):
        mail = MailActivities(engine, Settings(smtp_host="127.0.0.1", smtp_port=port))
        env = ActivityEnvironment()
        assert await env.run(mail.send_email, ACK) == "sent"
        # A retry of the same activity (same key) must not send again.
        assert await env.run(mail.send_email, ACK) == "sent"
    assert mailbox.subjects() == ["[ZSU-000001] received"]
    message = mailbox.messages[0]
    assert message["To"] == "ada@acme.test"
    assert message["X-Escalator-Case"] == "case-1"
    assert "- https://help.example/a" in message.get_payload()
    with Session(engine) as session:
        row = session.get(OutboundMessageRow, "case-1:acknowledgement")
        assert row is not None and row.status == "sent" and row.sent_at is not None


async def test_email_without_smtp_server_is_kept(engine: Engine) -> None:
    mail = MailActivities(engine, Settings(smtp_host=""))
    assert await ActivityEnvironment().run(mail.send_email, ACK) == "kept"
    with Session(engine) as session:
        row = session.get(OutboundMessageRow, "case-1:acknowledgement")
        assert row is not None and row.status == "kept"


PAGE = PageRequest(
    dedup_key="case-1:breach:response:support",
    case_id="case-1",
    summary="[ZSU-000001] response target breached",
    team="support",
    reason="breach",
    ticket_number="ZSU-000001",
    at=datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
    targets=["Bo Oncall <bo@zsupport.example> +1 303 555 0100"],
    details={"team": "support", "who": "on_call", "tier": "helpdesk"},
)


def paging(url: str, **settings: Any) -> PagingActivities:
    values: dict[str, Any] = {"paging_url": url, "public_url": "https://support.example"}
    return PagingActivities(Settings(**(values | settings)))


async def test_a_page_is_an_events_v2_trigger_pagerduty_accepts() -> None:
    with paging_receiver() as (url, log):
        activities = paging(url, paging_routing_key=SecretStr(ROUTING_KEY))
        assert await ActivityEnvironment().run(activities.send_page, PAGE) == "sent"
    # The receiver checks the event as PagerDuty does (tests/receivers.py events_v2_errors).
    (event,) = log.events
    assert event["routing_key"] == ROUTING_KEY
    assert (event["event_action"], event["dedup_key"]) == ("trigger", PAGE.dedup_key)
    payload = event["payload"]
    assert payload["summary"] == "[ZSU-000001] response target breached"
    assert payload["source"] == "escalator/case-1"
    assert payload["timestamp"] == "2026-12-02T09:30:00+00:00"
    assert (payload["component"], payload["group"], payload["class"]) == (
        "case",
        "support",
        "breach",
    )
    assert event["links"] == [
        {"href": "https://support.example/cases/case-1", "text": "Case ZSU-000001"}
    ]
    # Who is paged, by name: no e-mail address or phone number leaves in the details.
    assert payload["custom_details"]["paged"] == ["Bo Oncall"]
    assert "@" not in json.dumps(payload) and "555" not in json.dumps(payload)


async def test_acknowledge_and_resolve_name_the_incident_only() -> None:
    with paging_receiver() as (url, log):
        activities = paging(url, paging_routing_keys={"support-l1": SecretStr(ROUTING_KEY)})
        for action in ("acknowledge", "resolve"):
            follow = PageRequest(
                dedup_key=PAGE.dedup_key,
                case_id="case-1",
                event_action=action,
                routing_key_name="support-l1",
            )
            assert await ActivityEnvironment().run(activities.send_page, follow) == "sent"
    assert [e["event_action"] for e in log.events] == ["acknowledge", "resolve"]
    assert all(set(e) == {"routing_key", "event_action", "dedup_key"} for e in log.events)


async def test_what_the_paging_service_refuses_is_not_retried() -> None:
    with paging_receiver() as (url, log):
        # A routing key PagerDuty does not accept: 400, with its reasons.
        activities = paging(url, paging_routing_key=SecretStr("too-short"))
        with pytest.raises(ApplicationError) as refused:
            await ActivityEnvironment().run(activities.send_page, PAGE)
        assert refused.value.non_retryable and refused.value.type == "PageRefused"
        assert "400" in refused.value.message and "routing_key" in refused.value.message
        # Rate limited and server errors retry (with the service's Retry-After for a 429).
        activities = paging(url, paging_routing_key=SecretStr(ROUTING_KEY))
        log.answers = [429, 500]
        for status in (429, 500):
            with pytest.raises(ApplicationError) as transient:
                await ActivityEnvironment().run(activities.send_page, PAGE)
            assert not transient.value.non_retryable, status
            assert str(status) in transient.value.message
            # PagerDuty's Retry-After on a 429 sets the next attempt; a 500 backs off as usual.
            wait = timedelta(seconds=1) if status == 429 else None
            assert transient.value.next_retry_delay == wait
        # A team whose routing key name is not configured: nothing to send it with.
        unknown = PAGE.model_copy(update={"routing_key_name": "nobody"})
        with pytest.raises(ApplicationError) as unconfigured:
            await ActivityEnvironment().run(activities.send_page, unknown)
        assert unconfigured.value.non_retryable
        assert "'nobody'" in unconfigured.value.message
    assert [status for status, _ in log.requests] == [400, 429, 500]


async def test_a_relay_refusing_the_recipient_is_not_retried(engine: Engine) -> None:
    with smtp_server() as (port, mailbox):
        mailbox.refuse.add("ada@acme.test")
        mail = MailActivities(engine, Settings(smtp_host="127.0.0.1", smtp_port=port))
        with pytest.raises(ApplicationError) as refused:
            await ActivityEnvironment().run(mail.send_email, ACK)
        assert refused.value.non_retryable and "550" in refused.value.message
        # The record says so, and a later attempt does not try again.
        with Session(engine) as session:
            row = session.get(OutboundMessageRow, "case-1:acknowledgement")
            assert row is not None and row.status == "failed"
        with pytest.raises(ApplicationError):
            await ActivityEnvironment().run(mail.send_email, ACK)
    assert mailbox.messages == []


async def test_a_relay_that_is_down_is_retried(engine: Engine) -> None:
    mail = MailActivities(engine, Settings(smtp_host="127.0.0.1", smtp_port=free_port()))
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await ActivityEnvironment().run(mail.send_email, ACK)  # Temporal retries this one
    with Session(engine) as session:
        row = session.get(OutboundMessageRow, "case-1:acknowledgement")
        assert row is not None and row.status == "pending"


async def test_a_template_that_does_not_render_is_not_retried(engine: Engine) -> None:
    broken = ACK.model_copy(update={"subject_template": "{{ nothing_here }}"})
    mail = MailActivities(engine, Settings(smtp_host=""))
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(mail.send_email, broken)
    assert failed.value.non_retryable and "nothing_here" in failed.value.message


def test_message_id_is_the_same_for_every_attempt_of_one_message() -> None:
    from activities.mail import message_id

    first = message_id("case-1:acknowledgement", "support@zsupport.example")
    assert first == message_id("case-1:acknowledgement", "support@zsupport.example")
    assert first != message_id("case-1:wait1:reminder0", "support@zsupport.example")
    assert first.startswith("<") and first.endswith("@zsupport.example>")


async def test_mail_is_dated_auto_submitted_and_threaded_to_its_case(engine: Engine) -> None:
    reminder = ACK.model_copy(update={"idempotency_key": "case-1:wait1:reminder0"})
    settings = Settings(
        smtp_host="", smtp_from="Zed Support <support@zsupport.example>", smtp_port=0
    )
    mail = MailActivities(engine, settings)
    # A first attempt records the message; a later one sends it dated as recorded.
    assert await ActivityEnvironment().run(mail.send_email, ACK) == "kept"
    with Session(engine) as session:
        row = session.get(OutboundMessageRow, ACK.idempotency_key)
        assert row is not None
        # Recorded an hour ago: the Date says when the message was written, not sent.
        recorded = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        row.status, row.created_at = "pending", recorded
        session.add(row)
        session.commit()
    with smtp_server() as (port, mailbox):
        mail.settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        for request in (ACK, reminder):
            assert await ActivityEnvironment().run(mail.send_email, request) == "sent"
    first, second = mailbox.messages
    assert parsedate_to_datetime(str(first["Date"])) == recorded
    assert parsedate_to_datetime(str(second["Date"])) > recorded + timedelta(minutes=59)
    for message in (first, second):
        # RFC 3834: vacation responders and ticket systems do not answer it.
        assert message["Auto-Submitted"] == "auto-generated"
        # Every mail of the case answers the case's thread, so a mail client groups them.
        assert message["In-Reply-To"] == "<case-1@zsupport.example>"
        assert message["References"] == "<case-1@zsupport.example>"
        assert str(message["Message-ID"]).endswith("@zsupport.example>")
    assert first["Message-ID"] != second["Message-ID"]


async def test_mail_of_a_case_opened_by_email_answers_the_customers_message(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        for number, (message_id, status, case_id) in enumerate(
            [
                ("<other@acme.test>", "opened", "case-2"),
                ("<first@acme.test>", "opened", "case-1"),
                ("<later-reply@acme.test>", "replied", "case-1"),
            ]
        ):
            session.add(
                InboundMessageRow(
                    received_at=datetime(2026, 12, 2, 9, number, tzinfo=UTC),
                    via="smtp",
                    message_id=message_id,
                    sha256="0" * 64,
                    raw=b"",
                    status=status,
                    case_id=case_id,
                )
            )
        session.commit()
    with smtp_server() as (port, mailbox):
        mail = MailActivities(engine, Settings(smtp_host="127.0.0.1", smtp_port=port))
        assert await ActivityEnvironment().run(mail.send_email, ACK) == "sent"
    (message,) = mailbox.messages
    assert message["In-Reply-To"] == "<first@acme.test>"
    assert message["References"] == "<first@acme.test>"


def test_a_thread_root_is_a_valid_message_id_whatever_was_stored() -> None:
    from activities.mail import thread_root

    sender = "support@zsupport.example"
    assert thread_root("case-1", sender, None) == "<case-1@zsupport.example>"
    assert thread_root("case-1", sender, " <a.b@acme.test> ") == "<a.b@acme.test>"
    # Something that is no msg-id (RFC 5322 3.6.4) is not copied into a header.
    for junk in ("no id", "<a@b> <c@d>", "<a@b>\r\nBcc: x@y", "<>"):
        assert thread_root("case-1", sender, junk) == "<case-1@zsupport.example>"
    odd = thread_root("case 1/<x>", sender, None)
    assert odd.startswith("<") and odd.endswith("@zsupport.example>") and " " not in odd
