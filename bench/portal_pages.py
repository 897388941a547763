"""Pages of 50 cases on 100,000: the portal's lists, rendered, against the API's JSON list.

Fills a fresh read model (SQLite in a temporary folder, or the PostgreSQL at
`--database-url`, in a database the script creates and drops) with the seeded cases of
bench/queues.py (a third open, resolutions on the finished ones), publishes the example
policies, signs people in through the portal's own sign-in form, and times each page as
the server renders it (in process over ASGI: authentication by session cookie, the
queries, Jinja2, the answer), next to the API's `GET /cases` for the same caller, which
lists 50 cases as JSON. Every page must list 50 cases, or the script fails.

    .venv/bin/python bench/portal_pages.py [--cases 100000] [--database-url URL]
"""

import asyncio
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.app import create_app
from api.auth import issue_api_key
from bench.queues import ENGINEERS, fill
from bench.read_model import arguments, bench_database
from escalator.accounts import create_account, issue_link, redeem_link
from escalator.infra.db import engine_from_url, migrate
from escalator.infra.settings import Settings
from escalator.policy_store import publish_examples_if_absent

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password 2026"
# Rows a list page shows: one per case, each linking to its case page.
CASE_LINK = re.compile(r'href="/portal/cases/case-')


async def timed(label: str, runs: int, call: Callable[[], Awaitable[object]]) -> float:
    durations = []
    for _ in range(runs):
        begun = time.perf_counter()
        await call()
        durations.append(time.perf_counter() - begun)
    median = statistics.median(durations) * 1000
    p95 = sorted(durations)[max(0, int(runs * 0.95) - 1)] * 1000
    print(f"  {label:<46} median {median:7.2f} ms   p95 {p95:7.2f} ms")
    return median


def person(url: str, handle: str, role: str, org: str | None = None) -> str:
    engine = engine_from_url(url)
    with Session(engine) as session:
        email = f"{handle}@bench.test"
        account = create_account(
            session, handle=handle, email=email, name=handle.title(), role=role, org=org
        )
        redeem_link(session, issue_link(session, account, "invite"), PASSWORD)
    engine.dispose()
    return email


async def signed_in(client: httpx.AsyncClient, email: str) -> None:
    form = await client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    data = {"csrf_token": token[1], "email": email, "password": PASSWORD, "next": "/"}
    answer = await client.post("/sign-in", data=data)
    assert answer.status_code == 303, answer.text


async def bench(url: str, cases: int, runs: int) -> None:
    migrate(url)
    engine = engine_from_url(url)
    begun = time.perf_counter()
    fill(engine, cases, seed=20261208)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE cases SET resolution = 'replaced the codec of ' || subject"
                " WHERE status IN ('resolved', 'closed')"
            )
        )
    with Session(engine) as session:
        publish_examples_if_absent(session, ROOT / "escalator" / "policies")
        _row, key = issue_api_key(session, "partner", "bench-partner", "org07")
    print(f"filled {cases:,} cases in {time.perf_counter() - begun:.1f} s ({url.split(':')[0]})")
    people = {
        "partner": person(url, "pat", "partner", "org07"),
        "engineer": person(url, ENGINEERS[3], "engineer"),
        "auditor": person(url, "aud", "auditor"),
    }
    app = create_app(Settings(database_url=url), engine=engine)
    async with app.router.lifespan_context(app):
        clients = {
            role: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
            for role in people
        }
        for role, email in people.items():
            await signed_in(clients[role], email)

        def page(role: str, path: str) -> Callable[[], Awaitable[object]]:
            async def run() -> object:
                answer = await clients[role].get(path)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
                listed = len(CASE_LINK.findall(answer.text))
                assert listed >= 50, f"{path} lists {listed} cases, not 50"
                return answer

            return run

        async def api_list() -> object:
            answer = await clients["partner"].get(
                "/cases", headers={"Authorization": f"Bearer {key}"}
            )
            assert answer.status_code == 200 and len(answer.json()["items"]) == 50
            return answer

        print("pages of 50 cases, rendered (server time, in process):")
        pages = {
            "partner: open cases of its organisation": ("partner", "/portal/cases"),
            "partner: all its cases, any state": ("partner", "/portal/cases?view=all"),
            "partner: solutions": ("partner", "/portal/solutions"),
            "auditor: every case": ("auditor", "/portal/cases"),
            "auditor: text search (case 4)": ("auditor", "/portal/cases?q=case+4"),
            "engineer: unassigned": ("engineer", "/portal/queues/unassigned"),
            "engineer: mine": ("engineer", "/portal/queues/mine"),
            "engineer: breaching soonest": ("engineer", "/portal/queues/breaching"),
            "engineer: waiting on the customer": ("engineer", "/portal/queues/waiting"),
        }
        medians = {label: await timed(label, runs, page(*where)) for label, where in pages.items()}
        baseline = await timed("the API's GET /cases (partner, JSON)", runs, api_list)
        slowest = max(medians, key=lambda label: medians[label])
        print(
            f"slowest page: {slowest}, median {medians[slowest]:.1f} ms "
            f"({medians[slowest] / baseline:.1f}x the API's JSON list; goal: under 100 ms)"
        )
        for client in clients.values():
            await client.aclose()
    engine.dispose()


def main() -> None:
    args = arguments(__doc__.split("\n")[0], runs=20)
    with bench_database(args.database_url) as url:
        asyncio.run(bench(url, args.cases, args.runs))


if __name__ == "__main__":
    main()
