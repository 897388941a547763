"""Many open cases on the embedded stack (`escalator up`): memory, late timers, lists, disk.

Starts `escalator up --headless` in a temporary folder (its own SQLite read model and
Temporal dev server file, free 127.0.0.1 ports) with ESCALATOR_WORKER_CACHE_SIZE=--cache,
publishes a copy of the ProTelecom policy (`benchscale`) whose Premier Plus (24x7)
system-down response target is --target minutes, and opens --cases cases through
`POST /cases`, --concurrency in flight. Each case's response warning (at 75 %) and breach
timers fall due that long after it opened (by default, after the bench has opened the last
case, so the timers are not queued behind the opening load; the lateness of those due
before and after it is printed apart): by then the cases opened since
have pushed it out of the worker's cache, so its timers wake a replay of its history.

It prints the open rate; the worker's resident memory (now and at its peak); how late the
timers of sampled cases acted, from the instant each was set to fire to the end of the
workflow task that acted on it (from their histories); `GET /cases` latencies over the
whole read model (first page, a filter, a text search, 20 pages deep); the Temporal
server's database size per case; and that nothing was lost (every case listed, ticketed).

    .venv/bin/python bench/open_cases.py [--cases 100000] [--cache 1000] [--target MINUTES]
"""

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from api.auth import issue_api_key  # noqa: E402
from bench.processes import Process  # noqa: E402
from escalator.cli.stack import wait_for_http  # noqa: E402
from escalator.infra.db import engine_from_url, migrate  # noqa: E402
from escalator.infra.settings import Settings  # noqa: E402
from escalator.infra.temporal_client import connect  # noqa: E402
from escalator.policy_store import publish  # noqa: E402
from tests.receivers import free_port  # noqa: E402

TIMER_SAMPLE = 200


def bench_policy(target_minutes: int) -> str:
    """ProTelecom with a short 24x7 response target, under a name of its own."""
    body = yaml.safe_load((ROOT / "escalator/policies/protelecom.yaml").read_text())
    body["name"] = "benchscale"
    body["plans"]["premier_plus"]["targets"]["system_down"] = {"response": f"{target_minutes}m"}
    return str(yaml.safe_dump(body, sort_keys=False))


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def open_cases(api: httpx.AsyncClient, count: int, concurrency: int) -> list[str]:
    gate = asyncio.Semaphore(concurrency)
    ids: list[str] = []
    failures: list[str] = []

    async def one(number: int) -> None:
        async with gate:
            response = await api.post(
                "/cases",
                json={
                    "policy": "benchscale",
                    "plan": "premier_plus",
                    "org": f"org{number % 50:02d}",
                    "severity": "system_down",
                    "subject": f"Room {number} cannot call out",
                    "description": "Opened by bench/open_cases.py",
                    "contact": {"name": "Ada Admin", "email": "ada@acme.test"},
                },
            )
            if response.status_code != 201:
                failures.append(f"{response.status_code} {response.text[:200]}")
                return
            ids.append(str(response.json()["id"]))
            if len(ids) % 5000 == 0:
                print(f"    {len(ids)} opened", flush=True)

    await asyncio.gather(*(one(number) for number in range(count)))
    if failures:
        print(f"  {len(failures)} opens failed, first: {failures[0]}")
    return ids


async def timer_lateness(
    client: Client, ids: list[str], quiet_from: datetime
) -> tuple[list[float], list[float]]:
    """Seconds from each fired timer's due instant to the end of the workflow task that acted
    on it: of the timers due while cases were still being opened, and of those due after."""
    busy: list[float] = []
    quiet: list[float] = []
    for case_id in ids:
        history = await client.get_workflow_handle(case_id).fetch_history()
        events = list(history.events)
        due: dict[int, datetime] = {}
        for index, event in enumerate(events):
            if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
                timeout = event.timer_started_event_attributes.start_to_fire_timeout
                due[event.event_id] = event.event_time.ToDatetime(UTC) + timeout.ToTimedelta()
            elif event.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
                started = event.timer_fired_event_attributes.started_event_id
                acted = next(
                    (
                        later.event_time.ToDatetime(UTC)
                        for later in events[index + 1 :]
                        if later.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
                    ),
                    None,
                )
                if acted is not None and started in due:
                    late = (acted - due[started]).total_seconds()
                    (quiet if due[started] >= quiet_from else busy).append(late)
    return busy, quiet


def lateness_line(label: str, late: list[float]) -> str:
    if not late:
        return f"  {label}: none"
    return (
        f"  {label}: {len(late)}, late p50 {statistics.median(late):.2f} s,"
        f" p99 {percentile(late, 0.99):.2f} s, max {max(late):.2f} s"
    )


async def list_latencies(api: httpx.AsyncClient) -> dict[str, list[float]]:
    queries: dict[str, dict[str, str]] = {
        "newest page": {},
        "one organisation": {"org": "org07"},
        "breached": {"breached": "true"},
        "text search": {"q": "Room 4242"},
    }
    timings: dict[str, list[float]] = {}
    for label, params in queries.items():
        timings[label] = []
        for _ in range(40):
            begun = time.perf_counter()
            (await api.get("/cases", params=params)).raise_for_status()
            timings[label].append((time.perf_counter() - begun) * 1000)
    deep, cursor = [], None
    for _ in range(20):
        begun = time.perf_counter()
        page = (await api.get("/cases", params={"cursor": cursor} if cursor else {})).json()
        deep.append((time.perf_counter() - begun) * 1000)
        cursor = page["next_cursor"]
    timings["20 pages deep, each"] = deep
    return timings


async def listed(api: httpx.AsyncClient, ids: list[str]) -> list[str]:
    seen: dict[str, Any] = {}
    cursor: str | None = None
    while True:
        params = {"limit": "200"} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/cases", params=params)).raise_for_status().json()
        seen |= {case["id"]: case for case in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    return [i for i in ids if i not in seen or not seen[i].get("ticket_number")]


def start_stack(args: argparse.Namespace, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`escalator up` on free ports, its database holding the bench policy; and a key."""
    url = f"sqlite:///{folder / 'escalator.db'}"
    migrate(url)
    engine = engine_from_url(url)
    with Session(engine) as session:
        publish(session, bench_policy(args.target))
        _row, token = issue_api_key(session, "engineer", "bench", None)
    engine.dispose()
    env = os.environ | {
        "ESCALATOR_VAR_DIR": str(folder),
        "ESCALATOR_DATABASE_URL": url,
        "ESCALATOR_WORKER_CACHE_SIZE": str(args.cache),
        "ESCALATOR_SMTP_HOST": "",
        "ESCALATOR_SMTP_LISTEN_PORT": str(free_port()),
        "ESCALATOR_WORKER_METRICS_ADDRESS": f"127.0.0.1:{free_port()}",
        "ESCALATOR_LOG_LEVEL": "WARNING",
    }
    up = [sys.executable, "-m", "escalator", "up", "--headless"]
    ports = ["--port", str(args.api_port), "--temporal-port", str(args.temporal_port)]
    stack = subprocess.Popen([*up, *ports], env=env, stdout=subprocess.DEVNULL, cwd=folder)
    return stack, token


async def measure(args: argparse.Namespace, stack_pid: int, token: str) -> list[str]:
    """Open the cases, wait for their timers, and read what they cost; the ids opened."""
    base = f"http://127.0.0.1:{args.api_port}"
    await asyncio.to_thread(wait_for_http, f"{base}/readyz", 120)
    worker_pid = next(p for p in children(stack_pid) if "escalator worker" in command_line(p))
    worker = Process("worker", worker_pid)  # `escalator up` owns it; this reads its /proc
    client = await connect(Settings(temporal_address=f"127.0.0.1:{args.temporal_port}"))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as api:
        begun = time.perf_counter()
        ids = await open_cases(api, args.cases, args.concurrency)
        seconds = time.perf_counter() - begun
        opened_by = datetime.now(UTC)
        print(f"  opened {len(ids)} cases in {seconds:.0f} s: {len(ids) / seconds:.1f}/s")
        # The last case's breach falls due `target` minutes after it opened.
        await asyncio.sleep(args.target * 60 + 20)
        rss, peak = worker.rss(), worker.peak_rss()
        print(
            f"  worker memory with a cache of {args.cache}: {rss / 2**20:.0f} MiB now,"
            f" {peak / 2**20:.0f} MiB at its peak ({rss / max(1, len(ids)) / 1024:.1f} KiB"
            " per open case)"
        )
        # Cases opened more than `cache` cases before the last: out of the cache by then.
        cold = ids[: max(1, len(ids) - args.cache)]
        step = max(1, len(cold) // TIMER_SAMPLE)
        sample = cold[::step][:TIMER_SAMPLE]
        busy, quiet = await timer_lateness(client, sample, opened_by)
        print(f"  timers of {len(sample)} cases out of the cache when they fired (goal p99 < 2 s):")
        print(lateness_line("due while cases were still being opened", busy))
        print(lateness_line("due after the last case was opened", quiet))
        for label, values in (await list_latencies(api)).items():
            print(
                f"  GET /cases {label:<20} p50 {statistics.median(values):6.1f} ms,"
                f" p99 {percentile(values, 0.99):6.1f} ms"
            )
        lost = await listed(api, ids)
    print(f"  nothing lost (listed with a ticket): {'yes' if not lost else lost[:5]}")
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--cache", type=int, default=1000)
    parser.add_argument(
        "--target",
        type=int,
        default=None,
        help="response target in minutes (default: long enough that the first warning, at 75 %%,"
        " falls after the last case opens at 10 cases/s)",
    )
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    if args.target is None:
        # The first warning (at 75 %) after the last open, at 10 cases/s.
        args.target = math.ceil(args.cases / 10 / 60 / 0.75) + 1
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {args.cases} cases on"
        f" `escalator up`, worker cache {args.cache}, response target {args.target} min"
    )
    args.api_port, args.temporal_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        stack, token = start_stack(args, folder)
        try:
            ids = asyncio.run(measure(args, stack.pid, token))
            size = sum(f.stat().st_size for f in folder.glob("temporal.db*"))
            print(
                f"  Temporal server database: {size / 2**20:.0f} MiB,"
                f" {size / max(1, len(ids)) / 1024:.1f} KiB per case"
            )
        finally:
            stack.terminate()
            stack.wait(timeout=60)


if __name__ == "__main__":
    main()
