"""`/cases` and `/healthz` over HTTP, on the time-skipping server."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from tests.api.conftest import TokenFactory
from tests.policies import ZSUPPORT, store_policy_version

# The real example policy, as `escalator up` publishes it.
POLICY = ZSUPPORT


@pytest.fixture(autouse=True)
def as_engineer(api: httpx.AsyncClient, tokens: TokenFactory) -> None:
    """These tests are about cases, not roles: every request carries an engineer's key."""
    api.headers.update(tokens("engineer"))


def intake(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "policy": "zsupport",
        "plan": "managed",
        "org": "acme",
        "severity": "standard",
        "channel": "api",
        "subject": "Voicemail greetings are silent",
        "description": "Since the upgrade, greetings play silence.",
        "contact": {"name": "Ada Admin", "email": "ada@acme.test", "phone": "+1 303 555 0100"},
        "fields": {"software_version": "17.0.4"},
    }
    body.update(overrides)
    return body


async def test_open_read_and_list_a_case(api: httpx.AsyncClient, session: Session) -> None:
    store_policy_version(session, "zsupport", POLICY)
    received = datetime.now(UTC) - timedelta(minutes=10)

    created = await api.post("/cases", json=intake(received_at=received.isoformat()))

    assert created.status_code == 201, created.text
    case = created.json()
    assert case["id"].startswith("case-")
    assert case["ticket_number"] == "ZSU-000001"
    assert case["policy_version"] == 1
    assert datetime.fromisoformat(case["received_at"]) == received
    read = await api.get(f"/cases/{case['id']}")
    assert read.status_code == 200
    assert read.json()["ticket_number"] == "ZSU-000001"
    listed = await api.get("/cases", params={"org": "acme"})
    assert [item["id"] for item in listed.json()["items"]] == [case["id"]]
    assert (await api.get("/cases", params={"org": "other"})).json()["items"] == []


async def test_listing_pages_with_a_cursor(api: httpx.AsyncClient, session: Session) -> None:
    store_policy_version(session, "zsupport", POLICY)
    ids = []
    for minutes in (30, 20, 10):
        received = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()
        response = await api.post("/cases", json=intake(received_at=received))
        ids.append(response.json()["id"])

    first = (await api.get("/cases", params={"limit": 2})).json()
    second = (await api.get("/cases", params={"limit": 2, "cursor": first["next_cursor"]})).json()

    assert [c["id"] for c in first["items"]] == [ids[2], ids[1]]
    assert [c["id"] for c in second["items"]] == [ids[0]]
    assert second["next_cursor"] is None


async def test_intake_checked_against_the_policy(api: httpx.AsyncClient, session: Session) -> None:
    store_policy_version(session, "zsupport", POLICY)
    now = datetime.now(UTC)
    future, long_ago = now + timedelta(hours=1), now - timedelta(days=8)
    cases = {
        ("body", "policy"): intake(policy="nobody"),
        ("body", "plan"): intake(plan="gold"),
        ("body", "severity"): intake(severity="sev9"),
        ("body", "received_at", "future"): intake(received_at=future.isoformat()),
        ("body", "received_at", "old"): intake(received_at=long_ago.isoformat()),
    }
    for loc, body in cases.items():
        response = await api.post("/cases", json=body)
        assert response.status_code == 422, (loc, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == list(loc[:2])
    old = await api.post("/cases", json=intake(received_at=long_ago.isoformat()))
    assert old.json()["detail"] == (
        "body.received_at: is more than 7d wall ago (intake.received_at_max_age)"
    )
    # A policy that allows older requests takes the same one.
    lenient = {**POLICY, "intake": {**POLICY["intake"], "received_at_max_age": "30d wall"}}
    store_policy_version(session, "zsupport", lenient, version=2)
    accepted = await api.post("/cases", json=intake(received_at=long_ago.isoformat()))
    assert accepted.status_code == 201, accepted.text


async def test_malformed_requests_name_each_field(api: httpx.AsyncClient) -> None:
    body = intake(channel="fax", contact={"name": "", "email": "not-an-address"})
    del body["subject"]

    response = await api.post("/cases", json=body)

    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "Unprocessable Entity"
    locs = {tuple(error["loc"]) for error in problem["errors"]}
    assert {
        ("body", "channel"),
        ("body", "subject"),
        ("body", "contact", "name"),
        ("body", "contact", "email"),
    } <= locs


async def test_unknown_cases_and_routes_are_problem_404s(api: httpx.AsyncClient) -> None:
    for path in ("/cases/case-doesnotexist", "/cases/not-a-case", "/nowhere"):
        response = await api.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    bad_cursor = await api.get("/cases", params={"cursor": "%%%"})
    assert bad_cursor.status_code == 422


async def test_healthz_reports_each_part(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.status_code == 200
    # The time-skipping test server cannot say who polls; a real one can (test_bounded_calls).
    assert response.json() == {"temporal": "ok", "worker": "unknown", "database": "ok"}
