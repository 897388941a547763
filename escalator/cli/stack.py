"""`escalator up`: Temporal dev server, worker and API as child processes of one command.

Children run in their own sessions so a terminal's Ctrl-C reaches only this
supervisor, which then stops them in reverse order; on Linux each child also
gets SIGTERM if the supervisor itself dies, so nothing is left behind.
"""

import asyncio
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from escalator.cli.bootstrap import prepare_database
from escalator.infra.settings import Settings
from escalator.infra.temporal_client import connect_when_ready
from escalator.infra.temporal_server import dev_server_command


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


class Stack:
    def __init__(self, settings: Settings, *, api_port: int, temporal_port: int, headless: bool):
        self.settings = settings
        self.api_port = api_port
        self.temporal_port = temporal_port
        self.headless = headless
        self.children: list[Child] = []
        self.var = settings.var_dir.resolve()

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["ESCALATOR_TEMPORAL_ADDRESS"] = self.temporal_address
        env["ESCALATOR_API_PORT"] = str(self.api_port)
        env["ESCALATOR_DATABASE_URL"] = self.settings.database_url
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def spawn(self, name: str, command: list[str]) -> Child:
        log = open(self.var / f"{name}.log", "ab")
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.child_env(),
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        child = Child(name, process)
        self.children.append(child)
        return child

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM each child, newest first; SIGKILL whatever is still alive after `timeout`."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        self.children.clear()


async def wait_for_temporal(address: str, namespace: str, timeout: float = 60.0) -> None:
    # The embedded server is plain local Temporal, whatever TLS the environment names.
    local = Settings(temporal_address=address, temporal_namespace=namespace, temporal_tls=False)
    await connect_when_ready(local, timeout=timeout)


def wait_for_http(
    url: str, timeout: float = 60.0, alive: Callable[[], bool] = lambda: True
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def run_stack(settings: Settings, *, api_port: int, temporal_port: int, headless: bool) -> int:
    """Start everything, print the URLs, and run until Ctrl-C, SIGTERM or a child's death."""
    stack = Stack(settings, api_port=api_port, temporal_port=temporal_port, headless=headless)
    stack.var.mkdir(parents=True, exist_ok=True)
    stopping = False

    def _on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    ui_port = None if headless else temporal_port + 1000
    try:
        prepare_database(settings)
        stack.spawn(
            "temporal",
            dev_server_command(
                db_file=stack.var / "temporal.db",
                port=temporal_port,
                ui_port=ui_port,
                namespace=settings.temporal_namespace,
            ),
        )
        asyncio.run(wait_for_temporal(stack.temporal_address, settings.temporal_namespace))
        escalator = [sys.executable, "-m", "escalator"]
        stack.spawn("worker", [*escalator, "worker"])
        stack.spawn("smtp", [*escalator, "smtp"])
        api = stack.spawn("api", [*escalator, "api", "--port", str(api_port)])
        base = f"http://127.0.0.1:{api_port}"
        wait_for_http(f"{base}/healthz", alive=lambda: api.process.poll() is None)
        print(f"Escalator API       {base}  (docs: {base}/docs)")
        if ui_port is not None:
            print(f"Temporal UI         http://127.0.0.1:{ui_port}")
        print(f"Temporal frontend   {stack.temporal_address}")
        smtp = f"{settings.smtp_listen_host}:{settings.smtp_listen_port}"
        print(f"Inbound SMTP        {smtp}")
        print(f"Logs                {stack.var}/*.log")
        print("Press Ctrl-C to stop.", flush=True)
        while not stopping:
            dead = [c for c in stack.children if c.process.poll() is not None]
            if dead:
                print(f"{dead[0].name} exited with {dead[0].process.returncode}; stopping")
                return 1
            time.sleep(0.2)
        return 0
    except RuntimeError as error:
        print(f"escalator up: {error}", file=sys.stderr)
        return 1
    finally:
        print("stopping ...", flush=True)
        stack.stop()
        print("stopped", flush=True)
