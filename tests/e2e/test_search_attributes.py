"""Cases carry Temporal search attributes kept current by the workflow, so `temporal workflow
list --query` and the Temporal UI find a case by its ticket number, assignee or status; a
worker on a namespace without them waits instead of starting cases that cannot upsert."""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from escalator.infra.temporal_server import dev_server_command, temporal_cli
from models.case.search_attributes import CASE_SEARCH_ATTRIBUTES
from tests.api.test_bounded_calls import INTAKE
from tests.live_stack import ROOT, live_stack
from tests.receivers import free_port


async def listed(address: str, query: str, *, want: int, wait: float = 20) -> list[str]:
    """Workflow ids `temporal workflow list --query` prints, once it prints `want` of them
    (visibility is eventually consistent), or what it prints at the deadline."""
    deadline = time.monotonic() + wait
    while True:
        done = await asyncio.to_thread(
            subprocess.run,
            [temporal_cli(), "workflow", "list", "--address", address, "-q", query, "-o", "json"],
            capture_output=True,
            text=True,
            check=True,
        )
        ids = [row["execution"]["workflowId"] for row in json.loads(done.stdout or "[]")]
        if len(ids) >= want or time.monotonic() > deadline:
            return ids
        await asyncio.sleep(0.25)


async def test_the_cli_finds_a_case_by_ticket_number_assignee_status_and_breach() -> None:
    async with live_stack() as stack:
        stack.publish(ROOT / "escalator" / "policies" / "zsupport.yaml")
        engineer = stack.headers("engineer")
        stack.engineers("grace")
        address = stack.settings.temporal_address
        async with stack.worker():
            opened = await stack.api.post("/cases", json=INTAKE, headers=engineer)
            assert opened.status_code == 201, opened.text
            case: dict[str, Any] = opened.json()
            other = await stack.api.post("/cases", json=INTAKE, headers=engineer)
            assert other.status_code == 201, other.text
            ticket = case["ticket_number"]
            assert await listed(address, f'TicketNumber="{ticket}"', want=1) == [case["id"]]
            both = await listed(address, 'Organisation="acme" AND Policy="zsupport"', want=2)
            assert sorted(both) == sorted([case["id"], other.json()["id"]])
            assigned = await stack.api.post(
                f"/cases/{case['id']}/assign", json={"engineer": "grace"}, headers=engineer
            )
            assert assigned.status_code == 200, assigned.text
            query = 'Assignee="grace" AND CaseStatus="assigned" AND Severity="standard"'
            assert await listed(address, query, want=1) == [case["id"]]
            # Nothing breached yet (the first target is hours away).
            assert await listed(address, "Breached=true", want=1, wait=1) == []
            assert len(await listed(address, "Breached=false", want=2)) == 2


def test_a_worker_waits_for_the_search_attributes_then_polls(tmp_path: Path) -> None:
    port = free_port()
    command = dev_server_command(
        db_file=tmp_path / "temporal.db", port=port, ui_port=None, search_attributes=False
    )
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"127.0.0.1:{port}"
    environment = {
        **os.environ,
        "ESCALATOR_TEMPORAL_ADDRESS": address,
        "ESCALATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'escalator.db'}",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    try:
        with log.open("w") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "escalator", "worker"],
                env=environment,
                stdout=out,
                stderr=out,
            )
        try:
            until(log, "waiting for search attributes", worker)
            assert "TicketNumber=Keyword" in log.read_text()
            assert "Breached=Bool" in log.read_text()
            assert "worker polling" not in log.read_text()
            create = [temporal_cli(), "operator", "search-attribute", "create"]
            for name, kind in CASE_SEARCH_ATTRIBUTES.items():
                create += ["--name", name, "--type", kind]
            subprocess.run([*create, "--address", address], check=True, capture_output=True)
            until(log, "worker polling task queue", worker)
        finally:
            worker.terminate()
            worker.wait(30)
        assert worker.returncode == 0, log.read_text()
    finally:
        server.terminate()
        server.wait(10)


def until(log: Path, text: str, process: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + 60
    while text not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.25)
