"""Systems, contracts and warranties over HTTP, on SQLite and PostgreSQL: each route's
success and refusals, amounts kept exact, a partner's sight, the change trail."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.api.conftest import TokenFactory
from tests.api.registry_client import ACME, CONTRACT, answer, registry_client

SYSTEM = {
    "host_id": "EMT-0042",
    "system_type": "MX-ONE",
    "serial_numbers": "SN-1 SN-2",
    "software_release": "7.1.2",
    "site": "1 Main St, Denver",
    "region": "north_america",
    "site_time_zone": "America/Denver",
    "holidays_country": "US",
    "holidays_subdivision": "CO",
}
WARRANTY = {
    "reference": "HW-7",
    "starts_at": "2026-01-01T00:00:00+00:00",
    "expires_at": "2029-01-01T00:00:00+00:00",
    "extended": True,
}


@pytest.fixture
async def http(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with registry_client(engine) as client:
        yield client


@pytest.fixture
async def system(http: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, Any]:
    """acme with system EMT-0042; globex; reseller acting for acme."""
    manager = tokens("manager")
    for body in (
        ACME,
        {"id": "globex", "name": "Globex"},
        {"id": "reseller", "name": "Reseller", "kind": "partner", "clients": ["acme"]},
    ):
        answer(await http.post("/orgs", json=body, headers=manager), 201)
    created: dict[str, Any] = answer(
        await http.post("/orgs/acme/systems", json=SYSTEM, headers=manager), 201
    )
    return created


async def test_systems_are_added_read_changed_and_removed(
    http: httpx.AsyncClient, tokens: TokenFactory, system: dict[str, Any]
) -> None:
    manager = tokens("manager")
    assert {k: system[k] for k in SYSTEM} == SYSTEM and system["org"] == "acme"
    path = f"/systems/{system['id']}"
    assert answer(await http.get(path, headers=tokens("engineer")), 200) == system
    listed = answer(await http.get("/orgs/acme/systems", headers=tokens("auditor")), 200)
    assert [s["host_id"] for s in listed] == ["EMT-0042"]

    changed = answer(
        await http.patch(path, json={"software_release": "7.2", "region": None}, headers=manager),
        200,
    )
    assert (changed["software_release"], changed["region"], changed["site"]) == (
        "7.2",
        None,
        SYSTEM["site"],
    )
    other = answer(
        await http.post("/orgs/globex/systems", json={"host_id": "GLX-1"}, headers=manager), 201
    )
    taken = answer(await http.patch(path, json={"host_id": "GLX-1"}, headers=manager), 409)
    assert taken["errors"][0]["loc"] == ["body", "host_id"]
    again = answer(await http.post("/orgs/globex/systems", json=SYSTEM, headers=manager), 409)
    assert "already a system of acme" in again["detail"]
    for field, value in (
        ("site_time_zone", "Europe/Atlantis"),
        ("holidays_subdivision", "ZZ"),
        ("host_id", ""),
        ("site", "x" * 501),
    ):
        refused = answer(await http.patch(path, json={field: value}, headers=manager), 422)
        assert refused["errors"][0]["loc"] == ["body", field], field
    answer(await http.post("/orgs/nope/systems", json=SYSTEM, headers=manager), 404)
    answer(await http.get("/systems/99999", headers=manager), 404)
    answer(await http.get("/systems/0", headers=manager), 422)
    answer(await http.delete(path, headers=tokens("auditor")), 403)

    removed = answer(await http.delete(f"/systems/{other['id']}", headers=manager), 200)
    assert removed["host_id"] == "GLX-1"
    answer(await http.get(f"/systems/{other['id']}", headers=manager), 404)


async def test_contracts_keep_amounts_exact_and_refuse_what_cannot_be(
    http: httpx.AsyncClient, tokens: TokenFactory, system: dict[str, Any]
) -> None:
    manager = tokens("manager")
    contracts = f"/systems/{system['id']}/contracts"
    created = answer(await http.post(contracts, json=CONTRACT, headers=manager), 201)
    assert (created["monthly_fee"], created["currency"], created["host_id"]) == (
        "1500.00",
        "USD",
        "EMT-0042",
    )
    assert created["starts_at"] == "2026-01-01T07:00:00Z"  # stored and answered in UTC
    listed = answer(await http.get(contracts, headers=tokens("engineer")), 200)
    assert listed == [created]

    one = f"/contracts/{created['id']}"
    cents = answer(await http.patch(one, json={"monthly_fee": "0.10"}, headers=manager), 200)
    assert cents["monthly_fee"] == "0.10"
    for body, loc in (
        ({**CONTRACT, "reference": "SSC-2", "monthly_fee": "-5"}, "monthly_fee"),
        ({**CONTRACT, "reference": "SSC-2", "monthly_fee": "1.001"}, "monthly_fee"),
        ({**CONTRACT, "reference": "SSC-2", "currency": "usd"}, "currency"),
        ({**CONTRACT, "reference": "SSC-2", "currency": None}, "currency"),
        ({**CONTRACT, "reference": "SSC-2", "expires_at": CONTRACT["starts_at"]}, "expires_at"),
        ({**CONTRACT, "reference": "SSC-2", "starts_at": "2026-01-01T00:00:00"}, "starts_at"),
        ({**CONTRACT, "reference": "SSC-2", "plan": "pre\x00mium"}, "plan"),
    ):
        refused = answer(await http.post(contracts, json=body, headers=manager), 422)
        assert refused["errors"][0]["loc"][:2] == ["body", loc], body
    taken = answer(await http.post(contracts, json=CONTRACT, headers=manager), 409)
    assert taken["errors"][0]["loc"] == ["body", "reference"]
    answer(await http.patch(one, json={"currency": "EURO"}, headers=manager), 422)
    answer(await http.post("/systems/99999/contracts", json=CONTRACT, headers=manager), 404)
    answer(await http.patch("/contracts/99999", json={}, headers=manager), 404)
    answer(await http.post(contracts, json=CONTRACT, headers=tokens("auditor")), 403)

    # A system covered by a contract stays until the contract goes.
    refused = answer(await http.delete(f"/systems/{system['id']}", headers=manager), 409)
    assert "SSC-1" in refused["detail"]
    removed = answer(await http.delete(one, headers=manager), 200)
    assert removed["reference"] == "SSC-1"
    answer(await http.delete(one, headers=manager), 404)
    answer(await http.delete(f"/systems/{system['id']}", headers=manager), 200)


async def test_warranties_are_their_own_kind(
    http: httpx.AsyncClient, tokens: TokenFactory, system: dict[str, Any]
) -> None:
    manager = tokens("manager")
    warranties = f"/systems/{system['id']}/warranties"
    created = answer(await http.post(warranties, json=WARRANTY, headers=manager), 201)
    assert (created["extended"], created["plan"]) == (True, None)
    assert "monthly_fee" not in created
    one = f"/warranties/{created['id']}"
    assert (
        answer(await http.patch(one, json={"extended": False}, headers=manager), 200)["extended"]
        is False
    )
    # A contract may share a warranty's reference; a warranty may not.
    contract = {**CONTRACT, "reference": "HW-7"}
    answer(
        await http.post(f"/systems/{system['id']}/contracts", json=contract, headers=manager), 201
    )
    answer(await http.post(warranties, json=WARRANTY, headers=manager), 409)
    answer(await http.post(warranties, json={**WARRANTY, "monthly_fee": "1"}, headers=manager), 422)
    # A warranty is not a contract: its id does not name one.
    answer(await http.delete(f"/contracts/{created['id']}", headers=manager), 404)
    listed = answer(await http.get(warranties, headers=tokens("engineer")), 200)
    assert [w["reference"] for w in listed] == ["HW-7"]
    answer(await http.delete(one, headers=manager), 200)
    assert answer(await http.get(warranties, headers=manager), 200) == []


async def test_a_partner_reads_the_systems_of_its_clients_only(
    http: httpx.AsyncClient, tokens: TokenFactory, system: dict[str, Any]
) -> None:
    manager = tokens("manager")
    answer(
        await http.post(f"/systems/{system['id']}/contracts", json=CONTRACT, headers=manager), 201
    )
    theirs = answer(
        await http.post("/orgs/globex/systems", json={"host_id": "GLX-1"}, headers=manager), 201
    )
    partner = tokens("partner", "reseller")
    assert answer(await http.get(f"/systems/{system['id']}", headers=partner), 200)["id"]
    contracts = answer(await http.get(f"/systems/{system['id']}/contracts", headers=partner), 200)
    assert [c["reference"] for c in contracts] == ["SSC-1"]
    for path in (
        f"/systems/{theirs['id']}",
        f"/systems/{theirs['id']}/contracts",
        f"/systems/{theirs['id']}/warranties",
        "/orgs/globex/systems",
    ):
        answer(await http.get(path, headers=partner), 404)
    answer(await http.patch(f"/systems/{system['id']}", json={}, headers=partner), 403)


async def test_system_and_coverage_changes_show_in_the_organisations_trail(
    http: httpx.AsyncClient, tokens: TokenFactory, system: dict[str, Any]
) -> None:
    manager = tokens("manager")
    contract = answer(
        await http.post(f"/systems/{system['id']}/contracts", json=CONTRACT, headers=manager), 201
    )
    answer(
        await http.patch(f"/contracts/{contract['id']}", json={"plan": "basic"}, headers=manager),
        200,
    )
    trail = answer(await http.get("/orgs/acme/changes", headers=manager), 200)
    assert [(c["entity"], c["action"]) for c in trail[:3]] == [
        ("contract", "updated"),
        ("contract", "created"),
        ("system", "created"),
    ]
    assert {c["actor"] for c in trail} == {"manager:manager-all"}
    updated = trail[0]
    assert (updated["before"]["plan"], updated["after"]["plan"]) == ("premium", "basic")
    assert updated["after"]["monthly_fee"] == "1500.00"
    globex = answer(await http.get("/orgs/globex/changes", headers=manager), 200)
    assert [c["entity"] for c in globex] == ["organisation"]
