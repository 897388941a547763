"""`/livez` and `/readyz` (a real dev server's pollers: tests/api/test_bounded_calls.py)."""

from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from escalator.infra.db import engine_from_url
from escalator.infra.settings import Settings


async def test_live_and_ready_on_a_migrated_database(api: httpx.AsyncClient) -> None:
    live = await api.get("/livez")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200
    # The time-skipping test server cannot say who polls.
    assert ready.json() == {"namespace": "ok", "schema": "ok", "worker": "unknown"}


async def test_not_ready_while_the_database_is_not_migrated(
    temporal_env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    engine = engine_from_url(f"sqlite:///{tmp_path / 'empty.db'}")
    app = create_app(settings, engine=engine, client=temporal_env.client)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                ready = await client.get("/readyz")
                live = await client.get("/livez")
    finally:
        engine.dispose()
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    assert ready.json()["schema"] == "down" and ready.json()["namespace"] == "ok"
    assert live.status_code == 200  # alive all the same: restarting would not migrate it
