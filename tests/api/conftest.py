"""An API client wired to the time-skipping server, a test worker and a SQLite read model;
what the e-mail intake tests share (the registry they write as, an SMTP listener)."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import Role, issue_api_key
from escalator.infra.settings import Settings
from escalator.intake.mail import MailIntake
from escalator.smtp_listener import start_listener
from models.tables.client_registry import AuthorisedContactRow
from tests.policies import ZSUPPORT, store_policy_version
from tests.receivers import free_port
from tests.temporal_servers import TemporalServers

# `tokens("partner", "acme")` -> {"Authorization": "Bearer ..."}
TokenFactory = Callable[..., dict[str, str]]
# A listener with these settings' changes; answers its port.
Listener = Callable[..., Awaitable[int]]


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


@pytest.fixture
def registry(session: Session) -> None:
    """The policy zsupport and acme's contact Ada Admin (ada@acme.test), whom e-mail comes from.

    Not autouse: a module asks for it with `pytestmark = pytest.mark.usefixtures("registry")`;
    one that needs other policies or contacts defines its own `registry`.
    """
    store_policy_version(session, "zsupport", ZSUPPORT)
    session.add(AuthorisedContactRow(org="acme", email="ada@acme.test", name="Ada Admin"))
    session.commit()


@pytest.fixture
async def listener(
    temporal_env: WorkflowEnvironment, worker: Worker, engine: Engine, settings: Settings
) -> AsyncIterator[Listener]:
    """Starts SMTP listeners on free local ports, in this test's event loop; closed afterwards."""
    servers: list[asyncio.Server] = []

    async def start(**changes: object) -> int:
        port = free_port()
        intake = MailIntake(engine, temporal_env.client, settings.model_copy(update=changes))
        servers.append(await start_listener(intake, "127.0.0.1", port, settings.email_max_bytes))
        return port

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()
