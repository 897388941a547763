"""A reply's quoted text is kept apart from its own: on the case's note and in the timeline."""

import httpx
import pytest
from sqlmodel import Session

from tests.api.conftest import Listener, TokenFactory
from tests.api.test_email_intake import inbound, mail, send

pytestmark = pytest.mark.usefixtures("registry")

REPLY = """Serial is ZX-1.

On Mon, 2 Dec 2026 at 10:00, Support <support@zsupport.example> wrote:
> Serials?
> Thank you
"""

OUTLOOK = """Nightly too.

-----Original Message-----
From: Support <support@zsupport.example>
Subject: Information needed

Serials?
"""


async def test_quoted_text_is_kept_apart_on_the_case_and_in_the_timeline(
    api: httpx.AsyncClient, session: Session, listener: Listener, tokens: TokenFactory
) -> None:
    engineer = tokens("engineer")
    port = await listener()
    await send(port, mail("ada@acme.test", "Phones reboot", "Hourly.", "<q0@acme.test>"))
    case_id = inbound(session, "<q0@acme.test>").case_id
    await api.post(f"/cases/{case_id}/request-info", json={"message": "Serials?"}, headers=engineer)
    await send(port, mail("ada@acme.test", "Re: [ZSU-000001] Information needed", REPLY, "<q1@a>"))
    assert inbound(session, "<q1@a>").status == "replied"
    await send(port, mail("ada@acme.test", "RE: ZSU-000001", OUTLOOK, "<q2@a>"))
    assert inbound(session, "<q2@a>").status == "noted"
    await send(port, mail("ada@acme.test", "Re: ZSU-000001", "> Serials?\n", "<q3@a>"))

    case = (await api.get(f"/cases/{case_id}", headers=engineer)).json()
    notes = [(n["text"], n["quoted"]) for n in case["notes"] if n["actor"].startswith("email:")]
    assert notes == [
        (
            "customer replied: Serial is ZX-1.",
            "On Mon, 2 Dec 2026 at 10:00, Support <support@zsupport.example> wrote:\n"
            "> Serials?\n> Thank you",
        ),
        (
            "e-mail from ada@acme.test: Nightly too.",
            "-----Original Message-----\nFrom: Support <support@zsupport.example>\n"
            "Subject: Information needed\n\nSerials?",
        ),
        ("e-mail from ada@acme.test: (the reply has no text of its own)", "> Serials?"),
    ]
    timeline = (await api.get(f"/cases/{case_id}/timeline", headers=engineer)).json()
    said = [
        (e["kind"], e["detail"], e["quoted"])
        for e in timeline
        if e["actor"] == "email:ada@acme.test"
    ]
    assert said == [
        ("customer_replied", "customer replied: Serial is ZX-1.", notes[0][1]),
        ("note", "e-mail from ada@acme.test: Nightly too.", notes[1][1]),
        ("note", notes[2][0], "> Serials?"),
    ]
    assert all(entry["quoted"] is None for entry in timeline if entry["kind"] == "received")
