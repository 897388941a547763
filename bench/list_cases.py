"""Listing 100,000 cases: `GET /cases` through the API versus the same SQL without it.

Fills a fresh read model (SQLite in a temporary folder, or the PostgreSQL at
`--database-url`, in a database the script creates and drops) with seeded cases
over 50 organisations, then times typical listings: the newest page, a partner's
page, filters, text search, and reading 20 pages deep with the cursor. Each is
timed through the API (in process, over ASGI, with a real bearer token) and as
the bare SQLModel query the router runs, so the figures show what the indexes
give and what the API adds.

    .venv/bin/python bench/list_cases.py [--cases 100000] [--database-url URL]
"""

import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.app import create_app
from api.auth import issue_api_key
from bench.read_model import arguments, bench_database
from escalator.infra.db import engine_from_url, migrate
from escalator.infra.settings import Settings
from models.tables.core import CaseRow

STATUSES = ["new", "acknowledged", "triaged", "assigned", "in_progress", "waiting_customer"]
STATUSES += ["restored", "resolved", "closed", "closed", "closed", "closed"]
WORDS = "calls drop trunk reboot handset voicemail codec audio video portal login sms".split()


def fill(engine: Engine, cases: int, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for number in range(cases):
        received = start + timedelta(seconds=rng.randrange(0, 600 * 24 * 3600))
        policy = rng.choice(["zsupport", "emetrotel", "maxony", "protelecom", "maltarea"])
        rows.append(
            {
                "id": f"case-{number:08d}-{rng.getrandbits(32):08x}",
                "ticket_number": f"{policy[:3].upper()}-{number:06d}",
                "policy": policy,
                "policy_version": 1,
                "plan": "standard",
                "org": f"org{rng.randrange(50):02d}",
                "severity": rng.choice(["critical", "standard", "sev1", "sev2", "normal"]),
                "status": rng.choice(STATUSES),
                "tier": rng.choice(["level1", "level2", "helpdesk", "engineering"]),
                "assignee": rng.choice([None, "avery", "jordan", "casey", "riley"]),
                "subject": " ".join(rng.choices(WORDS, k=5)),
                "channel": "api",
                "received_at": received,
                "updated_at": received,
                "breached": rng.random() < 0.1,
                "document": {},
                "revision": 1,
            }
        )
    with engine.begin() as connection:
        for chunk in range(0, len(rows), 5_000):
            connection.execute(insert(CaseRow), rows[chunk : chunk + 5_000])


async def timed(label: str, runs: int, call: Callable[[], Awaitable[object]]) -> float:
    durations = []
    for _ in range(runs):
        begun = time.perf_counter()
        await call()
        durations.append(time.perf_counter() - begun)
    median = statistics.median(durations) * 1000
    p95 = sorted(durations)[int(runs * 0.95) - 1] * 1000
    print(f"  {label:<44} median {median:7.2f} ms   p95 {p95:7.2f} ms")
    return median


def bare_query(engine: Engine, **filters: Any) -> Callable[[], Awaitable[object]]:
    """The router's query for the first page, without HTTP, auth or serialisation."""

    async def run() -> object:
        query = select(CaseRow)
        for name, value in filters.items():
            query = query.where(getattr(CaseRow, name) == value)
        query = query.order_by(col(CaseRow.received_at).desc(), col(CaseRow.id).desc())
        with Session(engine) as session:
            return list(session.exec(query.limit(51)))

    return run


async def bench(url: str, cases: int, runs: int) -> None:
    migrate(url)
    engine = engine_from_url(url)
    begun = time.perf_counter()
    fill(engine, cases, seed=20261122)
    print(f"filled {cases:,} cases in {time.perf_counter() - begun:.1f} s ({url.split(':')[0]})")
    with Session(engine) as session:
        _row, engineer = issue_api_key(session, "engineer", "bench")
        _row, partner = issue_api_key(session, "partner", "bench-partner", "org07")
    app = create_app(Settings(database_url=url), engine=engine)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        as_engineer = {"Authorization": f"Bearer {engineer}"}
        as_partner = {"Authorization": f"Bearer {partner}"}

        def get(params: dict[str, str], headers: dict[str, str]) -> Callable[[], Awaitable[object]]:
            async def run() -> object:
                response = await client.get("/cases", params=params, headers=headers)
                assert response.status_code == 200, response.text
                return response

            return run

        async def twenty_pages() -> None:
            cursor = None
            for _ in range(20):
                params: dict[str, str] = {"cursor": cursor} if cursor else {}
                response = await client.get("/cases", params=params, headers=as_engineer)
                cursor = response.json()["next_cursor"]
                assert cursor

        print("through the API (50 per page):")
        await timed("newest page, engineer", runs, get({}, as_engineer))
        await timed("newest page, partner (one org of 50)", runs, get({}, as_partner))
        await timed(
            "status=waiting_customer&severity=sev1",
            runs,
            get({"status": "waiting_customer", "severity": "sev1"}, as_engineer),
        )
        await timed("breached=true", runs, get({"breached": "true"}, as_engineer))
        await timed(
            "assignee=riley&policy=maxony",
            runs,
            get({"assignee": "riley", "policy": "maxony"}, as_engineer),
        )
        await timed(
            "q=voicemail codec (text search)", runs, get({"q": "voicemail codec"}, as_engineer)
        )
        await timed("q=MAX-0042 (ticket number)", runs, get({"q": "MAX-0042"}, as_engineer))
        await timed("20 pages deep by cursor (total)", max(3, runs // 5), twenty_pages)
        print("the same first pages as bare queries (no HTTP, auth or JSON):")
        await timed("newest page", runs, bare_query(engine))
        await timed("one org", runs, bare_query(engine, org="org07"))
        await timed(
            "status and severity",
            runs,
            bare_query(engine, status="waiting_customer", severity="sev1"),
        )
        await timed("breached", runs, bare_query(engine, breached=True))
    engine.dispose()


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=30)
    with bench_database(args.database_url) as url:
        asyncio.run(bench(url, args.cases, args.runs))


if __name__ == "__main__":
    main()
