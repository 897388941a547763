"""An HTTP client on the app alone (the registry's routes need the database, never
Temporal), and what the registry's API tests share."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import Engine
from temporalio.client import Client

from api.app import create_app
from escalator.infra.settings import Settings

ACME = {
    "id": "acme",
    "name": "Acme Corp",
    "time_zone": "America/Denver",
    "holidays_country": "US",
    "holidays_subdivision": "CO",
}
CONTRACT = {
    "reference": "SSC-1",
    "plan": "premium",
    "starts_at": "2026-01-01T00:00:00-07:00",
    "expires_at": "2027-01-01T00:00:00-07:00",
    "monthly_fee": "1500.00",
    "currency": "USD",
}


@asynccontextmanager
async def registry_client(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    # Nothing listens on port 1: no registry route calls Temporal.
    temporal = await Client.connect("127.0.0.1:1", lazy=True)
    app = create_app(Settings(), engine=engine, client=temporal)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def answer(response: httpx.Response, status: int) -> Any:
    """The JSON of a response that must have `status` (its body shown when it has not)."""
    assert response.status_code == status, response.text
    return response.json()
