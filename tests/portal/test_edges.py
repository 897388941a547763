"""Input no page may answer with a 500: text a database cannot hold in the sign-in forms,
cursors past what a clock holds, digits that are no number, instants beyond year 9999.
On both databases: PostgreSQL refuses a NUL where SQLite stores it."""

import base64
import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from escalator.infra.settings import Settings
from tests.portal.conftest import Person, csrf, opened

# An instant with an offset that UTC cannot hold.
OVERFLOW = base64.urlsafe_b64encode(b"9999-12-31T23:59:59-14:00|case-1").decode()


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


async def anonymous_post(app: FastAPI, path: str, data: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        form = await client.get(path)
        return await client.post(path, data={"csrf_token": csrf(form), **data})


async def test_a_nul_in_an_address_is_a_wrong_address(portal_app: FastAPI) -> None:
    sign_in = {"email": "ada\x00@acme.test", "password": "whatever it is", "next": "/"}
    assert (await anonymous_post(portal_app, "/sign-in", sign_in)).status_code == 401
    forgot = await anonymous_post(portal_app, "/account/forgot", {"email": "ada\x00@acme.test"})
    assert forgot.status_code == 200


async def test_cursors_and_numbers_no_list_wrote_are_refused_by_name(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    grace = await person("grace", "engineer", time_zone="America/Denver")
    listed = await grace.get("/portal/cases", params={"cursor": OVERFLOW})
    assert listed.status_code == 422 and "cursor" in listed.text
    queued = await grace.get("/portal/queues/mine", params={"after": OVERFLOW})
    assert queued.status_code == 422 and "after:" in queued.text
    superscript = await grace.get(f"/portal/cases/{case.id}/attachments/\u00b2")
    assert superscript.status_code == 404

    ida = await person("ida", "auditor", time_zone="America/Denver")
    far = {"at": "9999-12-31T23:59:59", "offset": "-07:00"}
    as_of = await ida.get(f"/portal/cases/{case.id}/as-of", params=far)
    assert as_of.status_code == 422
    assert re.search(r'<li id="error-at">at: is beyond the instants a clock can hold', as_of.text)
