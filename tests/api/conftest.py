"""An API client wired to the time-skipping server, a test worker and a SQLite read model."""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import Role, issue_api_key
from escalator.settings import Settings

# `tokens("partner", "acme")` -> {"Authorization": "Bearer ..."}
TokenFactory = Callable[..., dict[str, str]]


@pytest.fixture
async def api(
    temporal_env: WorkflowEnvironment, worker: Worker, engine: Engine, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=engine, client=temporal_env.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
def tokens(engine: Engine) -> TokenFactory:
    """Headers carrying a fresh API key of `role` (and `org` for partners), one key per pair."""
    issued: dict[tuple[Role, str | None], dict[str, str]] = {}

    def token(role: Role, org: str | None = None) -> dict[str, str]:
        if (role, org) not in issued:
            with Session(engine) as session:
                _row, secret = issue_api_key(session, role, f"{role}-{org or 'all'}", org)
            issued[role, org] = {"Authorization": f"Bearer {secret}"}
        return issued[role, org]

    return token
