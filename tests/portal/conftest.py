"""Pages over HTTP: the app on the time-skipping server with a worker, and people signed in
(each with a cookie jar of their own)."""

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from escalator import cases
from escalator.infra.settings import Settings
from models.case.resource import Case, CaseIntake
from models.tables.client_registry import AuthorisedContactRow
from tests.accounts import PASSWORD, add_person, email_of
from tests.policies import ZSUPPORT, store_policy_version

# `await person("grace", "engineer")`, `await person("ada", "partner", org="acme")`
Person = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def portal_app(
    temporal_env: WorkflowEnvironment, worker: Worker, engine: Engine, settings: Settings
) -> AsyncIterator[FastAPI]:
    with Session(engine) as session:
        store_policy_version(session, "zsupport", ZSUPPORT)
        session.add(AuthorisedContactRow(org="acme", email="ada@acme.test", name="Ada Admin"))
        session.commit()
    app = create_app(settings, engine=engine, client=temporal_env.client)
    async with app.router.lifespan_context(app):
        yield app


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
async def person(portal_app: FastAPI, engine: Engine) -> AsyncIterator[Person]:
    """A signed-in browser of a new account: its own cookies, following no redirects."""
    async with AsyncExitStack() as clients:

        async def signed_in(
            handle: str, role: str, org: str | None = None, time_zone: str = "UTC"
        ) -> httpx.AsyncClient:
            add_person(engine, handle, role, org, time_zone)
            transport = httpx.ASGITransport(app=portal_app, raise_app_exceptions=False)
            client = await clients.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://testserver")
            )
            form = await client.get("/sign-in")
            data = {
                "csrf_token": csrf(form),
                "email": email_of(handle, org),
                "password": PASSWORD,
                "next": "/",
            }
            signed = await client.post("/sign-in", data=data)
            assert signed.status_code == 303, signed.text
            return client

        yield signed_in


def zsupport_intake(**overrides: Any) -> CaseIntake:
    body: dict[str, Any] = {
        "policy": "zsupport",
        "plan": "managed",
        "org": "acme",
        "severity": "standard",
        "subject": "Voicemail greetings are silent",
        "description": "Since the upgrade, greetings play silence.",
        "contact": {"name": "Ada Admin", "email": "ada@acme.test"},
        "fields": {"software_version": "17.0.4"},
    }
    return CaseIntake.model_validate({**body, **overrides})


async def opened(
    temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings, **overrides: Any
) -> Case:
    """A case opened through the case service, as every door opens one."""
    done = await cases.open_case(
        temporal_env.client,
        engine,
        settings,
        zsupport_intake(**overrides),
        key=None,
        visible=None,
    )
    return done.case
