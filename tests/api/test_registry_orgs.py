"""`/orgs`: organisations, partners' clients, contacts and the change trail over HTTP, on
SQLite and PostgreSQL: each route's success and refusals, who may write, what a partner sees."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine

from activities.client_registry import RegistryActivities
from models.case.activity_inputs import ContactRequest
from tests.api.conftest import TokenFactory
from tests.api.registry_client import ACME, answer, registry_client


@pytest.fixture
async def http(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with registry_client(engine) as client:
        yield client


@pytest.fixture
async def orgs(http: httpx.AsyncClient, tokens: TokenFactory) -> None:
    """acme (client, Denver), globex (client) and reseller (a partner acting for acme)."""
    manager = tokens("manager")
    for body in (
        ACME,
        {"id": "globex", "name": "Globex"},
        {"id": "reseller", "name": "Reseller", "kind": "partner", "clients": ["acme"]},
    ):
        answer(await http.post("/orgs", json=body, headers=manager), 201)


async def test_a_manager_creates_reads_and_updates_an_organisation(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    manager = tokens("manager")
    created = answer(await http.post("/orgs", json=ACME, headers=manager), 201)
    assert created | {"created_at": None, "updated_at": None} == {
        **ACME,
        "kind": "client",
        "clients": [],
        "partners": [],
        "created_at": None,
        "updated_at": None,
    }
    assert answer(await http.get("/orgs/acme", headers=tokens("engineer")), 200) == created

    changed = answer(
        await http.patch(
            "/orgs/acme",
            json={"name": "Acme Inc", "holidays_country": "FR", "holidays_subdivision": None},
            headers=tokens("admin"),
        ),
        200,
    )
    assert (changed["name"], changed["holidays_country"], changed["holidays_subdivision"]) == (
        "Acme Inc",
        "FR",
        None,
    )
    assert changed["time_zone"] == "America/Denver"  # not named, not changed
    listed = answer(await http.get("/orgs", headers=tokens("auditor")), 200)
    assert [o["id"] for o in listed] == ["acme"]


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        ({**ACME, "id": "has space"}, 422, ["body", "id"]),
        ({**ACME, "id": "a/b"}, 422, ["body", "id"]),
        ({**ACME, "time_zone": "Mars/Olympus"}, 422, ["body", "time_zone"]),
        ({**ACME, "holidays_country": "XX"}, 422, ["body", "holidays_country"]),
        ({**ACME, "holidays_subdivision": "ZZ"}, 422, ["body", "holidays_subdivision"]),
        ({**ACME, "name": "Acme\nCorp"}, 422, ["body", "name"]),
        ({**ACME, "kind": "vendor"}, 422, ["body", "kind"]),
        ({**ACME, "clients": ["globex"]}, 422, ["body", "clients"]),
        ({**ACME, "colour": "red"}, 422, ["body", "colour"]),
    ],
)
async def test_a_wrong_organisation_is_refused_naming_the_field(
    http: httpx.AsyncClient,
    tokens: TokenFactory,
    body: dict[str, object],
    status: int,
    loc: list[str],
) -> None:
    refused = answer(await http.post("/orgs", json=body, headers=tokens("manager")), status)
    assert refused["errors"][0]["loc"] == loc
    assert answer(await http.get("/orgs", headers=tokens("manager")), 200) == []


@pytest.mark.usefixtures("orgs")
async def test_refusals_of_organisation_changes(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    manager = tokens("manager")
    taken = answer(await http.post("/orgs", json=ACME, headers=manager), 409)
    assert taken["errors"] == [{"loc": ["body", "id"], "msg": "the organisation 'acme' exists"}]
    acted_for = answer(
        await http.patch("/orgs/acme", json={"kind": "partner"}, headers=manager), 409
    )
    assert acted_for["errors"][0]["loc"] == ["body", "kind"]
    unknown_client = answer(
        await http.patch("/orgs/reseller", json={"clients": ["acme", "nope"]}, headers=manager), 422
    )
    assert unknown_client["errors"][0]["loc"] == ["body", "clients", 1]
    answer(await http.patch("/orgs/nope", json={"name": "X"}, headers=manager), 404)
    answer(await http.get("/orgs/nope", headers=manager), 404)


@pytest.mark.usefixtures("orgs")
async def test_only_managers_and_admins_change_the_registry(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    body = {"id": "initech", "name": "Initech"}
    auditor = answer(await http.post("/orgs", json=body, headers=tokens("auditor")), 403)
    assert auditor["detail"] == "auditors read everything and change nothing"
    for role, org in (("engineer", None), ("partner", "reseller")):
        refused = answer(await http.post("/orgs", json=body, headers=tokens(role, org)), 403)
        assert refused["detail"] == "changing the client registry needs the manager role"
    contact = {"email": "eve@acme.test", "name": "Eve"}
    answer(await http.post("/orgs/acme/contacts", json=contact, headers=tokens("auditor")), 403)
    answer(await http.patch("/orgs/acme", json={"name": "X"}, headers=tokens("auditor")), 403)
    answer(await http.delete("/orgs/acme/contacts/1", headers=tokens("auditor")), 403)
    answer(await http.get("/orgs", headers={}), 401)
    assert [o["id"] for o in answer(await http.get("/orgs", headers=tokens("manager")), 200)] == [
        "acme",
        "globex",
        "reseller",
    ]


@pytest.mark.usefixtures("orgs")
async def test_a_partner_reads_its_own_organisation_and_its_clients_only(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    manager = tokens("manager")
    ada = {"email": "ada@acme.test", "name": "Ada"}
    answer(await http.post("/orgs/acme/contacts", json=ada, headers=manager), 201)
    gus = {"email": "gus@globex.test", "name": "Gus"}
    answer(await http.post("/orgs/globex/contacts", json=gus, headers=manager), 201)

    partner = tokens("partner", "reseller")
    listed = answer(await http.get("/orgs", headers=partner), 200)
    assert [(o["id"], o["clients"], o["partners"]) for o in listed] == [
        ("acme", [], ["reseller"]),
        ("reseller", ["acme"], []),
    ]
    assert answer(await http.get("/orgs/acme", headers=partner), 200)["id"] == "acme"
    contacts = answer(await http.get("/orgs/acme/contacts", headers=partner), 200)
    assert [c["email"] for c in contacts] == ["ada@acme.test"]
    answer(await http.get("/orgs/acme/changes", headers=partner), 200)
    # Another organisation: 404, exactly like one that does not exist.
    for path in ("/orgs/globex", "/orgs/globex/contacts", "/orgs/globex/changes"):
        hidden = answer(await http.get(path, headers=partner), 404)
        missing = answer(await http.get(path.replace("globex", "nowhere"), headers=partner), 404)
        assert hidden["detail"].replace("globex", "X") == missing["detail"].replace("nowhere", "X")
    # A client's own partner key sees the client alone, not the partner acting for it.
    acme = tokens("partner", "acme")
    assert [o["id"] for o in answer(await http.get("/orgs", headers=acme), 200)] == ["acme"]
    assert answer(await http.get("/orgs/acme", headers=acme), 200)["partners"] == []
    answer(await http.get("/orgs/reseller", headers=acme), 404)


@pytest.mark.usefixtures("orgs")
async def test_contacts_are_added_changed_and_removed_with_effect_at_once(
    http: httpx.AsyncClient, tokens: TokenFactory, engine: Engine
) -> None:
    manager = tokens("manager")
    ada = {"email": "Ada@Acme.test", "name": "Ada", "role": "primary", "phone": "+1 555 0100"}
    created = answer(await http.post("/orgs/acme/contacts", json=ada, headers=manager), 201)
    assert created["email"] == "ada@acme.test" and created["org"] == "acme"
    authorised = RegistryActivities(engine).is_authorised_contact
    assert authorised(ContactRequest(org="acme", email="ada@acme.test"))

    path = f"/orgs/acme/contacts/{created['id']}"
    changed = answer(await http.patch(path, json={"role": "backup"}, headers=manager), 200)
    assert (changed["role"], changed["phone"]) == ("backup", "+1 555 0100")
    again = answer(await http.post("/orgs/acme/contacts", json=ada, headers=manager), 409)
    assert again["errors"][0]["loc"] == ["body", "email"]
    bob = {"email": "bob@acme.test", "name": "Bob"}
    bob_id = answer(await http.post("/orgs/acme/contacts", json=bob, headers=manager), 201)["id"]
    clash = {"email": "ADA@acme.test"}
    answer(await http.patch(f"/orgs/acme/contacts/{bob_id}", json=clash, headers=manager), 409)
    bad = answer(await http.patch(path, json={"email": "ada@"}, headers=manager), 422)
    assert bad["errors"][0]["loc"] == ["body", "email"]
    answer(await http.patch(path, json={"role": "boss"}, headers=manager), 422)
    # Another organisation's contact id, through this one: not found.
    answer(await http.patch(path.replace("acme", "globex"), json={}, headers=manager), 404)
    answer(await http.post("/orgs/nope/contacts", json=bob, headers=manager), 404)

    removed = answer(await http.delete(path, headers=manager), 200)
    assert removed["email"] == "ada@acme.test"
    assert not authorised(ContactRequest(org="acme", email="ada@acme.test"))
    answer(await http.delete(path, headers=manager), 404)
    answer(await http.delete("/orgs/acme/contacts/0", headers=manager), 422)
    listed = answer(await http.get("/orgs/acme/contacts", headers=tokens("engineer")), 200)
    assert [c["email"] for c in listed] == ["bob@acme.test"]


@pytest.mark.usefixtures("orgs")
async def test_every_change_shows_in_the_trail_with_its_actor(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    admin = tokens("admin")
    ada = {"email": "ada@acme.test", "name": "Ada"}
    contact = answer(await http.post("/orgs/acme/contacts", json=ada, headers=admin), 201)
    path = f"/orgs/acme/contacts/{contact['id']}"
    answer(await http.patch(path, json={"name": "Ada L."}, headers=tokens("manager")), 200)
    answer(await http.delete(path, headers=admin), 200)
    answer(await http.patch("/orgs/reseller", json={"clients": []}, headers=admin), 200)

    trail = answer(await http.get("/orgs/acme/changes", headers=tokens("auditor")), 200)
    assert [(c["actor"], c["entity"], c["action"]) for c in trail] == [
        ("admin:admin-all", "partner_client", "removed"),
        ("admin:admin-all", "contact", "removed"),
        ("manager:manager-all", "contact", "updated"),
        ("admin:admin-all", "contact", "created"),
        ("manager:manager-all", "partner_client", "created"),
        ("manager:manager-all", "organisation", "created"),
    ]
    removed, updated = trail[1], trail[2]
    assert removed["before"]["name"] == "Ada L." and removed["after"] is None
    assert (updated["before"]["name"], updated["after"]["name"]) == ("Ada", "Ada L.")
    page = answer(
        await http.get(
            "/orgs/acme/changes", params={"limit": 2, "before": trail[1]["id"]}, headers=admin
        ),
        200,
    )
    assert [c["id"] for c in page] == [trail[2]["id"], trail[3]["id"]]
    answer(await http.get("/orgs/acme/changes", params={"limit": 0}, headers=admin), 422)
    answer(await http.get("/orgs/nope/changes", headers=admin), 404)
