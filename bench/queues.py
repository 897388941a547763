"""The engineer's queues on 100,000 cases: each queue's first page and the tab counts.

Fills a fresh read model (SQLite in a temporary folder, or the PostgreSQL at
`--database-url`, in a database the script creates and drops) with seeded cases, a
third of them open, prints the plan the database chooses for each queue's query
(each must be an index range scan in the queue's order, no sort of the whole
queue) and times the queue's reads as `GET /portal/queues/{queue}` runs them: the
page, then the five bounded counts.

    .venv/bin/python bench/queues.py [--cases 100000] [--database-url URL]
"""

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.pages.queue_reads import (
    QUEUES,
    Cursor,
    QueueName,
    Worker,
    _ordered,
    _selects,
    counts,
    read_page,
)
from bench.read_model import arguments, bench_database
from escalator.infra.db import engine_from_url, migrate
from models.tables.core import CaseRow

OPEN = ["new", "acknowledged", "triaged", "assigned", "in_progress", "waiting_customer"]
STATUSES = [*OPEN, "restored", *["resolved"] * 3, *["closed"] * 9]
ENGINEERS = ["avery", "jordan", "casey", "riley", "morgan"]
TIERS = [("zsupport", "helpdesk"), ("zsupport", "engineering"), ("maxony", "level1")]
WORKER = Worker("riley", (("zsupport", "engineering"), ("maxony", "level2")))


def fill(engine: Engine, cases: int, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for number in range(cases):
        received = start + timedelta(seconds=rng.randrange(0, 600 * 24 * 3600))
        status = rng.choice(STATUSES)
        policy, tier = rng.choice(TIERS)
        finished = status in ("resolved", "closed")
        rows.append(
            {
                "id": f"case-{number:08d}-{rng.getrandbits(32):08x}",
                "ticket_number": f"{policy[:3].upper()}-{number:06d}",
                "policy": policy,
                "policy_version": 1,
                "plan": "standard",
                "org": f"org{rng.randrange(50):02d}",
                "severity": rng.choice(["critical", "standard"]),
                "status": status,
                "tier": tier,
                "assignee": None if status == "new" else rng.choice([None, *ENGINEERS]),
                "subject": f"case {number}",
                "channel": "api",
                "received_at": received,
                "updated_at": received,
                "breached": False,
                "document": {},
                "revision": 1,
                "next_due_at": None
                if finished or status == "waiting_customer"
                else received + timedelta(hours=rng.randrange(1, 48)),
            }
        )
    with engine.begin() as connection:
        for chunk in range(0, len(rows), 5_000):
            connection.execute(insert(CaseRow), rows[chunk : chunk + 5_000])
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE cases"))
        else:
            connection.execute(text("ANALYZE"))


def plans(engine: Engine) -> None:
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    for queue in QUEUES:
        name: QueueName = queue
        for query in _selects(name, WORKER):
            compiled = (
                _ordered(name, query, None)
                .limit(51)
                .compile(engine, compile_kwargs={"literal_binds": True})
            )
            with engine.connect() as connection:
                lines = connection.execute(text(explain + str(compiled))).all()
            print(f"  {queue}: " + " | ".join(str(line[-1]).strip() for line in lines))


def timed(label: str, runs: int, call: Any) -> None:
    durations = []
    for _ in range(runs):
        begun = time.perf_counter()
        call()
        durations.append(time.perf_counter() - begun)
    median = statistics.median(durations) * 1000
    p95 = sorted(durations)[int(runs * 0.95) - 1] * 1000
    print(f"  {label:<36} median {median:7.2f} ms   p95 {p95:7.2f} ms")


def bench(url: str, cases: int, runs: int) -> None:
    migrate(url)
    engine = engine_from_url(url)
    begun = time.perf_counter()
    fill(engine, cases, seed=20261208)
    print(f"filled {cases:,} cases in {time.perf_counter() - begun:.1f} s ({url.split(':')[0]})")
    print("plans (first page of each queue):")
    plans(engine)
    print("reads (50 per page):")
    for queue in QUEUES:
        name: QueueName = queue

        def first_page(name: QueueName = name) -> None:
            with Session(engine) as session:
                read_page(session, name, WORKER)

        timed(f"{queue}, first page", runs, first_page)

    def deep_page() -> None:
        with Session(engine) as session:
            read_page(session, "unassigned", WORKER, Cursor(datetime(2025, 6, 1, tzinfo=UTC), ""))

    timed("unassigned, a page mid-way", runs, deep_page)

    def tab_counts() -> None:
        with Session(engine) as session:
            counts(session, WORKER)

    timed("the five tab counts", runs, tab_counts)
    engine.dispose()


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=30)
    with bench_database(args.database_url) as url:
        bench(url, args.cases, args.runs)


if __name__ == "__main__":
    main()
