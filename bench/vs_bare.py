"""Escalator against the bare Temporal stack, on one dev server in one run: what a case costs.

Starts a Temporal dev server (SQLite file, headless, a free 127.0.0.1 port), an SMTP
receiver, and three processes on it: the bare baseline's worker (bench/bare_worker.py),
Escalator's worker and its API (`escalator worker`, `escalator api`). Then, for each
stack in turn, with C in flight:

- opens N cases: bare, `start_workflow` plus the `intake_recorded` Update (after three of
  its five no-op activities); Escalator, `POST /cases` (ticket, registry, row,
  acknowledgement e-mail);
- takes three steps on each: bare, three plain Updates; Escalator, `acknowledge` and two
  `add-note`s through the API;

waiting after each phase until the processes fall quiet, so trailing work is counted.
Then, one at a time (latency without queueing), 20 opens (bare: a start and one Update
answered at once, the least a case could cost) and 20 notes (bare: one plain Update).
It prints rates, latencies, CPU per case of the server and of each worker (from /proc),
worker memory per cached case, history events and bytes per case, and each ratio. Last it
checks nothing was lost: every case opened is listed, has its ticket, its acknowledgement
e-mail and the engineer's acknowledgement.

    .venv/bin/python bench/vs_bare.py [--cases 200] [--concurrency 10] [--runs 3]
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from temporalio.client import Client

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bench.bare_case import BareCaseWorkflow  # noqa: E402
from bench.processes import Process, quiet, spawn  # noqa: E402
from bench.stack import PYTHON, running_stack  # noqa: E402
from escalator.infra.settings import Settings  # noqa: E402
from escalator.infra.temporal_client import connect  # noqa: E402
from models.case.steps import AddNote  # noqa: E402
from tests.receivers import Mailbox  # noqa: E402

FIELDS = {
    "company_name": "Acme",
    "serial_numbers": "ZB-1 / ZA-2",
    "software_version": "17.0.4",
    "problem_description": "Calls drop after 30 s",
    "call_examples": "2026-11-20 10:02 x201 -> +1 303 555 0100",
    "internal_ticket_number": "ACME-1",
    "call_logs": "attached",
}
BARE_QUEUE = "bench-bare"
STEPS: tuple[tuple[str, dict[str, str]], ...] = (
    ("acknowledge", {}),
    ("add-note", {"text": "looked at"}),
    ("add-note", {"text": "more"}),
)
HISTORY_SAMPLE = 5
# Opens and steps timed one at a time, for latency without queueing.
ALONE = 20


@dataclass
class Phase:
    """One load on one stack: its latencies and what each process spent on it."""

    count: int
    seconds: float
    latencies: list[float]
    cpu: dict[str, float] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def p(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * share) - 1)] * 1000

    def cpu_ms(self, name: str) -> float:
        return self.cpu[name] / self.count * 1000


async def timed_load(
    items: list[str], concurrency: int, one: Callable[[str], Awaitable[None]]
) -> tuple[float, list[float]]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def timed(item: str) -> None:
        async with gate:
            begun = time.perf_counter()
            await one(item)
            latencies.append(time.perf_counter() - begun)

    begun = time.perf_counter()
    await asyncio.gather(*(timed(item) for item in items))
    return time.perf_counter() - begun, latencies


async def measured(
    processes: list[Process],
    items: list[str],
    concurrency: int,
    one: Callable[[str], Awaitable[None]],
) -> Phase:
    """Run the load, wait for quiet, and charge each process's CPU and memory to it."""
    cpu = {p.name: p.cpu() for p in processes}
    rss = {p.name: p.rss() for p in processes}
    seconds, latencies = await timed_load(items, concurrency, one)
    await asyncio.to_thread(quiet, processes)
    phase = Phase(len(items), seconds, latencies)
    phase.cpu = {p.name: p.cpu() - cpu[p.name] for p in processes}
    phase.rss = {p.name: p.rss() - rss[p.name] for p in processes}
    return phase


async def history_size(client: Client, ids: list[str]) -> tuple[float, float]:
    """Mean events and JSON bytes of these workflows' histories (their current runs): the
    first cases opened, which took their three steps and one more note alone."""
    events, size = [], []
    for workflow_id in ids[:HISTORY_SAMPLE]:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        events.append(len(history.events))
        size.append(len(history.to_json()))
    return statistics.mean(events), statistics.mean(size)


@dataclass
class Stack:
    client: Client
    api: httpx.AsyncClient
    server: Process
    bare: Process
    worker: Process
    api_process: Process
    mailbox: Mailbox


@dataclass
class Run:
    """One stack's figures: under load (C in flight) and alone (one at a time)."""

    worker: str
    opened: Phase
    stepped: Phase
    open_alone: Phase
    step_alone: Phase
    events: float
    size: float
    lost: list[str] = field(default_factory=list)
    # Escalator's note as a bare Update of its workflow (no HTTP, no API), one at a time.
    direct: Phase | None = None


def merged(parts: list[Phase]) -> Phase:
    total = Phase(0, 0.0, [])
    for part in parts:
        total.count += part.count
        total.seconds += part.seconds
        total.latencies += part.latencies
        for name, spent in part.cpu.items():
            total.cpu[name] = total.cpu.get(name, 0.0) + spent
    return total


async def drive(
    stack: Stack,
    worker: Process,
    cases: int,
    concurrency: int,
    open_one: Callable[[str], Awaitable[str]],
    step_one: Callable[[str, int], Awaitable[None]],
    open_alone_one: Callable[[str], Awaitable[str]] | None = None,
) -> tuple[list[str], Run]:
    """Open `cases` and take each step on each, C in flight; then ALONE of each one at a time."""
    watched = [stack.server, worker, stack.api_process]
    ids: list[str] = []

    async def opening(number: str) -> None:
        ids.append(await open_one(number))

    async def stepping(item: str) -> None:
        case_id, _, number = item.partition("#")
        await step_one(case_id, int(number))

    opened = await measured(watched, [str(n) for n in range(cases)], concurrency, opening)
    # A case's steps go in order; cases interleave.
    parts = []
    for number in range(len(STEPS)):
        items = [f"{case_id}#{number}" for case_id in ids]
        parts.append(await measured(watched, items, concurrency, stepping))
    alone: list[str] = []

    async def opening_alone(number: str) -> None:
        alone.append(await (open_alone_one or open_one)(number))

    open_alone = await measured(watched, [f"alone {n}" for n in range(ALONE)], 1, opening_alone)
    last = len(STEPS) - 1  # a step every case may take again and again (a note)
    step_items = [f"{case_id}#{last}" for case_id in ids[:ALONE]]
    steps_alone = await measured(watched, step_items, 1, stepping)
    events, size = await history_size(stack.client, ids)
    run = Run(worker.name, opened, merged(parts), open_alone, steps_alone, events, size)
    return ids, run


async def bare_run(stack: Stack, cases: int, concurrency: int) -> Run:
    client = stack.client

    async def open_one(_number: str) -> str:
        case_id = f"bare-{uuid.uuid4().hex[:20]}"
        handle = await client.start_workflow(
            BareCaseWorkflow.run, case_id, id=case_id, task_queue=BARE_QUEUE
        )
        _recorded = await handle.execute_update(BareCaseWorkflow.intake_recorded)
        return case_id

    async def open_quick(_number: str) -> str:
        """The least a case could cost its opener: a start and one Update answered at once."""
        case_id = f"bare-{uuid.uuid4().hex[:20]}"
        handle = await client.start_workflow(
            BareCaseWorkflow.run, case_id, id=case_id, task_queue=BARE_QUEUE
        )
        await handle.execute_update(BareCaseWorkflow.step, "opened")
        return case_id

    async def step_one(case_id: str, number: int) -> None:
        await client.get_workflow_handle(case_id).execute_update(BareCaseWorkflow.step, str(number))

    _ids, run = await drive(
        stack, stack.bare, cases, concurrency, open_one, step_one, open_alone_one=open_quick
    )
    return run


async def escalator_run(stack: Stack, cases: int, concurrency: int) -> Run:
    async def open_one(number: str) -> str:
        response = await stack.api.post(
            "/cases",
            json={
                "policy": "zsupport",
                "plan": "managed",
                "org": "acme",
                "severity": "standard",
                "subject": f"Bench case {number}",
                "description": "Opened by bench/vs_bare.py",
                "contact": {"name": "Ada Admin", "email": "ada@acme.test", "phone": "+1 303"},
                "fields": FIELDS,
            },
        )
        response.raise_for_status()
        return str(response.json()["id"])

    async def step_one(case_id: str, number: int) -> None:
        step, body = STEPS[number]
        response = await stack.api.post(f"/cases/{case_id}/{step}", json=body)
        response.raise_for_status()

    async def note_directly(case_id: str) -> None:
        note = AddNote(text="looked at directly", actor="engineer:bench")
        await stack.client.get_workflow_handle(case_id).execute_update("add-note", note)

    ids, run = await drive(stack, stack.worker, cases, concurrency, open_one, step_one)
    watched = [stack.server, stack.worker, stack.api_process]
    run.direct = await measured(watched, ids[:ALONE], 1, note_directly)
    run.lost = await nothing_lost(stack, ids)
    return run


async def nothing_lost(stack: Stack, ids: list[str]) -> list[str]:
    """What the run lost: cases not listed, without a ticket, an acknowledgement e-mail or
    the engineer's acknowledgement. Empty when nothing was."""
    listed: dict[str, dict[str, object]] = {}
    cursor: str | None = None
    while True:
        params = {"limit": "200"} | ({"cursor": cursor} if cursor else {})
        page = (await stack.api.get("/cases", params=params)).raise_for_status().json()
        listed |= {case["id"]: case for case in page["items"]}
        cursor = page.get("next_cursor")
        if not cursor:
            break
    mailed = " ".join(str(message["Subject"]) for message in stack.mailbox.messages)
    problems = []
    for case_id in ids:
        case = listed.get(case_id)
        if case is None:
            problems.append(f"{case_id}: not listed")
        elif not case.get("ticket_number"):
            problems.append(f"{case_id}: no ticket number")
        elif str(case["ticket_number"]) not in mailed:
            problems.append(f"{case_id}: no acknowledgement e-mail")
        elif case.get("status") in (None, "new"):
            problems.append(f"{case_id}: not acknowledged ({case.get('status')})")
    return problems


def ratios(bare: Run, ours: Run) -> list[tuple[str, float]]:
    def cpu(phase: str, process: str) -> float:
        mine: Phase = getattr(ours, phase)
        theirs: Phase = getattr(bare, phase)
        return mine.cpu_ms(ours.worker if process == "worker" else process) / theirs.cpu_ms(
            bare.worker if process == "worker" else process
        )

    return [
        ("server CPU per opened case (goal <= 2x)", cpu("opened", "server")),
        ("worker CPU per opened case (goal <= 3x)", cpu("opened", "worker")),
        ("intake rate, C in flight (goal >= 0.5x)", ours.opened.rate / bare.opened.rate),
        (
            "POST /cases p50 vs start+update (goal <= 3x)",
            ours.open_alone.p(0.5) / bare.open_alone.p(0.5),
        ),
        (
            "step p50 vs execute_update (goal <= 2x)",
            ours.step_alone.p(0.5) / bare.step_alone.p(0.5),
        ),
        ("open p50, C in flight", ours.opened.p(0.5) / bare.opened.p(0.5)),
        ("step p50, C in flight", ours.stepped.p(0.5) / bare.stepped.p(0.5)),
        ("server CPU per step", cpu("stepped", "server")),
        ("worker CPU per step", cpu("stepped", "worker")),
        ("history bytes per case (3 steps, a note)", ours.size / bare.size),
    ]


def report(bare: Run, ours: Run) -> list[tuple[str, float]]:
    for label, run in (("bare Temporal", bare), ("Escalator", ours)):
        opened, stepped = run.opened, run.stepped
        api = f", API {opened.cpu_ms('api'):4.1f}" if run is ours else ""
        print(
            f"  {label}: open {opened.rate:5.1f}/s, p50 {opened.p(0.5):4.0f} ms"
            f" (alone {run.open_alone.p(0.5):4.0f} ms); step p50 {stepped.p(0.5):4.0f} ms"
            f" (alone {run.step_alone.p(0.5):4.0f} ms"
            + (f"; as an Update, no API: {run.direct.p(0.5):4.0f} ms" if run.direct else "")
            + ")\n"
            f"    CPU per case: server {opened.cpu_ms('server'):5.1f} ms,"
            f" worker {opened.cpu_ms(run.worker):5.1f} ms{api};"
            f" per step: server {stepped.cpu_ms('server'):4.1f}, worker"
            f" {stepped.cpu_ms(run.worker):4.1f} ms\n"
            f"    worker memory {opened.rss[run.worker] / opened.count / 1024:4.0f} KiB per"
            f" cached case; history after 3 steps and a note: {run.events:.0f} events,"
            f" {run.size / 1024:.1f} KiB"
        )
    lines = ratios(bare, ours)
    for label, value in lines:
        print(f"    {label:<48} {value:5.2f}x")
    lost = "yes" if not ours.lost else "NO: " + "; ".join(ours.lost[:5])
    print(f"    nothing lost (listed, ticketed, e-mailed, acknowledged): {lost}")
    return lines


async def bench_once(cases: int, concurrency: int) -> list[tuple[str, float]]:
    async with running_stack(("zsupport",)) as running:
        bare_command = [*PYTHON, "bench.bare_worker", "--address", running.address]
        bare_log = running.folder / "b.log"
        bare = spawn("bare", [*bare_command, "--task-queue", BARE_QUEUE], bare_log, running.env)
        running.processes.append(bare)
        client = await connect(Settings(temporal_address=running.address))
        async with httpx.AsyncClient(
            base_url=running.base, headers=running.headers, timeout=120
        ) as api:
            stack = Stack(
                client, api, running.server, bare, running.worker, running.api, running.mailbox
            )
            await bare_run(stack, 5, 5)  # warm both up: imports, caches, connections
            await escalator_run(stack, 5, 5)
            baseline = await bare_run(stack, cases, concurrency)
            ours = await escalator_run(stack, cases, concurrency)
        return report(baseline, ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {args.cases} cases,")
    print(f"{args.concurrency} in flight, dev server on SQLite; steps: acknowledge, 2 notes")
    runs = []
    for number in range(args.runs):
        print(f"run {number + 1}:")
        runs.append(asyncio.run(bench_once(args.cases, args.concurrency)))
    if args.runs > 1:
        print(f"spread over {args.runs} runs (min / median / max):")
        for index, (label, _value) in enumerate(runs[0]):
            values = sorted(run[index][1] for run in runs)
            middle = statistics.median(values)
            print(f"    {label:<48} {values[0]:5.2f} / {middle:5.2f} / {values[-1]:5.2f}x")


if __name__ == "__main__":
    main()
