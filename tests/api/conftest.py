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
from escalator.infra.settings import Settings
from tests.temporal_servers import TemporalServers

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


@pytest.fixture
def read_model_url(database_url: str) -> str:
    """Every API and intake test runs on SQLite and on PostgreSQL."""
    return database_url


@pytest.fixture
async def temporal_env(temporal_servers: TemporalServers, database_url: str) -> WorkflowEnvironment:
    """A time-skipping server per database kind: a test opens cases whose ids follow from
    its input (a Message-ID, an alert's fingerprint), and the run on the other kind must
    not find them open already, on a task queue whose worker is gone."""
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    return await temporal_servers.get(f"api-{kind}")
