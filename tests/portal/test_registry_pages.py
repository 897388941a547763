"""The client registry's pages: a manager onboards a client through them, refusals are shown
beside their fields, and who may see and change what."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from escalator import registry
from escalator.infra.settings import Settings
from escalator.registry.inputs import NewContract, NewSystem
from escalator.registry.records import Contract
from tests.portal.conftest import Person, csrf
from tests.portal.registry_pages import (
    app_without_worker,
    changing_forms,
    element,
    error_beside,
    seed,
    trail,
    trail_ids,
)


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


@pytest.fixture
async def portal_app(engine: Engine, settings: Settings) -> AsyncIterator[FastAPI]:
    async for app in app_without_worker(engine, settings):
        yield app


async def test_a_manager_onboards_a_client_and_the_trail_lists_each_change(
    person: Person, engine: Engine
) -> None:
    mia = await person("mia", "manager")
    listed = await mia.get("/portal/orgs")
    assert listed.status_code == 200, listed.text
    assert '<a href="/portal/orgs">Clients</a>' in listed.text, "the nav link"
    token = csrf(listed)

    created = await mia.post(
        "/portal/orgs",
        data={
            "csrf_token": token,
            "id": "acme",
            "name": "Acme Corp",
            "kind": "client",
            "time_zone": "America/Denver",
            "holidays_country": "US",
            "holidays_subdivision": "CO",
        },
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/portal/orgs/acme?saved=created"
    contact = await mia.post(
        "/portal/orgs/acme/contacts",
        data={
            "csrf_token": token,
            "email": "Bob@Acme.test",
            "name": "Bob Backup",
            "role": "backup",
            "phone": "+1 303 555 0101",
        },
    )
    assert contact.status_code == 303, contact.text
    assert contact.headers["location"] == "/portal/orgs/acme?saved=contact#contacts"
    system = await mia.post(
        "/portal/orgs/acme/systems",
        data={
            "csrf_token": token,
            "host_id": "EMT-0042",
            "system_type": "MX-ONE",
            "software_release": "7.2",
            "serial_numbers": "",
            "site": "Denver HQ",
            "region": "north_america",
            "site_time_zone": "America/Denver",
            "holidays_country": "",
            "holidays_subdivision": "",
        },
    )
    assert system.status_code == 303, system.text
    with Session(engine) as session:
        host = registry.system_by_host(session, "EMT-0042")
    assert host is not None and host.org == "acme"
    contract = await mia.post(
        "/portal/orgs/acme/contracts",
        data={
            "csrf_token": token,
            "system": str(host.id),
            "reference": "SSC-1",
            "plan": "premium",
            "starts_at": "2026-01-01",
            "expires_at": "2027-01-01",
            "monthly_fee": "1500.00",
            "currency": "USD",
        },
    )
    assert contract.status_code == 303, contract.text
    assert contract.headers["location"] == f"/portal/orgs/acme?saved=contract#system-{host.id}"

    # The registry holds what the forms said (dates: midnight in the client's zone).
    with Session(engine) as session:
        org = registry.read_organisation(session, "acme")
        contacts = registry.list_contacts(session, "acme")
        covered = registry.list_coverage(session, "contract", host.id or 0)
    assert (org.name, org.time_zone, org.holidays_country, org.holidays_subdivision) == (
        "Acme Corp",
        "America/Denver",
        "US",
        "CO",
    )
    assert [(c.email, c.name, c.role, c.phone) for c in contacts] == [
        ("bob@acme.test", "Bob Backup", "backup", "+1 303 555 0101")
    ]
    assert len(covered) == 1 and isinstance(covered[0], Contract)
    assert covered[0].starts_at == datetime(2026, 1, 1, 7, tzinfo=UTC)
    assert covered[0].expires_at == datetime(2027, 1, 1, 7, tzinfo=UTC)
    assert covered[0].monthly_fee == "1500.00" and covered[0].currency == "USD"

    shown = await mia.get(contract.headers["location"])
    assert shown.status_code == 200, shown.text
    assert element(shown, "p", "notice") == "The contract is saved."
    assert "bob@acme.test" in element(shown, "table", "contact-list")
    row = element(shown, "tr", f"contract-{covered[0].id}-row")
    assert "SSC-1 premium 2026-01-01 to 2027-01-01 1500.00 USD" in row
    assert element(shown, "h3", f"system-{host.id}-h") == "EMT-0042"

    # Newest first, each change with the manager as its actor, and what it recorded.
    assert trail(shown) == [
        ("manager:mia", "created", "contract", "SSC-1"),
        ("manager:mia", "created", "system", "EMT-0042"),
        ("manager:mia", "created", "contact", "bob@acme.test"),
        ("manager:mia", "created", "organisation", "acme"),
    ]
    newest = element(shown, "li", trail_ids(shown)[0])
    assert "monthly_fee — 1500.00" in newest and "system — EMT-0042" in newest
    assert "starts_at — 2026-01-01T07:00:00Z" in newest


async def test_a_manager_edits_and_removes_records_and_a_covered_system_stays(
    person: Person, engine: Engine
) -> None:
    seed(engine)
    with Session(engine) as session, registry.editing(session, "cli:setup") as edit:
        system = registry.add_system(edit, "zeta", NewSystem(host_id="ZX-1", site="Denver"))
        contract = registry.add_coverage(
            edit,
            "zeta",
            system,
            NewContract(
                reference="Z-1",
                starts_at=datetime(2026, 1, 1, 7, tzinfo=UTC),
                expires_at=datetime(2027, 1, 1, 7, tzinfo=UTC),
                monthly_fee=Decimal("100.00"),
                currency="EUR",
            ),
        )
        system_id, contract_id = system.id, contract.id
    mia = await person("mia", "manager")
    page = await mia.get("/portal/orgs/zeta")
    assert page.status_code == 200, page.text
    token = csrf(page)
    # The edit forms hold the records as they are; the period as the form takes it back.
    assert (
        f'id="contract-{contract_id}-starts_at" name="starts_at" type="text" value="2026-01-01"'
        in page.text
    )

    edited = await mia.post(
        f"/portal/orgs/zeta/contracts/{contract_id}/edit",
        data={
            "csrf_token": token,
            "reference": "Z-1",
            "plan": "",
            "starts_at": "2026-01-01",
            "expires_at": "2026-07-01T00:00+02:00",
            "monthly_fee": "120.50",
            "currency": "EUR",
        },
    )
    assert edited.status_code == 303, edited.text
    # A record of another organisation is no record of this one's page.
    for path in (f"contracts/{contract_id}/edit", f"systems/{system_id}/remove", "contacts/x/edit"):
        other = await mia.post(f"/portal/orgs/omega/{path}", data={"csrf_token": token})
        assert other.status_code == 404 and "Not found" in other.text, path
    covered = await mia.post(
        f"/portal/orgs/zeta/systems/{system_id}/remove", data={"csrf_token": token}
    )
    assert covered.status_code == 409, covered.text
    assert element(covered, "p", f"system-{system_id}-remove-form-error") == (
        "ZX-1 is still covered by Z-1: remove those first"
    )
    for path in (f"contracts/{contract_id}/remove", f"systems/{system_id}/remove"):
        removed = await mia.post(f"/portal/orgs/zeta/{path}", data={"csrf_token": token})
        assert removed.status_code == 303, (path, removed.text)
    with Session(engine) as session:
        assert registry.list_systems(session, "zeta") == []

    shown = await mia.get("/portal/orgs/zeta?saved=system-removed")
    assert element(shown, "p", "notice") == "The system is removed."
    assert trail(shown)[:3] == [
        ("manager:mia", "removed", "system", "ZX-1"),
        ("manager:mia", "removed", "contract", "Z-1"),
        ("manager:mia", "updated", "contract", "Z-1"),
    ]
    update = element(shown, "li", trail_ids(shown)[2])
    assert "monthly_fee 100.00 120.50" in update
    assert "expires_at 2027-01-01T07:00:00Z 2026-06-30T22:00:00Z" in update
    assert "reference" not in update, "only what changed"


async def test_a_wrong_zone_is_refused_beside_its_field_and_changes_nothing(
    person: Person, engine: Engine
) -> None:
    seed(engine)
    mia = await person("mia", "manager")
    token = csrf(await mia.get("/portal/orgs/zeta"))
    refused = await mia.post(
        "/portal/orgs/zeta/systems",
        data={"csrf_token": token, "host_id": "ZX-9", "site_time_zone": "Mars/Olympus"},
    )
    assert refused.status_code == 422, refused.text
    assert error_beside(refused, "system-new-site_time_zone").startswith(
        "unknown IANA time zone 'Mars/Olympus'"
    )
    assert element(refused, "p", "form-errors") == "Nothing was changed: see the form marked below."
    # The form comes back open, with what was typed.
    assert '<details class="edit" id="system-new" open>' in refused.text
    assert 'id="system-new-host_id" name="host_id" type="text" value="ZX-9"' in refused.text

    new_org = {"csrf_token": token, "id": "mars", "name": "Mars", "kind": "client"}
    wrong = await mia.post("/portal/orgs", data={**new_org, "time_zone": "Mars/Olympus"})
    assert wrong.status_code == 422
    assert "unknown IANA time zone" in error_beside(wrong, "org-new-time_zone")
    # Several fields wrong at once: each beside its own.
    several = await mia.post(
        "/portal/orgs", data={**new_org, "id": "no spaces", "name": "", "time_zone": "UTC"}
    )
    assert several.status_code == 422
    assert "should match pattern" in error_beside(several, "org-new-id")
    assert error_beside(several, "org-new-name") == "is required"
    with Session(engine) as session:
        assert registry.list_systems(session, "zeta") == []
        orgs = [o.id for o in registry.list_organisations(session)]
    assert orgs == ["omega", "reseller", "zeta"]


async def test_a_duplicate_contact_is_a_conflict(person: Person, engine: Engine) -> None:
    seed(engine)
    mia = await person("mia", "manager")
    token = csrf(await mia.get("/portal/orgs/omega"))
    taken = await mia.post(
        "/portal/orgs/omega/contacts",
        data={"csrf_token": token, "email": "Olga@Omega.test", "role": "backup"},
    )
    assert taken.status_code == 409, taken.text
    assert (
        error_beside(taken, "contact-new-email") == "olga@omega.test is already a contact of omega"
    )
    with Session(engine) as session:
        assert [c.role for c in registry.list_contacts(session, "omega")] == ["primary"]


async def test_auditors_and_engineers_read_without_forms_and_may_not_post(
    person: Person, engine: Engine
) -> None:
    seed(engine)
    ida = await person("ida", "auditor")
    listed = await ida.get("/portal/orgs")
    assert listed.status_code == 200 and "zeta" in element(listed, "table", "org-list")
    assert '<a href="/portal/orgs">Clients</a>' in listed.text
    page = await ida.get("/portal/orgs/omega")
    assert page.status_code == 200 and "olga@omega.test" in page.text
    assert changing_forms(listed) == [] and changing_forms(page) == []
    token = csrf(page)
    for path, data in (
        ("/portal/orgs", {"id": "x", "name": "X", "kind": "client", "time_zone": "UTC"}),
        ("/portal/orgs/omega/contacts", {"email": "ivy@omega.test", "role": "other"}),
        ("/portal/orgs/omega/edit", {"name": "Renamed", "kind": "client", "time_zone": "UTC"}),
    ):
        refused = await ida.post(path, data={"csrf_token": token, **data})
        assert refused.status_code == 403, path
        assert "Auditors read everything and change nothing." in refused.text
    with Session(engine) as session:
        assert len(registry.list_contacts(session, "omega")) == 1
        assert registry.read_organisation(session, "omega").name == "Omega Ltd"

    eve = await person("eve", "engineer")
    read = await eve.get("/portal/orgs/zeta")
    assert read.status_code == 200 and changing_forms(read) == []
    refused = await eve.post(
        "/portal/orgs/zeta/contacts", data={"csrf_token": csrf(read), "email": "e@zeta.test"}
    )
    assert refused.status_code == 403
    assert "Changing the client registry needs the manager role." in refused.text


async def test_a_partner_sees_its_own_organisation_and_its_clients_only(
    person: Person, engine: Engine
) -> None:
    seed(engine)
    pam = await person("pam", "partner", org="reseller")
    listed = await pam.get("/portal/orgs")
    assert listed.status_code == 303 and listed.headers["location"] == "/portal/orgs/reseller"
    own = await pam.get("/portal/orgs/reseller")
    assert own.status_code == 200, own.text
    assert element(own, "dd", "clients") == "zeta"
    client = await pam.get("/portal/orgs/zeta")
    assert client.status_code == 200 and element(client, "dd", "partners") == "reseller"
    assert changing_forms(own) == [] and changing_forms(client) == []
    # Another organisation answers exactly like one that does not exist.
    missing = await pam.get("/portal/orgs/nothing")
    assert missing.status_code == 404 and "Not found" in missing.text
    for other in ("/portal/orgs/omega", "/portal/orgs/omega/changes"):
        answer = await pam.get(other)
        assert (answer.status_code, answer.text) == (404, missing.text), other
    refused = await pam.post(
        "/portal/orgs/zeta/contacts", data={"csrf_token": csrf(own), "email": "p@zeta.test"}
    )
    assert refused.status_code == 403
    assert (await pam.get("/portal/registry/import")).status_code == 403
    assert (await pam.get("/portal/registry/contacts.csv")).status_code == 403


async def test_a_form_without_its_token_is_refused(person: Person, engine: Engine) -> None:
    seed(engine)
    mia = await person("mia", "manager")
    for path, data in (
        ("/portal/orgs/omega/contacts", {"email": "ivy@omega.test", "role": "other"}),
        ("/portal/orgs", {"id": "x", "name": "X", "kind": "client", "time_zone": "UTC"}),
        ("/portal/orgs/omega/edit", {"name": "Renamed", "kind": "client", "time_zone": "UTC"}),
    ):
        for token in ({}, {"csrf_token": "not-the-session-token"}):
            refused = await mia.post(path, data={**data, **token})
            assert refused.status_code == 403, path
            assert "Form refused" in refused.text
    with Session(engine) as session:
        assert len(registry.list_contacts(session, "omega")) == 1
        assert registry.read_organisation(session, "omega").name == "Omega Ltd"
        orgs = [o.id for o in registry.list_organisations(session)]
    assert orgs == ["omega", "reseller", "zeta"]


async def test_a_partners_clients_are_edited_on_its_page(person: Person, engine: Engine) -> None:
    seed(engine)
    mia = await person("mia", "manager")
    page = await mia.get("/portal/orgs/reseller")
    assert 'id="org-edit-clients" name="clients" type="text" value="zeta"' in page.text
    form = {"csrf_token": csrf(page), "name": "Reseller", "kind": "partner", "time_zone": "UTC"}
    unknown = await mia.post("/portal/orgs/reseller/edit", data={**form, "clients": "zeta nope"})
    assert unknown.status_code == 422
    assert error_beside(unknown, "org-edit-clients") == "no organisation 'nope'"
    saved = await mia.post("/portal/orgs/reseller/edit", data={**form, "clients": "omega zeta"})
    assert saved.status_code == 303, saved.text
    shown = await mia.get(saved.headers["location"])
    assert element(shown, "dd", "clients") == "omega, zeta"
    assert trail(shown)[0] == ("manager:mia", "created", "partner link", "reseller acts for omega")
    # A client partners act for cannot become a partner.
    turned = await mia.post(
        "/portal/orgs/zeta/edit",
        data={**form, "name": "Zeta Corp", "kind": "partner", "clients": ""},
    )
    assert turned.status_code == 409
    assert (
        error_beside(turned, "org-edit-kind") == "reseller act for zeta: only a client has partners"
    )
