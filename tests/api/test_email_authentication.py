"""ESCALATOR_MAIL_TRUSTED_AUTHSERV_ID: a reply is threaded into its case only when the
organisation's relay authenticated its From domain (over SMTP and HTTP)."""

from collections.abc import AsyncIterator
from email.message import EmailMessage

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from escalator.infra.settings import Settings
from tests.api.conftest import Listener, TokenFactory
from tests.api.test_email_intake import inbound, mail, send

pytestmark = pytest.mark.usefixtures("registry")

RELAY = "relay.acme.test"
PASS = f"{RELAY}; spf=pass smtp.mailfrom=ada@acme.test; dmarc=pass header.from=acme.test"


@pytest.fixture
async def trusting_api(
    temporal_env: WorkflowEnvironment, worker: Worker, engine: Engine, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    trusting = settings.model_copy(update={"mail_trusted_authserv_id": RELAY})
    app = create_app(trusting, engine=engine, client=temporal_env.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def reply(number: int, *results: str) -> EmailMessage:
    message = mail(
        "Ada <ada@acme.test>", "Re: [ZSU-000001] Phones reboot", "Still.", f"<a{number}@x>"
    )
    for value in results:
        message["Authentication-Results"] = value
    return message


async def test_a_reply_is_threaded_only_when_the_relay_authenticated_it(
    api: httpx.AsyncClient, session: Session, listener: Listener, tokens: TokenFactory
) -> None:
    port = await listener(mail_trusted_authserv_id=RELAY)
    # Opening a case asks nothing more of the sender.
    await send(port, mail("ada@acme.test", "Phones reboot", "Hourly.", "<a0@acme.test>"))
    case_id = inbound(session, "<a0@acme.test>").case_id
    assert case_id is not None
    forged = [
        (1, (), "the message has no Authentication-Results of relay.acme.test"),
        (
            2,
            ("mx.evil.test; dmarc=pass header.from=acme.test",),
            "the message has no Authentication-Results of relay.acme.test",
        ),
        (
            3,
            (f"{RELAY}; dmarc=fail header.from=acme.test", PASS),
            "the Authentication-Results of relay.acme.test shows no pass for acme.test "
            "(dmarc=fail)",
        ),
    ]
    for number, results, why in forged:
        await send(port, reply(number, *results))
        kept = inbound(session, f"<a{number}@x>")
        assert (kept.status, kept.case_id) == ("kept", None)
        assert (
            kept.reason == f"ada@acme.test wrote about ZSU-000001 but is not authenticated: {why}"
        )
    await send(port, reply(4, "mx2.acme.test; none", PASS))
    assert inbound(session, "<a4@x>").status == "noted"
    case = (await api.get(f"/cases/{case_id}", headers=tokens("engineer"))).json()
    assert [n["text"] for n in case["notes"] if n["actor"] == "email:ada@acme.test"] == [
        "e-mail from ada@acme.test: Still."
    ]


async def test_over_http_too(trusting_api: httpx.AsyncClient, tokens: TokenFactory) -> None:
    engineer = {**tokens("engineer"), "Content-Type": "message/rfc822"}
    first = mail("ada@acme.test", "Phones reboot", "Hourly.", "<b0@acme.test>")
    opened = await trusting_api.post("/intake/email", content=first.as_bytes(), headers=engineer)
    assert opened.status_code == 201, opened.text
    kept = await trusting_api.post("/intake/email", content=reply(5).as_bytes(), headers=engineer)
    assert (kept.status_code, kept.json()["status"]) == (202, "kept"), kept.text
    assert "is not authenticated" in kept.json()["reason"]
    noted = await trusting_api.post(
        "/intake/email", content=reply(6, PASS).as_bytes(), headers=engineer
    )
    assert noted.status_code == 200, noted.text
    assert noted.json()["notes"][-1]["text"] == "e-mail from ada@acme.test: Still."
