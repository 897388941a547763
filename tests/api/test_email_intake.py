"""E-mail intake through a real SMTP client (aiosmtplib) to the aiosmtpd listener, and over HTTP."""

from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest
from sqlmodel import Session, select

from models.tables.intake import AttachmentRow, InboundMessageRow
from tests.api.conftest import Listener, TokenFactory

SUPPORT = "support@zsupport.example"


pytestmark = pytest.mark.usefixtures("registry")


@pytest.fixture
async def smtp_port(listener: Listener) -> int:
    """The listener on a free local port, in this test's event loop; closed afterwards."""
    return await listener(attachment_max_bytes=1000)


def mail(sender: str, subject: str, text: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(text)
    return message


async def send(port: int, message: EmailMessage) -> None:
    errors, answer = await aiosmtplib.send(message, hostname="127.0.0.1", port=port)
    assert errors == {}
    assert answer.startswith("Message accepted"), answer


def inbound(session: Session, message_id: str) -> InboundMessageRow:
    session.expire_all()
    rows = session.exec(
        select(InboundMessageRow).where(InboundMessageRow.message_id == message_id)
    ).all()
    assert len(rows) >= 1
    return rows[-1]


async def test_new_case_reply_by_ticket_and_unauthorised_sender(
    api: httpx.AsyncClient, session: Session, smtp_port: int, tokens: TokenFactory
) -> None:
    engineer = tokens("engineer")
    first = mail(
        "Ada Admin <ada@acme.test>",
        "Voicemail greetings are silent",
        "Since the upgrade greetings play silence.\nsoftware_version: 17.0.4\n",
        "<m1@acme.test>",
    )
    first.add_attachment(b"x" * 10, maintype="text", subtype="plain", filename="trace.log")
    first.add_attachment(b"y" * 5000, maintype="application", subtype="zip", filename="big.zip")
    await send(smtp_port, first)

    row = inbound(session, "<m1@acme.test>")
    assert (row.status, row.sender, row.recipients) == ("opened", "ada@acme.test", SUPPORT)
    case = (await api.get(f"/cases/{row.case_id}", headers=engineer)).json()
    assert (case["org"], case["channel"], case["billable"]) == ("acme", "email", False)
    assert case["ticket_number"] == "ZSU-000001"
    assert case["contact"] == {"name": "Ada Admin", "email": "ada@acme.test", "phone": None}
    assert "software_version" not in case["missing_fields"]
    files = {f["filename"]: (f["size"], f["stored"]) for f in case["attachments"]}
    assert files == {"trace.log": (10, True), "big.zip": (5000, False)}
    stored = session.exec(select(AttachmentRow).where(AttachmentRow.filename == "trace.log")).one()
    assert stored.content == b"x" * 10

    # A redelivery of the same message opens no second case and stores no second file.
    await send(smtp_port, first)
    assert inbound(session, "<m1@acme.test>").case_id == row.case_id
    listed = (await api.get("/cases", headers=engineer)).json()["items"]
    assert [item["id"] for item in listed] == [row.case_id]
    assert (
        len((await api.get(f"/cases/{row.case_id}", headers=engineer)).json()["attachments"]) == 2
    )

    # The engineer asks; the reply, threaded by the ticket number, resumes the case.
    asked = await api.post(
        f"/cases/{row.case_id}/request-info", json={"message": "Serials?"}, headers=engineer
    )
    assert asked.json()["status"] == "waiting_customer"
    reply = mail(
        "ada@acme.test",
        "Re: [ZSU-000001] Voicemail greetings are silent",
        "serial_numbers: ZX-1\n",
        "<m2@acme.test>",
    )
    await send(smtp_port, reply)
    replied = inbound(session, "<m2@acme.test>")
    assert (replied.status, replied.case_id) == ("replied", row.case_id)
    case = (await api.get(f"/cases/{row.case_id}", headers=engineer)).json()
    assert case["status"] == "new"
    assert case["notes"][-1]["actor"] == "email:ada@acme.test"
    assert case["notes"][-1]["text"].startswith("customer replied: serial_numbers: ZX-1")

    # A second message on the ticket, not awaited: a note on the case.
    await send(
        smtp_port, mail("ada@acme.test", "ZSU-000001 also at night", "Nightly too", "<m3@a>")
    )
    assert inbound(session, "<m3@a>").status == "noted"

    # Someone of acme who is not an authorised contact: accepted, billable.
    await send(smtp_port, mail("bob@acme.test", "Fax is down", "No faxes since Monday", "<m4@a>"))
    other = inbound(session, "<m4@a>")
    assert other.status == "opened"
    billable = (await api.get(f"/cases/{other.case_id}", headers=engineer)).json()
    assert (billable["org"], billable["billable"]) == ("acme", True)
    assert "not an authorised contact" in billable["notes"][0]["text"]


async def test_what_cannot_become_a_case_is_kept_and_listed(
    api: httpx.AsyncClient, session: Session, smtp_port: int, tokens: TokenFactory
) -> None:
    engineer = tokens("engineer")
    await send(smtp_port, mail("eve@unknown.test", "Hello", "Who are you?", "<u1@x>"))
    unknown = inbound(session, "<u1@x>")
    assert unknown.status == "kept"
    assert unknown.reason == "no organisation is known for the sender eve@unknown.test"
    await aiosmtplib.send(
        b"this is not a message at all",
        sender="x@y.test",
        recipients=[SUPPORT],
        hostname="127.0.0.1",
        port=smtp_port,
    )
    kept = (await api.get("/intake/messages", params={"status": "kept"}, headers=engineer)).json()
    reasons = [item["reason"] for item in kept["items"]]
    assert reasons == [
        "the message has no headers",
        "no organisation is known for the sender eve@unknown.test",
    ]
    raw = session.exec(select(InboundMessageRow).where(InboundMessageRow.sender.is_(None))).one()  # type: ignore[union-attr]
    assert raw.raw.rstrip() == b"this is not a message at all"


async def test_http_intake_answers_201_200_202_and_415(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    engineer = {**tokens("engineer"), "Content-Type": "message/rfc822"}
    message = mail("ada@acme.test", "Phones reboot", "Hourly.", "<h1@acme.test>")
    created = await api.post("/intake/email", content=message.as_bytes(), headers=engineer)
    assert created.status_code == 201, created.text
    again = await api.post("/intake/email", content=message.as_bytes(), headers=engineer)
    assert (again.status_code, again.json()["id"]) == (200, created.json()["id"])
    kept = await api.post("/intake/email", content=b"garbage", headers=engineer)
    assert (kept.status_code, kept.json()["status"]) == (202, "kept")
    wrong = await api.post("/intake/email", json={"a": 1}, headers=tokens("engineer"))
    assert wrong.status_code == 415
    # A partner may not bring in another organisation's mail.
    globex = {**tokens("partner", "globex"), "Content-Type": "message/rfc822"}
    other = mail("ada@acme.test", "x", "y", "<h2@acme.test>")
    refused = await api.post("/intake/email", content=other.as_bytes(), headers=globex)
    assert refused.status_code == 403, refused.text
