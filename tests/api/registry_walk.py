"""The client registry's part of tests/api/test_documented_statuses.py's walk: each
registry operation's documented statuses that generated requests cannot reach (a 200 on a
real id, a 409 on a taken key, a 403 by role), each checked as it is answered."""

from typing import Any, Protocol

Headers = dict[str, str]
CSV = {"Content-Type": "text/csv"}
CONTRACT = {
    "reference": "WALK-C1",
    "plan": "standard",
    "starts_at": "2026-01-01T00:00:00+00:00",
    "expires_at": "2027-01-01T00:00:00+00:00",
    "monthly_fee": "1500.00",
    "currency": "USD",
}
WARRANTY = {
    "reference": "WALK-W1",
    "starts_at": "2026-01-01T00:00:00+00:00",
    "expires_at": "2029-01-01T00:00:00+00:00",
}


class Keys(Protocol):
    engineer: Headers
    acme: Headers
    globex: Headers
    manager: Headers
    auditor: Headers


class Walk(Protocol):
    @property
    def keys(self) -> Keys: ...

    async def expect(
        self,
        status: int,
        method: str,
        path: str,
        key: Headers,
        headers: Headers | None = None,
        raw_answer: bool = False,
        **kwargs: Any,
    ) -> Any: ...


async def walk_registry(walk: Walk) -> None:
    """Organisations (acme's contact Ada is already in the registry), contacts, the trail,
    systems, contracts, warranties and CSV files."""
    keys = walk.keys
    manager = keys.manager
    await walk.expect(201, "POST", "/orgs", manager, json={"id": "acme", "name": "Acme"})
    await walk.expect(201, "POST", "/orgs", manager, json={"id": "globex", "name": "Globex"})
    reseller = {"id": "reseller", "name": "Reseller", "kind": "partner", "clients": ["acme"]}
    await walk.expect(201, "POST", "/orgs", manager, json=reseller)
    await walk.expect(409, "POST", "/orgs", manager, json={"id": "acme", "name": "Again"})
    await walk.expect(403, "POST", "/orgs", keys.auditor, json={"id": "x", "name": "X"})
    await walk.expect(422, "POST", "/orgs", manager, json={"id": "a b", "name": "X"})
    await walk.expect(200, "GET", "/orgs", keys.acme)
    await walk.expect(200, "GET", "/orgs/acme", keys.acme)
    await walk.expect(404, "GET", "/orgs/globex", keys.acme)
    await walk.expect(422, "GET", "/orgs/%01", keys.acme)
    await walk.expect(200, "PATCH", "/orgs/acme", manager, json={"time_zone": "America/Denver"})
    await walk.expect(409, "PATCH", "/orgs/acme", manager, json={"kind": "partner"})
    await walk.expect(422, "PATCH", "/orgs/acme", manager, json={"time_zone": "Mars/Olympus"})
    await walk.expect(403, "PATCH", "/orgs/acme", keys.engineer, json={"name": "X"})
    await walk.expect(404, "PATCH", "/orgs/nowhere", manager, json={"name": "X"})

    contacts = "/orgs/acme/contacts"
    await walk.expect(200, "GET", contacts, keys.acme)
    await walk.expect(404, "GET", "/orgs/globex/contacts", keys.acme)
    await walk.expect(422, "GET", "/orgs/%01/contacts", keys.acme)
    bob = {"email": "bob@acme.test", "name": "Bob"}
    contact = await walk.expect(201, "POST", contacts, manager, json=bob)
    await walk.expect(409, "POST", contacts, manager, json={"email": "ada@acme.test"})
    await walk.expect(403, "POST", contacts, keys.auditor, json=bob)
    await walk.expect(404, "POST", "/orgs/nowhere/contacts", manager, json=bob)
    await walk.expect(422, "POST", contacts, manager, json={"email": "bob"})
    one = f"{contacts}/{contact['id']}"
    await walk.expect(200, "PATCH", one, manager, json={"role": "backup"})
    await walk.expect(409, "PATCH", one, manager, json={"email": "ADA@acme.test"})
    await walk.expect(422, "PATCH", one, manager, json={"role": "chief"})
    await walk.expect(403, "PATCH", one, keys.acme, json={"role": "primary"})
    await walk.expect(404, "PATCH", f"{contacts}/999999", manager, json={})
    await walk.expect(403, "DELETE", one, keys.auditor)
    await walk.expect(200, "DELETE", one, manager)
    await walk.expect(404, "DELETE", one, manager)
    await walk.expect(422, "DELETE", f"{contacts}/0", manager)

    changes = "/orgs/acme/changes"
    await walk.expect(200, "GET", changes, keys.acme)
    await walk.expect(404, "GET", "/orgs/globex/changes", keys.acme)
    await walk.expect(422, "GET", changes, keys.acme, params={"limit": 0})

    await walk_systems(walk)
    await walk_csv(walk)


async def walk_systems(walk: Walk) -> None:
    keys = walk.keys
    manager = keys.manager
    systems = "/orgs/acme/systems"
    await walk.expect(200, "GET", systems, keys.acme)
    await walk.expect(404, "GET", "/orgs/globex/systems", keys.acme)
    await walk.expect(422, "GET", "/orgs/%01/systems", keys.acme)
    system = await walk.expect(201, "POST", systems, manager, json={"host_id": "WALK-1"})
    other = await walk.expect(201, "POST", systems, manager, json={"host_id": "WALK-2"})
    await walk.expect(409, "POST", systems, manager, json={"host_id": "WALK-1"})
    await walk.expect(403, "POST", systems, keys.engineer, json={"host_id": "WALK-3"})
    await walk.expect(404, "POST", "/orgs/nowhere/systems", manager, json={"host_id": "W"})
    await walk.expect(422, "POST", systems, manager, json={"host_id": ""})
    one, two = f"/systems/{system['id']}", f"/systems/{other['id']}"
    await walk.expect(200, "GET", one, keys.acme)
    await walk.expect(404, "GET", "/systems/999999", keys.acme)
    await walk.expect(422, "GET", "/systems/0", keys.acme)
    await walk.expect(200, "PATCH", one, manager, json={"site": "HQ"})
    await walk.expect(409, "PATCH", one, manager, json={"host_id": "WALK-2"})
    await walk.expect(422, "PATCH", one, manager, json={"site_time_zone": "Mars/Olympus"})
    await walk.expect(403, "PATCH", one, keys.auditor, json={"site": "HQ"})
    await walk.expect(404, "PATCH", "/systems/999999", manager, json={})

    for kind, body, key_field in (
        ("contracts", CONTRACT, "currency"),
        ("warranties", WARRANTY, "plan"),
    ):
        listed = f"{one}/{kind}"
        await walk.expect(200, "GET", listed, keys.acme)
        await walk.expect(404, "GET", f"/systems/999999/{kind}", keys.acme)
        await walk.expect(422, "GET", f"/systems/0/{kind}", keys.acme)
        made = await walk.expect(201, "POST", listed, manager, json=body)
        await walk.expect(409, "POST", listed, manager, json=body)
        await walk.expect(403, "POST", listed, keys.auditor, json=body)
        await walk.expect(404, "POST", f"/systems/999999/{kind}", manager, json=body)
        await walk.expect(422, "POST", listed, manager, json={**body, key_field: "x\x01"})
        second = await walk.expect(
            201,
            "POST",
            f"{two}/{kind}",
            manager,
            json={**body, "reference": f"{body['reference']}-2"},
        )
        path = f"/{kind}/{made['id']}"
        await walk.expect(200, "PATCH", path, manager, json={"plan": "premium"})
        await walk.expect(409, "PATCH", path, manager, json={"reference": second["reference"]})
        await walk.expect(422, "PATCH", path, manager, json={"expires_at": body["starts_at"]})
        await walk.expect(403, "PATCH", path, keys.engineer, json={})
        await walk.expect(404, "PATCH", f"/{kind}/999999", manager, json={})
        await walk.expect(409, "DELETE", two, manager)  # still covered
        await walk.expect(403, "DELETE", f"/{kind}/{second['id']}", keys.auditor)
        await walk.expect(200, "DELETE", f"/{kind}/{second['id']}", manager)
        await walk.expect(404, "DELETE", f"/{kind}/{second['id']}", manager)
        await walk.expect(422, "DELETE", f"/{kind}/0", manager)
    await walk.expect(403, "DELETE", two, keys.auditor)
    await walk.expect(200, "DELETE", two, manager)
    await walk.expect(404, "DELETE", two, manager)
    await walk.expect(422, "DELETE", "/systems/0", manager)


async def walk_csv(walk: Walk) -> None:
    keys = walk.keys
    manager = keys.manager
    for kind in ("organisations", "contacts", "systems", "contracts", "warranties"):
        path = f"/registry/{kind}.csv"
        text = (await walk.expect(200, "GET", path, keys.acme, raw_answer=True)).decode()
        exported = await walk.expect(200, "GET", path, manager, raw_answer=True)
        await walk.expect(200, "POST", path, manager, CSV, content=exported)
        if kind == "contacts":
            bad = text + "acme,not-an-address,X,,\n"
            refused = await walk.expect(422, "POST", path, manager, CSV, content=bad)
            assert refused["errors"][0]["loc"][2] == "email"
    path = "/registry/contacts.csv"
    await walk.expect(403, "POST", path, keys.auditor, CSV, content="org,email,name,role,phone\n")
    await walk.expect(415, "POST", path, manager, {"Content-Type": "text/plain"}, content="x")
    await walk.expect(413, "POST", path, manager, CSV, content="x" * 5_000_001)
    await walk.expect(422, "GET", "/registry/people.csv", manager)
