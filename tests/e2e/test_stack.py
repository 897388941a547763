"""`escalator up` end to end: real dev server, worker and API; a case survives a restart."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from escalator.infra.temporal_server import temporal_cli
from tests.receivers import free_port


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# The inbound SMTP listener on a free port too, so a `make run` on this machine does not clash.
SMTP_PORT = str(free_port())


def stack_env() -> dict[str, str]:
    """This environment without ESCALATOR_ variables (the stack runs on its defaults), but for
    the SMTP listener's port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESCALATOR_")}
    return env | {"ESCALATOR_SMTP_LISTEN_PORT": SMTP_PORT}


def create_token(workdir: Path, role: str) -> str:
    """`escalator apikey create` as an operator runs it, in the stack's folder (its var/)."""
    created = subprocess.run(
        [sys.executable, "-m", "escalator", "apikey", "create", "--role", role, "--name", "e2e"],
        cwd=workdir,
        env=stack_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip()


class RunningStack:
    def __init__(self, workdir: Path, api_port: int, temporal_port: int) -> None:
        self.address = f"127.0.0.1:{temporal_port}"
        self.base = f"http://127.0.0.1:{api_port}"
        command = [sys.executable, "-m", "escalator", "up", "--headless"]
        command += ["--port", str(api_port), "--temporal-port", str(temporal_port)]
        self.process = subprocess.Popen(
            command,
            cwd=workdir,
            env=stack_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        deadline = time.monotonic() + 120
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError(f"escalator up exited early:\n{''.join(self.output)}")
            self.output.append(line)
            if "Press Ctrl-C" in line:
                return
        raise AssertionError(f"escalator up did not start:\n{''.join(self.output)}")

    def stop(self) -> set[int]:
        """Ctrl-C, as a person would; returns the processes that were running under it."""
        started = descendants(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        return started


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def test_up_serves_cases_that_survive_a_restart(workdir: Path) -> None:
    api_port, temporal_port = free_port(), free_port()
    stack = RunningStack(workdir, api_port, temporal_port)
    try:
        health = httpx.get(f"{stack.base}/healthz").json()
        assert health == {"temporal": "ok", "worker": "ok", "database": "ok"}
        assert httpx.get(f"{stack.base}/docs").status_code == 200
        assert httpx.get(f"{stack.base}/cases").status_code == 401
        # The database exists once the stack is up; the token works across the restart below.
        auth = {"Authorization": f"Bearer {create_token(workdir, 'engineer')}"}
        created = httpx.post(
            f"{stack.base}/cases",
            headers=auth,
            json={
                "policy": "zsupport",
                "plan": "managed",
                "org": "acme",
                "subject": "Phones reboot every hour",
                "description": "All handsets reboot on the hour.",
                "contact": {"name": "Ada Admin", "email": "ada@acme.test"},
            },
            timeout=30,
        )
        assert created.status_code == 201, created.text
        case = created.json()
        assert case["ticket_number"]
        listed = subprocess.run(
            [temporal_cli(), "workflow", "list", "-o", "json", "--address", stack.address],
            capture_output=True,
            text=True,
            check=True,
        )
        assert case["id"] in {run["execution"]["workflowId"] for run in json.loads(listed.stdout)}
    finally:
        children = stack.stop()
    assert stack.process.returncode == 0, "".join(stack.output)
    assert children, "escalator up started no processes"
    assert not [pid for pid in children if alive(pid)], "processes left behind after Ctrl-C"

    again = RunningStack(workdir, api_port, temporal_port)
    try:
        read = httpx.get(f"{again.base}/cases/{case['id']}", headers=auth, timeout=30)
        assert read.status_code == 200, read.text
        assert read.json()["ticket_number"] == case["ticket_number"]
        listed_again = httpx.get(f"{again.base}/cases", headers=auth).json()["items"]
        assert [item["id"] for item in listed_again] == [case["id"]]
    finally:
        again.stop()
