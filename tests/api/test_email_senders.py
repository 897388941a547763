"""Who an inbound e-mail is from: the sender's domain is matched exactly, over SMTP and HTTP."""

import httpx
import pytest
from sqlmodel import Session

from tests.api.conftest import Listener, TokenFactory
from tests.api.test_email_intake import inbound, mail, send

# Addresses whose domain is acme.test only to an unescaped SQL LIKE ("%@acme.%" ...).
LOOKALIKES = ["mallory@acme.%", "mallory@acme.tes_", "mallory@%cme.test"]

pytestmark = pytest.mark.usefixtures("registry")


async def test_lookalike_domains_open_no_case_and_reach_none_over_smtp(
    api: httpx.AsyncClient, session: Session, listener: Listener, tokens: TokenFactory
) -> None:
    port = await listener()
    await send(port, mail("ada@acme.test", "Phones reboot", "Hourly.", "<s0@acme.test>"))
    case_id = inbound(session, "<s0@acme.test>").case_id
    for number, sender in enumerate(LOOKALIKES, start=1):
        await send(port, mail(sender, "Fax is down", "Since Monday", f"<s{number}@x>"))
        new = inbound(session, f"<s{number}@x>")
        assert (new.status, new.case_id, new.sender) == ("kept", None, sender)
        assert new.reason == f"no organisation is known for the sender {sender}"
        reply = mail(sender, "Re: [ZSU-000001] Phones reboot", "Ignore it", f"<r{number}@x>")
        await send(port, reply)
        threaded = inbound(session, f"<r{number}@x>")
        assert (threaded.status, threaded.case_id) == ("kept", None)
        assert threaded.reason == f"{sender} wrote about ZSU-000001 but is not a contact of 'acme'"
    case = (await api.get(f"/cases/{case_id}", headers=tokens("engineer"))).json()
    assert [note["actor"] for note in case["notes"] if note["actor"].startswith("email:")] == []
    listed = (await api.get("/cases", headers=tokens("engineer"))).json()["items"]
    assert [item["id"] for item in listed] == [case_id]


async def test_lookalike_domains_are_kept_over_http(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    engineer = {**tokens("engineer"), "Content-Type": "message/rfc822"}
    first = mail("ada@acme.test", "Phones reboot", "Hourly.", "<h0@acme.test>")
    opened = await api.post("/intake/email", content=first.as_bytes(), headers=engineer)
    assert opened.status_code == 201, opened.text
    for number, sender in enumerate(LOOKALIKES, start=1):
        new = mail(sender, "Fax is down", "Since Monday", f"<h{number}@x>")
        kept = await api.post("/intake/email", content=new.as_bytes(), headers=engineer)
        assert (kept.status_code, kept.json()["status"]) == (202, "kept"), kept.text
        assert kept.json()["reason"] == f"no organisation is known for the sender {sender}"
        reply = mail(sender, "Re: [ZSU-000001] Phones reboot", "Ignore it", f"<hr{number}@x>")
        kept = await api.post("/intake/email", content=reply.as_bytes(), headers=engineer)
        assert (kept.status_code, kept.json()["status"]) == (202, "kept"), kept.text
        # A partner key of acme cannot bring them in as acme either.
        acme = {**tokens("partner", "acme"), "Content-Type": "message/rfc822"}
        refused = await api.post("/intake/email", content=new.as_bytes(), headers=acme)
        assert refused.json()["status"] == "kept", refused.text
    case = (await api.get(f"/cases/{opened.json()['id']}", headers=engineer)).json()
    assert [note["actor"] for note in case["notes"] if note["actor"].startswith("email:")] == []


async def test_the_domain_matches_whatever_its_case(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    engineer = {**tokens("engineer"), "Content-Type": "message/rfc822"}
    message = mail("Bob <bob@ACME.Test>", "Fax is down", "Since Monday", "<c1@acme.test>")
    opened = await api.post("/intake/email", content=message.as_bytes(), headers=engineer)
    assert opened.status_code == 201, opened.text
    assert (opened.json()["org"], opened.json()["billable"]) == ("acme", True)
