"""The whole stack a bench runs against, each part a process of its own on 127.0.0.1: a
Temporal dev server (SQLite file, headless, a free port), an SMTP receiver, `escalator
worker` and `escalator api` (a free port) on a migrated SQLite database in a temporary
folder, with the example policies a bench names published and an engineer's API key."""

import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from api.auth import issue_api_key
from bench.processes import Process, spawn
from escalator.cli.stack import wait_for_http, wait_for_temporal
from escalator.infra.db import engine_from_url, migrate
from escalator.infra.temporal_server import dev_server_command
from escalator.policy_store import publish
from tests.receivers import Mailbox, free_port, smtp_server

ROOT = Path(__file__).resolve().parents[1]
PYTHON = [sys.executable, "-m"]


@dataclass
class Stack:
    folder: Path
    # Temporal's address, the API's base URL, and the environment the processes run with.
    address: str
    base: str
    env: dict[str, str]
    # An engineer's API key, as request headers.
    headers: dict[str, str]
    server: Process
    worker: Process
    api: Process
    mailbox: Mailbox
    # Every process started, stopped (last first) when the stack ends; a bench adds its own.
    processes: list[Process]


@asynccontextmanager
async def running_stack(
    policies: tuple[str, ...], prepare: Callable[[Session], None] | None = None
) -> AsyncIterator[Stack]:
    """The stack, once the API says it is ready; `prepare` writes what else the bench needs
    into the database before the worker and the API start."""
    with tempfile.TemporaryDirectory() as tmp, smtp_server() as (smtp_port, mailbox):
        folder = Path(tmp)
        port, api_port = free_port(), free_port()
        address = f"127.0.0.1:{port}"
        command = dev_server_command(db_file=folder / "temporal.db", port=port, ui_port=None)
        processes = [spawn("server", command, folder / "temporal.log")]
        try:
            await wait_for_temporal(address, "default")
            url = f"sqlite:///{folder / 'escalator.db'}"
            migrate(url)
            engine = engine_from_url(url)
            with Session(engine) as session:
                for name in policies:
                    publish(session, (ROOT / f"escalator/policies/{name}.yaml").read_text())
                _row, token = issue_api_key(session, "engineer", "bench", None)
                if prepare is not None:
                    prepare(session)
            engine.dispose()
            env = os.environ | {
                "PYTHONPATH": str(ROOT),
                "ESCALATOR_TEMPORAL_ADDRESS": address,
                "ESCALATOR_DATABASE_URL": url,
                "ESCALATOR_TASK_QUEUE": "bench-cases",
                "ESCALATOR_SMTP_HOST": "127.0.0.1",
                "ESCALATOR_SMTP_PORT": str(smtp_port),
                "ESCALATOR_WORKER_METRICS_ADDRESS": "",
                "ESCALATOR_LOG_LEVEL": "WARNING",
            }
            worker = spawn("worker", [*PYTHON, "escalator", "worker"], folder / "w.log", env)
            processes.append(worker)
            api_command = [*PYTHON, "escalator", "api", "--port", str(api_port)]
            api = spawn("api", api_command, folder / "api.log", env)
            processes.append(api)
            base = f"http://127.0.0.1:{api_port}"
            await asyncio.to_thread(wait_for_http, f"{base}/readyz", timeout=60)
            headers = {"Authorization": f"Bearer {token}"}
            yield Stack(
                folder, address, base, env, headers, processes[0], worker, api, mailbox, processes
            )
        finally:
            for process in reversed(processes):
                process.stop()
