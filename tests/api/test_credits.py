"""SLA credits on SQLite and PostgreSQL: what the projection writes as a case moves (and keeps
once a person acted), the lifecycle over HTTP with each refusal, who sees what, the trail."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from models.tables.credits import CreditRow
from tests.api.conftest import TokenFactory
from tests.api.credit_cases import (
    COMPUTATION,
    RECEIVED,
    breached,
    case_with,
    project,
    settled,
)
from tests.api.registry_client import ACME, answer, registry_client

RESTORED = RECEIVED + timedelta(hours=7)
CREDIT = "case-a:restoration"


@pytest.fixture
async def http(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with registry_client(engine) as client:
        yield client


@pytest.fixture
async def acme(http: httpx.AsyncClient, tokens: TokenFactory) -> None:
    """acme in the registry, in Denver; globex too."""
    for body in (ACME, {"id": "globex", "name": "Globex"}):
        answer(await http.post("/orgs", json=body, headers=tokens("manager")), 201)


def row(engine: Engine, credit_id: str = CREDIT) -> CreditRow:
    with Session(engine) as session:
        found = session.get(CreditRow, credit_id)
        assert found is not None
        return found


@pytest.mark.usefixtures("acme")
async def test_the_projection_follows_the_case_from_accruing_to_eligible(
    engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    project(engine, case_with("case-a", breached(), revision=1))
    accruing = answer(await http.get(f"/credits/{CREDIT}", headers=tokens("engineer")), 200)
    assert (accruing["state"], accruing["amount"], accruing["settled_at"]) == (
        "accruing",
        None,
        None,
    )
    assert (accruing["target"], accruing["month"], accruing["ticket_number"]) == (
        "restoration",
        "2027-04",
        "ZS-1",
    )
    assert accruing["earned_at"] == "2027-04-05T19:00:00Z"

    project(engine, case_with("case-a", settled(), revision=2, restored_at=RESTORED))
    eligible = answer(await http.get(f"/credits/{CREDIT}", headers=tokens("engineer")), 200)
    assert (eligible["state"], eligible["amount"], eligible["currency"]) == (
        "eligible",
        "14.58",
        "USD",
    )
    assert eligible["computation"] == COMPUTATION
    assert eligible["settled_at"] == "2027-04-05T22:00:00Z"
    assert row(engine).amount == Decimal("14.58")


@pytest.mark.usefixtures("acme")
async def test_the_month_is_the_client_s_and_utc_for_one_the_registry_lacks(
    engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    # 20:00 on 30 April in Denver is 1 May in UTC.
    late = datetime(2027, 5, 1, 2, 0, tzinfo=UTC)
    project(engine, case_with("case-a", settled(at=late + timedelta(hours=4)), received_at=late))
    project(
        engine,
        case_with("case-b", settled(at=late + timedelta(hours=4)), org="initech", received_at=late),
    )
    assert row(engine).month == "2027-04"
    assert row(engine, "case-b:restoration").month == "2027-05"
    april = answer(
        await http.get("/credits", params={"month": "2027-04"}, headers=tokens("auditor")), 200
    )
    assert [item["id"] for item in april] == [CREDIT]


async def test_credits_without_a_target_are_not_tracked_and_several_of_one_are(
    engine: Engine,
) -> None:
    old = breached().model_copy(update={"target": None})
    project(engine, case_with("case-a", old, settled(), settled(amount="5.00")))
    with Session(engine) as session:
        ids = sorted(session.exec(select(CreditRow.id)).all())
    assert ids == ["case-a:restoration", "case-a:restoration:2"]


@pytest.mark.usefixtures("acme")
async def test_the_projection_never_undoes_what_a_person_did(
    engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    project(engine, case_with("case-a", settled(), revision=2, ticket_number=None))
    answer(await http.post(f"/credits/{CREDIT}/request", headers=tokens("partner", "acme")), 200)
    # A later revision of the case says something else of the credit: the request stands,
    # with the amount it was made for; the ticket number still follows the case.
    changed = settled(amount="99.99", computation="something else")
    project(engine, case_with("case-a", changed, revision=3, ticket_number="ZS-9"))
    kept = row(engine)
    assert (kept.state, kept.amount, kept.computation) == (
        "requested",
        Decimal("14.58"),
        COMPUTATION,
    )
    assert kept.ticket_number == "ZS-9"
    answer(await http.post(f"/credits/{CREDIT}/approve", headers=tokens("manager")), 200)
    project(engine, case_with("case-a", changed, revision=4))
    assert (row(engine).state, row(engine).amount) == ("approved", Decimal("14.58"))


@pytest.mark.usefixtures("acme")
async def test_request_then_approve_records_who_and_when_on_the_row_and_in_the_trail(
    engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    project(engine, case_with("case-a", settled(), restored_at=RESTORED))
    before = datetime.now(UTC)
    requested = answer(
        await http.post(f"/credits/{CREDIT}/request", headers=tokens("partner", "acme")), 200
    )
    assert (requested["state"], requested["requested_by"]) == ("requested", "partner:partner-acme")
    assert datetime.fromisoformat(requested["requested_at"]) >= before
    approved = answer(await http.post(f"/credits/{CREDIT}/approve", headers=tokens("admin")), 200)
    assert (approved["state"], approved["decided_by"]) == ("approved", "admin:admin-all")
    assert approved["decided_at"] >= approved["requested_at"]

    trail = answer(await http.get("/orgs/acme/changes", headers=tokens("partner", "acme")), 200)
    steps = [
        (change["entity"], change["entity_id"], change["action"], change["actor"])
        for change in trail
        if change["entity"] == "credit"
    ]
    assert steps == [
        ("credit", f"acme/{CREDIT}", "approved", "admin:admin-all"),
        ("credit", f"acme/{CREDIT}", "requested", "partner:partner-acme"),
    ]
    assert (trail[0]["before"]["state"], trail[0]["after"]["state"]) == ("requested", "approved")


async def refused(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    body: dict[str, Any] = answer(response, status)
    assert response.headers["content-type"] == "application/problem+json"
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


@pytest.mark.usefixtures("acme")
async def test_each_step_is_refused_outside_its_state_naming_the_state(
    engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    partner, manager = tokens("partner", "acme"), tokens("manager")
    project(engine, case_with("case-a", settled(), restored_at=RESTORED))
    project(engine, case_with("case-b", breached()))
    no_fee = breached(computation="no monthly fee is in the registry")
    project(engine, case_with("case-c", no_fee, restored_at=RESTORED))
    owed = settled().model_copy(update={"upon_request": False})
    project(engine, case_with("case-d", owed, restored_at=RESTORED))

    path = f"/credits/{CREDIT}"
    await refused(await http.post(f"{path}/approve", headers=manager), 409, "is eligible")
    await refused(
        await http.post(f"{path}/decline", json={"reason": "late"}, headers=manager),
        409,
        "is eligible",
    )
    answer(await http.post(f"{path}/request", headers=partner), 200)
    twice = await refused(await http.post(f"{path}/request", headers=tokens("engineer")), 409)
    assert "is requested (it was requested by partner:partner-acme at" in twice["detail"]
    await refused(
        await http.post("/credits/case-b:restoration/request", headers=partner), 409, "accruing"
    )
    await refused(
        await http.post("/credits/case-c:restoration/request", headers=partner),
        409,
        "is no_amount (it has no amount: no monthly fee is in the registry)",
    )
    await refused(
        await http.post("/credits/case-d:restoration/request", headers=partner), 409, "granted"
    )

    # A decline needs a reason: none, a blank one, one with a control character.
    missing = await refused(await http.post(f"{path}/decline", json={}, headers=manager), 422)
    assert missing["errors"][0]["loc"] == ["body", "reason"]
    blank = await refused(
        await http.post(f"{path}/decline", json={"reason": "  "}, headers=manager), 422
    )
    assert blank["errors"] == [{"loc": ["body", "reason"], "msg": "say why the credit is declined"}]
    await refused(
        await http.post(f"{path}/decline", json={"reason": "x\x00"}, headers=manager), 422
    )
    declined = answer(
        await http.post(
            f"{path}/decline", json={"reason": " Caused by the client "}, headers=manager
        ),
        200,
    )
    assert (declined["state"], declined["decline_reason"]) == ("declined", "Caused by the client")
    await refused(await http.post(f"{path}/approve", headers=manager), 409, "is declined")
    assert row(engine).state == "declined"


@pytest.mark.usefixtures("acme")
async def test_who_may_do_what(
    engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    project(engine, case_with("case-a", settled(), restored_at=RESTORED))
    path = f"/credits/{CREDIT}"
    globex = tokens("partner", "globex")
    # Another organisation's credit answers like none at all.
    nothing = await refused(await http.get("/credits/case-z:restoration", headers=globex), 404)
    theirs = await refused(await http.get(path, headers=globex), 404)
    assert theirs["detail"] == nothing["detail"].replace("case-z", "case-a")
    await refused(await http.post(f"{path}/request", headers=globex), 404)
    assert answer(await http.get("/credits", headers=globex), 200) == []
    assert answer(await http.get("/credits", params={"org": "acme"}, headers=globex), 200) == []
    for role in ("engineer", "auditor", "manager"):
        assert [c["id"] for c in answer(await http.get("/credits", headers=tokens(role)), 200)] == [
            CREDIT
        ]
    # Auditors change nothing; managers decide but do not request; partners do not decide.
    for step in ("request", "approve", "decline"):
        response = await http.post(
            f"{path}/{step}", json={"reason": "x"}, headers=tokens("auditor")
        )
        await refused(response, 403, "auditors read everything and change nothing")
    await refused(
        await http.post(f"{path}/request", headers=tokens("manager")), 403, "partner or engineer"
    )
    for key in (tokens("partner", "acme"), tokens("engineer")):
        await refused(await http.post(f"{path}/approve", headers=key), 403, "manager role")
        response = await http.post(f"{path}/decline", json={"reason": "x"}, headers=key)
        await refused(response, 403, "manager role")
    assert row(engine).state == "eligible"


@pytest.mark.usefixtures("acme")
async def test_listing_filters_by_organisation_month_and_state(
    engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    may = RECEIVED + timedelta(days=30)
    project(engine, case_with("case-a", settled(), restored_at=RESTORED))
    project(engine, case_with("case-b", breached()))
    project(engine, case_with("case-c", settled(at=may), received_at=may, org="globex"))
    engineer = tokens("engineer")

    async def ids(**params: str) -> list[str]:
        listed = answer(await http.get("/credits", params=params, headers=engineer), 200)
        return [item["id"] for item in listed]

    assert await ids() == ["case-c:restoration", "case-a:restoration", "case-b:restoration"]
    assert await ids(org="acme") == ["case-a:restoration", "case-b:restoration"]
    assert await ids(month="2027-05") == ["case-c:restoration"]
    assert await ids(state="accruing") == ["case-b:restoration"]
    assert await ids(org="acme", state="eligible", month="2027-04") == ["case-a:restoration"]
    assert await ids(limit="1") == ["case-c:restoration"]
    for params, field in (
        ({"month": "2027-4"}, "month"),
        ({"state": "paid"}, "state"),
        ({"org": "a/b"}, "org"),
        ({"limit": "0"}, "limit"),
    ):
        bad = await refused(await http.get("/credits", params=params, headers=engineer), 422)
        assert bad["errors"][0]["loc"] == ["query", field]


@pytest.mark.usefixtures("acme")
async def test_a_reseller_sees_and_requests_the_credits_of_the_clients_it_acts_for(
    engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    partner = {"id": "resell", "name": "Resell Inc", "kind": "partner", "clients": ["acme"]}
    answer(await http.post("/orgs", json=partner, headers=tokens("manager")), 201)
    project(engine, case_with("case-a", settled(), restored_at=RESTORED))
    reseller = tokens("partner", "resell")
    assert [c["id"] for c in answer(await http.get("/credits", headers=reseller), 200)] == [CREDIT]
    requested = answer(await http.post(f"/credits/{CREDIT}/request", headers=reseller), 200)
    assert requested["state"] == "requested"
    # Globex's own desk still sees none of it.
    assert answer(await http.get("/credits", headers=tokens("partner", "globex")), 200) == []
