"""Portal accounts over HTTP: invitation, sign-in and out, throttling, CSRF, reset, disable."""

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.web_session import safe_next
from escalator.accounts import create_account, disable_account, issue_link
from escalator.accounts.links import usable_link
from escalator.infra.settings import Settings
from tests.receivers import Mailbox, smtp_server

PASSWORD = "correct horse battery"


@pytest.fixture
def mail() -> Iterator[tuple[int, Mailbox]]:
    with smtp_server() as relay:
        yield relay


@pytest.fixture
async def portal(
    temporal_env: WorkflowEnvironment,
    engine: Engine,
    settings: Settings,
    mail: tuple[int, Mailbox],
) -> AsyncIterator[httpx.AsyncClient]:
    relay = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mail[0]})
    app = create_app(relay, engine=engine, client=temporal_env.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def invited(engine: Engine, handle: str = "ada", role: str = "partner") -> str:
    with Session(engine) as session:
        account = create_account(
            session,
            handle=handle,
            email=f"{handle.title()}@Acme.test",
            name=f"{handle.title()} Lovelace",
            role=role,
            org="acme" if role == "partner" else None,
            time_zone="Europe/Rome",
        )
        return issue_link(session, account, "invite")


async def follow_link(portal: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    page = await portal.get(f"/account/link/{token}")
    assert page.status_code == 200, page.text
    return await portal.post(
        f"/account/link/{token}", data={"csrf_token": csrf(page), "password": password}
    )


async def sign_in(
    portal: httpx.AsyncClient, email: str, password: str, next_path: str = "/"
) -> httpx.Response:
    page = await portal.get("/sign-in", params={"next": next_path})
    data = {"csrf_token": csrf(page), "email": email, "password": password, "next": next_path}
    return await portal.post("/sign-in", data=data)


async def test_an_invited_person_chooses_a_password_once_then_signs_in_and_out(
    portal: httpx.AsyncClient, engine: Engine
) -> None:
    token = invited(engine)
    short = await follow_link(portal, token, "short")
    assert short.status_code == 422 and "at least 12 characters" in short.text
    chosen = await follow_link(portal, token, PASSWORD)
    assert chosen.status_code == 200 and "Your password is set" in chosen.text
    assert (await portal.get(f"/account/link/{token}")).status_code == 410

    signed = await sign_in(portal, "ADA@acme.test", PASSWORD, "/?tab=mine")
    assert signed.status_code == 303 and signed.headers["location"] == "/?tab=mine"
    cookie = signed.headers["set-cookie"]
    assert "escalator_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # the public URL is http://; see the HTTPS test
    home = await portal.get("/")
    assert home.status_code == 200
    assert "Ada Lovelace" in home.text and "partner" in home.text and "Europe/Rome" in home.text
    assert home.headers["cache-control"] == "no-store"

    out = await portal.post("/sign-out", data={"csrf_token": csrf(home)})
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    again = await portal.get("/")
    assert again.status_code == 303 and again.headers["location"] == "/sign-in?next=/"


async def test_signed_out_pages_redirect_to_sign_in_and_come_back(
    portal: httpx.AsyncClient, engine: Engine
) -> None:
    await follow_link(portal, invited(engine), PASSWORD)
    away = await portal.get("/", params={"q": "a b"})
    assert away.status_code == 303 and away.headers["location"] == "/sign-in?next=/%3Fq%3Da%2Bb"
    signed = await sign_in(portal, "ada@acme.test", PASSWORD, "/?q=a+b")
    assert signed.headers["location"] == "/?q=a+b"


def test_only_paths_of_this_site_are_followed_after_sign_in() -> None:
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example", "", None):
        assert safe_next(elsewhere) == "/"
    assert safe_next("/cases/case-1?tab=timeline") == "/cases/case-1?tab=timeline"


async def test_wrong_passwords_are_refused_then_throttled(
    portal: httpx.AsyncClient, engine: Engine
) -> None:
    await follow_link(portal, invited(engine), PASSWORD)
    for _ in range(5):
        refused = await sign_in(portal, "ada@acme.test", "not the password at all")
        assert refused.status_code == 401 and "Wrong e-mail or password" in refused.text
    held = await sign_in(portal, "ada@acme.test", PASSWORD)
    assert held.status_code == 429
    assert 1 <= int(held.headers["retry-after"]) <= 15 * 60
    # An unknown address gets the same refusal as a wrong password.
    unknown = await sign_in(portal, "nobody@acme.test", PASSWORD)
    assert unknown.status_code == 401 and "Wrong e-mail or password" in unknown.text


async def test_forms_without_their_token_are_refused(
    portal: httpx.AsyncClient, engine: Engine
) -> None:
    await follow_link(portal, invited(engine), PASSWORD)
    await portal.get("/sign-in")  # the page's cookie is set; the form's token is missing
    bare = await portal.post("/sign-in", data={"email": "ada@acme.test", "password": PASSWORD})
    assert bare.status_code == 403 and "security token" in bare.text
    forged = await portal.post(
        "/sign-in", data={"csrf_token": "forged", "email": "ada@acme.test", "password": PASSWORD}
    )
    assert forged.status_code == 403
    assert (await sign_in(portal, "ada@acme.test", PASSWORD)).status_code == 303
    # Signed in, a form carries the session's token, not the sign-in page's.
    out = await portal.post("/sign-out", data={"csrf_token": portal.cookies["escalator_form"]})
    assert out.status_code == 403
    assert (await portal.get("/")).status_code == 200


async def test_a_forgotten_password_is_reset_by_a_mailed_link(
    portal: httpx.AsyncClient, engine: Engine, mail: tuple[int, Mailbox]
) -> None:
    _, mailbox = mail
    await follow_link(portal, invited(engine), PASSWORD)
    for address in ("ada@acme.test", "nobody@acme.test"):
        page = await portal.get("/account/forgot")
        sent = await portal.post(
            "/account/forgot", data={"csrf_token": csrf(page), "email": address}
        )
        # The same answer for an address without an account: nobody learns who has one.
        assert sent.status_code == 200 and "is on its way" in sent.text
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == "ada@acme.test"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    link = re.search(r"/account/link/([\w-]+)", body.decode())
    assert link
    assert (await follow_link(portal, link.group(1), "a brand new passphrase")).status_code == 200
    assert (await sign_in(portal, "ada@acme.test", PASSWORD)).status_code == 401
    assert (await sign_in(portal, "ada@acme.test", "a brand new passphrase")).status_code == 303


async def test_disabling_an_account_ends_its_sessions_at_once(
    portal: httpx.AsyncClient, engine: Engine
) -> None:
    await follow_link(portal, invited(engine, "eve", "engineer"), PASSWORD)
    assert (await sign_in(portal, "eve@acme.test", PASSWORD)).status_code == 303
    assert (await portal.get("/")).status_code == 200
    with Session(engine) as session:
        disable_account(session, "eve")
    assert (await portal.get("/")).status_code == 303
    assert (await sign_in(portal, "eve@acme.test", PASSWORD)).status_code == 401


async def test_links_expire(engine: Engine) -> None:
    token = invited(engine)
    with Session(engine) as session:
        week = datetime.now(UTC) + timedelta(days=7)
        assert usable_link(session, token, week - timedelta(minutes=1)) is not None
        assert usable_link(session, token, week + timedelta(minutes=1)) is None


async def test_behind_https_the_session_cookie_is_secure(
    temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    https = settings.model_copy(update={"public_url": "https://support.example"})
    app = create_app(https, engine=engine, client=temporal_env.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as portal:
            await follow_link(portal, invited(engine), PASSWORD)
            signed = await sign_in(portal, "ada@acme.test", PASSWORD)
    assert "Secure" in signed.headers["set-cookie"]
