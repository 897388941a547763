"""E-mail and paging activities against real receivers on 127.0.0.1."""

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities.mail import MailActivities
from activities.paging import PagingActivities
from escalator.settings import Settings
from models.activity_inputs import EmailRequest, PageRequest
from models.tables import OutboundMessageRow
from tests.receivers import paging_receiver, smtp_server

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


async def test_page_posts_an_events_v2_trigger() -> None:
    request = PageRequest(
        dedup_key="case-1:breach:response",
        case_id="case-1",
        summary="ZSU-000001 response target breached",
        targets=["on-call: Bo Oncall"],
    )
    with paging_receiver() as (url, log):
        paging = PagingActivities(Settings(paging_url=url))
        assert await ActivityEnvironment().run(paging.send_page, request) == "sent"
    (event,) = log.events
    assert event["event_action"] == "trigger"
    assert event["dedup_key"] == "case-1:breach:response"
    assert event["payload"]["summary"] == "ZSU-000001 response target breached"
    assert event["payload"]["source"] == "escalator/case-1"
    assert event["payload"]["custom_details"]["targets"] == ["on-call: Bo Oncall"]


def test_message_id_is_the_same_for_every_attempt_of_one_message() -> None:
    from activities.mail import message_id

    first = message_id("case-1:acknowledgement", "support@zsupport.example")
    assert first == message_id("case-1:acknowledgement", "support@zsupport.example")
    assert first != message_id("case-1:wait1:reminder0", "support@zsupport.example")
    assert first.startswith("<") and first.endswith("@zsupport.example>")
