"""Opening cases: Escalator's CaseWorkflow against the bare Temporal stack, same machine.

Starts a real Temporal dev server (SQLite file in a temporary folder, headless, on
a free 127.0.0.1 port), then opens N cases as `POST /cases` does (start the
workflow, wait for the `intake_recorded` update: ticket allocated, contact
checked, row projected) with C in flight, and lets each finish its intake
e-mail and second projection. The baseline is `bench/bare_case.py`: the same
number of activities and the same update, doing nothing, on the same server
with the same worker settings.

    .venv/bin/python bench/case_throughput.py [--cases 200] [--concurrency 10]
"""

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session
from temporalio.worker import Worker

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bench.bare_case import BareCaseWorkflow, bare_step  # noqa: E402
from escalator.cli.stack import wait_for_temporal  # noqa: E402
from escalator.infra.db import engine_from_url, migrate  # noqa: E402
from escalator.infra.settings import Settings  # noqa: E402
from escalator.infra.temporal_client import connect  # noqa: E402
from escalator.infra.temporal_server import dev_server_command  # noqa: E402
from escalator.policy_store import publish  # noqa: E402
from models.case.resource import Case, CaseInput, CaseIntake  # noqa: E402
from tests.receivers import free_port  # noqa: E402
from worker import build_worker  # noqa: E402
from workflows.case import CaseWorkflow  # noqa: E402
from workflows.sandbox import workflow_runner  # noqa: E402

FIELDS = {
    "company_name": "Acme",
    "serial_numbers": "ZB-1 / ZA-2",
    "software_version": "17.0.4",
    "problem_description": "Calls drop after 30 s",
    "call_examples": "2026-11-20 10:02 x201 -> +1 303 555 0100",
    "internal_ticket_number": "ACME-1",
    "call_logs": "attached",
}


async def run_load(
    label: str, cases: int, concurrency: int, open_one: Callable[[int], Awaitable[None]]
) -> float:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(number: int) -> None:
        async with gate:
            begun = time.perf_counter()
            await open_one(number)
            latencies.append(time.perf_counter() - begun)

    begun = time.perf_counter()
    await asyncio.gather(*(one(number) for number in range(cases)))
    elapsed = time.perf_counter() - begun
    rate = cases / elapsed
    p50 = statistics.median(latencies) * 1000
    p95 = sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000
    print(f"  {label:<28} {rate:7.1f} cases/s   open p50 {p50:6.0f} ms   p95 {p95:6.0f} ms")
    return rate


async def bench(folder: Path, port: int, cases: int, concurrency: int) -> None:
    address = f"127.0.0.1:{port}"
    await wait_for_temporal(address, "default")
    client = await connect(Settings(temporal_address=address))
    url = f"sqlite:///{folder / 'escalator.db'}"
    migrate(url)
    engine = engine_from_url(url)
    settings = Settings(database_url=url, task_queue="bench-cases", smtp_host="")
    with Session(engine) as session:
        row = publish(session, (ROOT / "escalator" / "policies" / "zsupport.yaml").read_text())
    version, body = row.version, row.body

    async def open_case(number: int) -> None:
        case_id = f"case-{uuid.uuid4().hex[:20]}"
        intake = CaseIntake(
            policy="zsupport",
            plan="managed",
            org="acme",
            severity="standard",
            subject=f"Bench case {number}",
            description="Opened by bench/case_throughput.py",
            contact={"name": "Ada Admin", "email": "ada@acme.test", "phone": "+1 303"},
            fields=FIELDS,
        )
        handle = await client.start_workflow(
            CaseWorkflow.run,
            CaseInput(
                case_id=case_id,
                intake=intake,
                received_at=datetime.now(UTC),
                policy_version=version,
                policy=body,
            ),
            id=case_id,
            task_queue=settings.task_queue,
        )
        await handle.execute_update("intake_recorded", result_type=Case)

    async def open_bare(number: int) -> None:
        case_id = f"bare-{uuid.uuid4().hex[:20]}"
        handle = await client.start_workflow(
            BareCaseWorkflow.run, case_id, id=case_id, task_queue="bench-bare"
        )
        await handle.execute_update("intake_recorded", result_type=str)

    print(f"{cases} cases, {concurrency} in flight, dev server on SQLite (WAL):")
    with ThreadPoolExecutor(max_workers=16) as executor:
        async with Worker(
            client,
            task_queue="bench-bare",
            workflows=[BareCaseWorkflow],
            activities=[bare_step],
            workflow_runner=workflow_runner(),
        ):
            await open_bare(-1)  # warm up
            bare = await run_load("bare Temporal (5 no-ops)", cases, concurrency, open_bare)
        async with build_worker(client, engine, settings, executor):
            await open_case(-1)
            ours = await run_load("Escalator CaseWorkflow", cases, concurrency, open_case)
    print(f"  Escalator opens cases at {ours / bare:.0%} of the bare stack's rate")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = subprocess.Popen(
            dev_server_command(db_file=Path(folder) / "temporal.db", port=port, ui_port=None),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            asyncio.run(bench(Path(folder), port, args.cases, args.concurrency))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
