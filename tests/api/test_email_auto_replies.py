"""Automatic replies (RFC 3834 and the headers responders add) are kept, and answered never:
on their case a note marked auto_reply, else kept without opening one."""

from email.message import EmailMessage

import httpx
import pytest
from sqlmodel import Session, select

from models.tables.core import OutboundMessageRow
from tests.api.conftest import Listener, TokenFactory
from tests.api.test_email_intake import inbound, mail, send

pytestmark = pytest.mark.usefixtures("registry")


def automatic(number: int, subject: str, **headers: str) -> EmailMessage:
    message = mail("Ada <ada@acme.test>", subject, "I am away until Monday.", f"<o{number}@x>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


AUTOMATIC = [
    (automatic(1, "Away", Auto_Submitted="auto-replied"), "Auto-Submitted: auto-replied"),
    (
        automatic(2, "Away", Auto_Submitted="Auto-Generated (vacation)"),
        "Auto-Submitted: auto-generated",
    ),
    (automatic(3, "Newsletter", Precedence="bulk"), "Precedence: bulk"),
    (automatic(4, "Away", Precedence="auto_reply"), "Precedence: auto_reply"),
    (automatic(5, "Away", X_Autoreply="yes"), "X-Autoreply: yes"),
    (automatic(6, "Away", X_Autorespond="Away"), "X-Autorespond: away"),
    (automatic(7, "Out of Office: Phones reboot"), "subject 'Out of Office:'"),
    (automatic(8, "Automatic reply: Phones reboot"), "subject 'Automatic reply:'"),
]


@pytest.mark.parametrize(("message", "why"), AUTOMATIC)
async def test_an_automatic_reply_opens_no_case_and_is_not_answered(
    api: httpx.AsyncClient,
    session: Session,
    listener: Listener,
    tokens: TokenFactory,
    message: EmailMessage,
    why: str,
) -> None:
    port = await listener()
    await send(port, message)
    kept = inbound(session, message["Message-ID"])
    assert (kept.status, kept.reason) == ("kept", f"an automatic reply ({why}) opens no case")
    assert (await api.get("/cases", headers=tokens("engineer"))).json()["items"] == []
    assert session.exec(select(OutboundMessageRow)).all() == []


async def test_what_a_person_sent_still_opens_a_case(
    api: httpx.AsyncClient, session: Session, listener: Listener
) -> None:
    port = await listener()
    people = [
        automatic(20, "Phones reboot", Auto_Submitted="no"),
        automatic(21, "Out of office hours the phones reboot", Precedence="first-class"),
    ]
    for message in people:
        await send(port, message)
        assert inbound(session, message["Message-ID"]).status == "opened"


async def test_on_its_case_an_automatic_reply_is_a_note_that_ends_no_wait(
    api: httpx.AsyncClient, session: Session, listener: Listener, tokens: TokenFactory
) -> None:
    engineer = tokens("engineer")
    port = await listener()
    await send(port, mail("ada@acme.test", "Phones reboot", "Hourly.", "<w0@acme.test>"))
    case_id = inbound(session, "<w0@acme.test>").case_id
    asked = await api.post(
        f"/cases/{case_id}/request-info", json={"message": "Serials?"}, headers=engineer
    )
    assert asked.json()["status"] == "waiting_customer"
    away = automatic(30, "Automatic reply: Re: [ZSU-000001] Information needed")
    away["Auto-Submitted"] = "auto-replied"
    await send(port, away)
    assert inbound(session, "<o30@x>").status == "noted"
    case = (await api.get(f"/cases/{case_id}", headers=engineer)).json()
    assert case["status"] == "waiting_customer"
    note = case["notes"][-1]
    assert (note["actor"], note["auto_reply"]) == ("email:ada@acme.test", True)
    assert note["text"] == (
        "automatic reply from ada@acme.test (Auto-Submitted: auto-replied): I am away until Monday."
    )
    timeline = (await api.get(f"/cases/{case_id}/timeline", headers=engineer)).json()
    assert [e["kind"] for e in timeline if e["actor"] == "email:ada@acme.test"] == ["auto_reply"]
    # A person's reply still ends the wait.
    await send(port, mail("ada@acme.test", "Re: [ZSU-000001]", "ZX-1", "<w1@acme.test>"))
    assert inbound(session, "<w1@acme.test>").status == "replied"


async def test_over_http_an_automatic_reply_is_kept(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    engineer = {**tokens("engineer"), "Content-Type": "message/rfc822"}
    message = automatic(40, "Away", Auto_Submitted="auto-replied")
    kept = await api.post("/intake/email", content=message.as_bytes(), headers=engineer)
    assert (kept.status_code, kept.json()["status"]) == (202, "kept"), kept.text
    assert (
        kept.json()["reason"] == "an automatic reply (Auto-Submitted: auto-replied) opens no case"
    )
