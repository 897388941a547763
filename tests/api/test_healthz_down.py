"""`/healthz` answers 503 and names the part that is down."""

import httpx
from sqlmodel import create_engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from escalator.settings import Settings


async def _health(app_settings: Settings, **parts: object) -> httpx.Response:
    app = create_app(app_settings, **parts)  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get("/healthz")


async def test_database_down(temporal_env: WorkflowEnvironment, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A SQLite file inside a folder that does not exist cannot be opened.
    engine = create_engine(f"sqlite:///{tmp_path}/missing/folder/db.sqlite")
    response = await _health(Settings(), engine=engine, client=temporal_env.client)
    assert response.status_code == 503
    assert response.json() == {"temporal": "ok", "database": "down"}


async def test_temporal_down(engine) -> None:  # type: ignore[no-untyped-def]
    # Nothing listens on port 1 of the loopback address.
    client = await Client.connect("127.0.0.1:1", lazy=True)
    response = await _health(Settings(), engine=engine, client=client)
    assert response.status_code == 503
    assert response.json() == {"temporal": "down", "database": "ok"}
