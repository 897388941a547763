"""Alertmanager webhooks: an alert opens a case, a repeat adds a note, a resolution is noted."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from models.policy import load_policy
from models.tables.client_registry import AuthorisedContactRow
from tests.api.conftest import TokenFactory
from tests.api.test_cases_api import POLICY
from tests.api.test_steps import EMETROTEL
from tests.policies import store_policy_version

MAXONY = (
    load_policy(
        (Path(__file__).resolve().parents[2] / "escalator" / "policies" / "maxony.yaml").read_text()
    )
    .resolved()
    .to_body()
)
STARTED = (datetime.now(UTC) - timedelta(minutes=5)).replace(microsecond=0)


@pytest.fixture(autouse=True)
def registry(session: Session) -> None:
    store_policy_version(session, "maxony", MAXONY)
    store_policy_version(session, "zsupport", POLICY)
    store_policy_version(session, "emetrotel", EMETROTEL)
    session.add(AuthorisedContactRow(org="acme", email="ops@acme.test", name="Acme Ops"))
    session.commit()


def hook(status: str, *alerts: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="DiskFull"}',
        "status": status,
        "receiver": "escalator",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": list(alerts),
    }


def alert(status: str, fingerprint: str, severity: str, **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "DiskFull", "instance": "db1", "severity": severity, **labels},
        "annotations": {"summary": "Disk on db1 is 95% full"},
        "startsAt": STARTED.isoformat(),
        "endsAt": (STARTED + timedelta(minutes=4)).isoformat()
        if status == "resolved"
        else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.test/graph",
        "fingerprint": fingerprint,
    }


async def post(
    api: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], **params: str
) -> list[dict[str, Any]]:
    response = await api.post("/intake/alerts", json=body, params=params, headers=headers)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


async def test_alert_opens_repeats_note_and_resolution_notes(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    engineer = tokens("engineer")
    firing = hook("firing", alert("firing", "a1", "critical"), alert("firing", "b2", "warning"))
    opened = await post(api, engineer, firing, policy="maxony", org="acme")
    assert [(r["fingerprint"], r["outcome"]) for r in opened] == [
        ("a1", "opened"),
        ("b2", "opened"),
    ]
    critical = (await api.get(f"/cases/{opened[0]['case_id']}", headers=engineer)).json()
    warning = (await api.get(f"/cases/{opened[1]['case_id']}", headers=engineer)).json()
    # The policy's mapping: critical -> blocking, warning -> normal; its monitoring plan.
    assert (critical["severity"], warning["severity"]) == ("blocking", "normal")
    assert (critical["channel"], critical["plan"], critical["org"]) == (
        "monitoring",
        "europe",
        "acme",
    )
    assert critical["contact"]["email"] == "ops@acme.test"
    assert critical["subject"] == "[DiskFull] Disk on db1 is 95% full"

    repeat = await post(
        api,
        engineer,
        hook("firing", alert("firing", "a1", "critical")),
        policy="maxony",
        org="acme",
    )
    assert [(r["outcome"], r["case_id"]) for r in repeat] == [("noted", critical["id"])]
    resolved = hook("resolved", alert("resolved", "a1", "critical"))
    done = await post(api, engineer, resolved, policy="maxony", org="acme")
    assert [(r["outcome"], r["case_id"]) for r in done] == [("noted", critical["id"])]
    # A retried delivery of the resolution is noted once.
    await post(api, engineer, resolved, policy="maxony", org="acme")
    notes = (await api.get(f"/cases/{critical['id']}", headers=engineer)).json()["notes"]
    texts = [n["text"] for n in notes if n["actor"] == "monitoring"]
    assert texts[0].startswith("alert a1 still firing")
    assert [t for t in texts if "resolved" in t] == [
        f"alert a1 resolved at {(STARTED + timedelta(minutes=4)).isoformat()}"
    ]
    listed = (await api.get("/cases", params={"org": "acme"}, headers=engineer)).json()["items"]
    assert len(listed) == 2

    unseen = await post(
        api,
        engineer,
        hook("resolved", alert("resolved", "zz", "critical")),
        policy="maxony",
        org="acme",
    )
    assert unseen[0]["outcome"] == "skipped"


async def test_alert_errors_name_the_field(api: httpx.AsyncClient, tokens: TokenFactory) -> None:
    engineer = tokens("engineer")
    body = hook("firing", alert("firing", "a1", "critical"))
    no_org = await api.post(
        "/intake/alerts", json=body, params={"policy": "maxony"}, headers=engineer
    )
    assert no_org.status_code == 422
    assert no_org.json()["errors"][0]["loc"] == ["body", "alerts", 0, "labels", "org"]
    unmapped = await api.post(
        "/intake/alerts", json=body, params={"policy": "emetrotel", "org": "acme"}, headers=engineer
    )
    assert unmapped.status_code == 422
    assert (
        unmapped.json()["detail"]
        == "query.policy: policy 'emetrotel' has no intake.monitoring mapping"
    )
    bad = await api.post(
        "/intake/alerts", json={"alerts": "x"}, params={"policy": "maxony"}, headers=engineer
    )
    assert bad.status_code == 422
    # A partner reports its own organisation's alerts only.
    foreign = await api.post(
        "/intake/alerts",
        json=hook("firing", alert("firing", "c", "critical", org="acme")),
        params={"policy": "maxony"},
        headers=tokens("partner", "globex"),
    )
    assert foreign.status_code == 403
    assert (
        await api.post(
            "/intake/alerts", json=body, params={"policy": "maxony"}, headers=tokens("auditor")
        )
    ).status_code == 403


async def settled(api: httpx.AsyncClient, headers: dict[str, str], case_id: str) -> None:
    """Until the case's notes stop changing: a case dated a week back fires every overdue
    action at once, and an Update landing on the instant of one of those timers breaks the
    time-skipping test server's history builder (a real server takes it)."""
    seen: list[Any] = []
    for _ in range(100):
        notes = (await api.get(f"/cases/{case_id}", headers=headers)).json()["notes"]
        seen.append(len(notes))
        if len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the case kept changing: {seen}")


async def test_an_alert_firing_for_longer_than_a_request_may_be_dated(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    engineer = tokens("engineer")
    old = alert("firing", "c3", "critical")
    old["startsAt"] = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    before = datetime.now(UTC)
    (opened,) = await post(api, engineer, hook("firing", old), policy="maxony", org="acme")
    case = (await api.get(f"/cases/{opened['case_id']}", headers=engineer)).json()
    # Counted from the policy's limit (7 days back), not refused: Alertmanager repeats a
    # firing alert, and each repeat must still reach its case.
    received = datetime.fromisoformat(case["received_at"])
    assert before - timedelta(days=7) <= received <= datetime.now(UTC) - timedelta(days=7)
    await settled(api, engineer, opened["case_id"])
    (repeat,) = await post(api, engineer, hook("firing", old), policy="maxony", org="acme")
    assert (repeat["outcome"], repeat["case_id"]) == ("noted", opened["case_id"])
