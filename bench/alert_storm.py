"""An alert storm: ONE Alertmanager webhook of N firing alerts (1,000, the most a webhook may
carry) posted to the whole stack (bench/stack.py: a Temporal dev server, `escalator worker`
and `escalator api`, an SMTP receiver for the acknowledgements), for the example policy
maxony (its `intake.monitoring` mapping) and acme, whose authorised contact hears of each
case.

It prints the answer's status and how long it took (within the bound,
ESCALATOR_WORKFLOW_WAIT_SECONDS: 200 when every case opened by then, else 202 and a
receipt), then reads the receipt every half second until every alert is done, and prints
the time until the last case opened, every 5xx seen (there must be none), the alerts by
state, and whether each alert was recorded once: N items, N distinct cases, each listed by
GET /cases with a ticket number. Exit status 1 when any of that fails.

    .venv/bin/python bench/alert_storm.py [--alerts 1000]
"""

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bench.stack import running_stack  # noqa: E402
from escalator.infra.settings import Settings  # noqa: E402
from models.tables.client_registry import AuthorisedContactRow  # noqa: E402

POLL_EVERY = 0.5
GIVE_UP_AFTER = 1800.0


def webhook(alerts: int) -> dict[str, Any]:
    started = (datetime.now(UTC) - timedelta(minutes=2)).replace(microsecond=0)
    return {
        "version": "4",
        "groupKey": '{}:{alertname="InstanceDown"}',
        "status": "firing",
        "receiver": "escalator",
        "groupLabels": {"alertname": "InstanceDown"},
        "commonLabels": {"alertname": "InstanceDown", "severity": "warning"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": "InstanceDown",
                    "instance": f"node{n:04d}:9100",
                    "severity": "warning",
                },
                "annotations": {"summary": f"node{n:04d} is down"},
                "startsAt": started.isoformat(),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.test/graph",
                "fingerprint": f"storm{n:06x}",
            }
            for n in range(alerts)
        ],
    }


def register_acme(session: Session) -> None:
    session.add(AuthorisedContactRow(org="acme", email="ops@acme.test", name="Acme Ops"))
    session.commit()


class Watch:
    """Every answer's status, and the slowest receipt read."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []
        self.slowest_read = 0.0

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            request = response.request
            self.errors.append(f"{request.method} {request.url.path}: {response.status_code}")


async def listed_cases(api: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    listed: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params = {"limit": "200"} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/cases", params=params)).raise_for_status().json()
        listed |= {case["id"]: case for case in page["items"]}
        cursor = page.get("next_cursor")
        if not cursor:
            return listed


async def poll(api: httpx.AsyncClient, watch: Watch, location: str) -> dict[str, Any]:
    """The receipt once every alert is done."""
    deadline = time.monotonic() + GIVE_UP_AFTER
    while time.monotonic() < deadline:
        begun = time.perf_counter()
        response = await api.get(location)
        watch.slowest_read = max(watch.slowest_read, time.perf_counter() - begun)
        if response.status_code == 200:
            receipt: dict[str, Any] = response.json()
            if receipt["done"]:
                return receipt
        await asyncio.sleep(POLL_EVERY)
    raise RuntimeError(f"the receipt was not done within {GIVE_UP_AFTER:g} s")


def recorded_once(
    receipt: dict[str, Any], listed: dict[str, dict[str, Any]], alerts: int
) -> list[str]:
    """What is wrong with the receipt's record of the storm; empty when nothing is."""
    items = receipt["items"]
    problems = []
    if len(items) != alerts or sorted(i["index"] for i in items) != list(range(alerts)):
        problems.append(f"{len(items)} items for {alerts} alerts")
    cases = {i["case_id"] for i in items if i["state"] == "opened"}
    if len(cases) != alerts:
        problems.append(f"{len(cases)} distinct cases opened for {alerts} alerts")
    unlisted = [case for case in cases if case not in listed]
    if unlisted:
        problems.append(f"{len(unlisted)} cases not listed by GET /cases, e.g. {unlisted[0]}")
    ticketless = [case for case in cases if case in listed and not listed[case]["ticket_number"]]
    if ticketless:
        problems.append(f"{len(ticketless)} listed cases without a ticket number")
    return problems


async def storm(alerts: int) -> bool:
    bound = Settings().workflow_wait_seconds
    async with running_stack(("maxony",), register_acme) as stack:
        watch = Watch()
        async with httpx.AsyncClient(
            base_url=stack.base,
            headers=stack.headers,
            timeout=120,
            event_hooks={"response": [watch]},
        ) as api:
            body = webhook(alerts)
            params = {"policy": "maxony", "org": "acme"}
            begun = time.perf_counter()
            answer = await api.post("/intake/alerts", json=body, params=params)
            answered = time.perf_counter() - begun
            print(
                f"POST /intake/alerts ({alerts} alerts): {answer.status_code} in"
                f" {answered:.2f} s (bound {bound:g} s)"
            )
            if answer.status_code == 200:
                location = f"/intake/alerts/receipts/{answer.json()['receipt_id']}"
            elif answer.status_code == 202:
                location = answer.headers["location"]
                print(f"  receipt {location}: {answer.json()['counts']}")
            else:
                print(f"  {answer.text[:500]}")
                return False
            receipt = await poll(api, watch, location)
            seen_done = time.perf_counter() - begun
            listed = await listed_cases(api)
        received = datetime.fromisoformat(receipt["received_at"])
        last_open = receipt["last_opened_at"]
        until_open = (datetime.fromisoformat(last_open) - received).total_seconds()
        print(
            f"time until the last case was open: {until_open:.1f} s after the receipt"
            f" ({alerts / until_open:.1f} cases/s); seen done by the poller"
            f" {seen_done:.1f} s after posting"
        )
        print(f"slowest receipt read while the storm ran: {watch.slowest_read * 1000:.0f} ms")
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(watch.statuses.items()))
        print(f"answers by status: {statuses}")
        print(f"5xx seen: {len(watch.errors)}" + "".join(f"\n  {e}" for e in watch.errors[:10]))
        counts = ", ".join(f"{state} {n}" for state, n in receipt["counts"].items())
        print(f"alerts by state: {counts}")
        failed = [i for i in receipt["items"] if i["state"] == "failed"][:5]
        for item in failed:
            print(f"  failed {item['fingerprint']}: {item['reason']}")
        problems = recorded_once(receipt, listed, alerts)
        print(
            "every alert recorded once (items, distinct cases, listed with a ticket number): "
            + ("yes" if not problems else "NO: " + "; ".join(problems))
        )
        answered_in_time = answer.status_code in (200, 202) and answered <= bound
        return answered_in_time and not watch.errors and not problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alerts", type=int, default=1000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; dev server on SQLite")
    if not asyncio.run(storm(args.alerts)):
        sys.exit(1)


if __name__ == "__main__":
    main()
