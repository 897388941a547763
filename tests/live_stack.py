"""A real Temporal dev server, the API served by uvicorn, and workers that tests start and stop.

For tests about what the time-skipping server cannot show: a worker that is gone, a
relay down for minutes, pollers, a worker keeping few workflows in its cache. Everything
listens on 127.0.0.1 on free ports and stops with the block.
"""

import asyncio
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.worker import Worker

from api.app import create_app
from api.auth import Role, issue_api_key
from escalator.cli.stack import wait_for_temporal
from escalator.infra.db import engine_from_url, migrate
from escalator.infra.settings import Settings
from escalator.infra.temporal_client import connect
from escalator.infra.temporal_server import dev_server_command
from escalator.policy_store import publish
from tests.accounts import add_engineers
from tests.api.served import serving
from tests.receivers import free_port
from worker import build_worker

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LiveStack:
    client: Client
    engine: Engine
    settings: Settings
    api: httpx.AsyncClient
    executor: ThreadPoolExecutor
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: Role, org: str | None = None) -> dict[str, str]:
        """A bearer token of `role` (a partner's of `org`), issued once per role."""
        name = f"{role}:{org or ''}"
        if name not in self.tokens:
            with Session(self.engine) as session:
                _row, self.tokens[name] = issue_api_key(session, role, name, org)
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def engineers(self, *handles: str) -> None:
        """Engineer accounts a case can be assigned to."""
        add_engineers(self.engine, *handles)

    def worker(self, **settings: Any) -> Worker:
        """A worker on the stack's task queue (`async with` it to run it)."""
        return build_worker(
            self.client, self.engine, self.settings.model_copy(update=settings), self.executor
        )

    def publish(self, *paths: Path) -> None:
        with Session(self.engine) as session:
            for path in paths:
                publish(session, path.read_text())


@asynccontextmanager
async def live_stack(**settings: Any) -> AsyncIterator[LiveStack]:
    """A dev server (SQLite file in a temporary folder) and the API on it; no worker yet."""
    folder = Path(tempfile.mkdtemp(prefix="escalator-live-"))
    port = free_port()
    log = (folder / "temporal.log").open("w")
    command = dev_server_command(db_file=folder / "temporal.db", port=port, ui_port=None)
    server = await asyncio.create_subprocess_exec(*command, stdout=log, stderr=subprocess.STDOUT)
    try:
        address = f"127.0.0.1:{port}"
        await wait_for_temporal(address, "default")
        client = await connect(Settings(temporal_address=address))
        url = f"sqlite:///{folder / 'escalator.db'}"
        migrate(url)
        engine = engine_from_url(url)
        values: dict[str, Any] = {
            "temporal_address": address,
            "database_url": url,
            "task_queue": f"live-{uuid.uuid4().hex[:8]}",
            "smtp_host": "",
        }
        config = Settings(**(values | settings))
        app = create_app(config, engine=engine, client=client)
        with ThreadPoolExecutor(max_workers=16) as executor:
            async with (
                serving(app) as base,
                httpx.AsyncClient(base_url=base, timeout=120) as api,
            ):
                yield LiveStack(client, engine, config, api, executor)
        engine.dispose()
    finally:
        server.terminate()
        try:
            await asyncio.wait_for(server.wait(), timeout=30)
        except TimeoutError:
            server.kill()
            await server.wait()
        log.close()
