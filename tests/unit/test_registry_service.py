"""The registry service (escalator/registry): what it refuses, naming the field; what it
records; who sees what; and that intake reads a change at once."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from activities.client_registry import RegistryActivities
from escalator import registry
from escalator.registry.inputs import (
    ContactChanges,
    ContractChanges,
    NewContact,
    NewContract,
    NewOrganisation,
    NewSystem,
    NewWarranty,
    OrganisationChanges,
    SystemChanges,
)
from escalator.registry.merging import validated
from models.case.activity_inputs import ContactRequest
from models.tables.client_registry import RegistryChangeRow

START = datetime(2026, 1, 1, tzinfo=UTC)
# 252 characters: with 60 capital dotted I's ("İ", two characters lower-cased) before it, an
# address of 313 characters that lower-cases to 373.
LONG_DOMAIN = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 55, "test"])
ACTOR = "manager:bob"


@pytest.fixture
def filled(session: Session) -> Session:
    """acme (a client in Denver) with Ada, system H-1 and contract SSC-1; globex; a partner
    reseller acting for acme."""
    with registry.editing(session, ACTOR) as edit:
        registry.create_organisation(
            edit,
            NewOrganisation(
                id="acme",
                name="Acme",
                time_zone="America/Denver",
                holidays_country="US",
                holidays_subdivision="CO",
            ),
        )
        registry.create_organisation(edit, NewOrganisation(id="globex", name="Globex"))
        registry.create_organisation(
            edit, NewOrganisation(id="reseller", name="Reseller", kind="partner", clients=["acme"])
        )
        registry.add_contact(edit, "acme", NewContact(email="Ada@Acme.test", name="Ada"))
        system = registry.add_system(edit, "acme", NewSystem(host_id="H-1"))
        registry.add_coverage(edit, "acme", system, _contract())
    return session


def _contract(**changes: Any) -> NewContract:
    fields = {
        "reference": "SSC-1",
        "plan": "premium",
        "starts_at": START,
        "expires_at": START + timedelta(days=365),
        "monthly_fee": "1500.00",
        "currency": "USD",
    }
    return validated(NewContract, fields | changes)


def _refusal(session: Session, change: Any) -> registry.RegistryError:
    before = session.exec(select(RegistryChangeRow)).all()
    with pytest.raises(registry.RegistryError) as refused:
        with registry.editing(session, ACTOR) as edit:
            change(edit)
    # Refused: nothing of it stays, its change records included.
    assert session.exec(select(RegistryChangeRow)).all() == before
    return refused.value


REFUSALS: list[tuple[str, Any, type[registry.RegistryError], list[str | int], str]] = [
    (
        "an organisation id taken",
        lambda e: registry.create_organisation(e, NewOrganisation(id="acme", name="Again")),
        registry.RegistryDuplicate,
        ["id"],
        "exists",
    ),
    (
        "an unknown zone",
        lambda e: registry.update_organisation(
            e, "acme", OrganisationChanges(time_zone="Mars/Olympus")
        ),
        registry.RegistryInvalid,
        ["time_zone"],
        "unknown IANA time zone",
    ),
    (
        "a zone that depends on the host",
        lambda e: registry.update_organisation(
            e, "acme", OrganisationChanges(time_zone="localtime")
        ),
        registry.RegistryInvalid,
        ["time_zone"],
        "unknown IANA time zone",
    ),
    (
        "an unknown holiday country",
        lambda e: registry.update_organisation(
            e, "acme", OrganisationChanges(holidays_country="XX")
        ),
        registry.RegistryInvalid,
        ["holidays_country"],
        "unknown holiday country",
    ),
    (
        "an unknown subdivision",
        lambda e: registry.update_organisation(
            e, "acme", OrganisationChanges(holidays_subdivision="ZZ")
        ),
        registry.RegistryInvalid,
        ["holidays_subdivision"],
        "unknown subdivision 'ZZ' of US",
    ),
    (
        "a subdivision without its country",
        lambda e: registry.update_organisation(
            e, "acme", OrganisationChanges(holidays_country=None)
        ),
        registry.RegistryInvalid,
        ["holidays_subdivision"],
        "needs its country",
    ),
    (
        "an unknown client",
        lambda e: registry.update_organisation(
            e, "reseller", OrganisationChanges(clients=["acme", "nobody"])
        ),
        registry.RegistryInvalid,
        ["clients", 1],
        "no organisation 'nobody'",
    ),
    (
        "a client with clients",
        lambda e: registry.update_organisation(e, "globex", OrganisationChanges(clients=["acme"])),
        registry.RegistryInvalid,
        ["clients"],
        "only a partner acts for clients",
    ),
    (
        "a client partners act for becoming a partner",
        lambda e: registry.update_organisation(e, "acme", OrganisationChanges(kind="partner")),
        registry.RegistryInUse,
        ["kind"],
        "reseller act for acme",
    ),
    (
        "a contact of an unknown organisation",
        lambda e: registry.add_contact(e, "nobody", NewContact(email="a@b.test")),
        registry.RegistryNotFound,
        [],
        "no organisation 'nobody'",
    ),
    (
        "an address the organisation has, in other capitals",
        lambda e: registry.add_contact(e, "acme", NewContact(email="ADA@acme.test")),
        registry.RegistryDuplicate,
        ["email"],
        "already a contact of acme",
    ),
    (
        "a bad address",
        lambda e: registry.update_contact(
            e, "acme", 1, ContactChanges.model_construct(email="ada")
        ),
        registry.RegistryInvalid,
        ["email"],
        "not an e-mail address",
    ),
    (
        "a control character",
        lambda e: registry.update_contact(
            e, "acme", 1, ContactChanges.model_construct(name="Ada\x00")
        ),
        registry.RegistryInvalid,
        ["name"],
        "control character U+0000",
    ),
    (
        "a host ID taken",
        lambda e: registry.add_system(e, "globex", NewSystem(host_id="H-1")),
        registry.RegistryDuplicate,
        ["host_id"],
        "already a system of acme",
    ),
    (
        "a site zone unknown",
        lambda e: registry.update_system(e, 1, SystemChanges(site_time_zone="Europe/Atlantis")),
        registry.RegistryInvalid,
        ["site_time_zone"],
        "unknown IANA time zone",
    ),
    (
        "a system still covered",
        lambda e: registry.remove_system(e, 1),
        registry.RegistryInUse,
        [],
        "still covered by SSC-1",
    ),
    (
        "a reference taken",
        lambda e: registry.add_coverage(e, "acme", None, _contract()),
        registry.RegistryDuplicate,
        ["reference"],
        "reference 'SSC-1' is taken",
    ),
    (
        "a start not before the end",
        lambda e: registry.update_coverage(e, "contract", 1, ContractChanges(expires_at=START)),
        registry.RegistryInvalid,
        ["expires_at"],
        "must be after starts_at",
    ),
    (
        "a negative fee",
        lambda e: registry.update_coverage(
            e, "contract", 1, ContractChanges(monthly_fee=Decimal("-0.01"))
        ),
        registry.RegistryInvalid,
        ["monthly_fee"],
        "may not be negative",
    ),
    (
        "a fee in thousandths",
        lambda e: registry.update_coverage(
            e, "contract", 1, ContractChanges(monthly_fee=Decimal("1.005"))
        ),
        registry.RegistryInvalid,
        ["monthly_fee"],
        "at most two decimals",
    ),
    (
        "a fee beyond what any precision holds",
        lambda e: registry.update_coverage(
            e, "contract", 1, ContractChanges(monthly_fee=Decimal("1E+999999"))
        ),
        registry.RegistryInvalid,
        ["monthly_fee"],
        "at most 12 digits before the point",
    ),
    (
        "an address longer than its column once lower-cased",
        lambda e: registry.add_contact(
            e, "acme", NewContact(email="\u0130" * 60 + "@" + LONG_DOMAIN)
        ),
        registry.RegistryInvalid,
        ["email"],
        "has at most 320 characters",
    ),
    (
        "a currency in small letters",
        lambda e: registry.update_coverage(e, "contract", 1, ContractChanges(currency="usd")),
        registry.RegistryInvalid,
        ["currency"],
        "not an ISO 4217 currency code",
    ),
    (
        "a currency ISO 4217 does not list",
        lambda e: registry.update_coverage(e, "contract", 1, ContractChanges(currency="XXQ")),
        registry.RegistryInvalid,
        ["currency"],
        "not an ISO 4217 currency code",
    ),
    (
        "a fee without a currency",
        lambda e: registry.update_coverage(e, "contract", 1, ContractChanges(currency=None)),
        registry.RegistryInvalid,
        ["currency"],
        "a fee needs its currency",
    ),
    (
        "an instant past what a clock holds",
        lambda e: registry.update_coverage(
            e, "contract", 1, ContractChanges(expires_at=datetime(9999, 12, 31, tzinfo=UTC))
        ),
        registry.RegistryInvalid,
        ["expires_at"],
        "within the years",
    ),
    (
        "a contract looked up as a warranty",
        lambda e: registry.remove_coverage(e, "warranty", 1),
        registry.RegistryNotFound,
        [],
        "no warranty 1",
    ),
]


@pytest.mark.parametrize(
    ("change", "error", "loc", "says"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_a_refused_change_names_its_field_and_changes_nothing(
    filled: Session,
    change: Any,
    error: type[registry.RegistryError],
    loc: list[str | int],
    says: str,
) -> None:
    refused = _refusal(filled, change)
    assert type(refused) is error
    assert refused.loc == loc
    assert says in refused.msg


def test_every_change_is_recorded_with_its_actor_and_the_record_before_and_after(
    filled: Session,
) -> None:
    with registry.editing(filled, "manager:carol") as edit:
        registry.update_contact(edit, "acme", 1, ContactChanges(role="primary", phone="+1 555"))
        # Saying what the record already says changes nothing, and records nothing.
        registry.update_contact(edit, "acme", 1, ContactChanges(role="primary"))
        registry.update_coverage(edit, "contract", 1, ContractChanges(monthly_fee=Decimal("99")))

    newest, contact, *older = registry.changes_of(filled, "acme")
    assert (newest.actor, newest.entity, newest.entity_id, newest.action) == (
        "manager:carol",
        "contract",
        "acme/1",
        "updated",
    )
    assert newest.before is not None and newest.after is not None
    assert (newest.before["monthly_fee"], newest.after["monthly_fee"]) == ("1500.00", "99.00")
    assert contact.before is not None and contact.after is not None
    assert contact.before["role"] == "other" and contact.after["role"] == "primary"
    assert contact.after["phone"] == "+1 555"
    assert [(c.actor, c.entity, c.action) for c in older] == [
        (ACTOR, "contract", "created"),
        (ACTOR, "system", "created"),
        (ACTOR, "contact", "created"),
        (ACTOR, "partner_client", "created"),
        (ACTOR, "organisation", "created"),
    ]
    # Another organisation's trail holds none of acme's, and the link shows on both sides.
    assert [(c.entity, c.entity_id) for c in registry.changes_of(filled, "reseller")] == [
        ("partner_client", "reseller/acme"),
        ("organisation", "reseller"),
    ]
    assert registry.changes_of(filled, "globex")[0].entity == "organisation"
    assert len(registry.changes_of(filled, "acme", limit=2)) == 2
    assert registry.changes_of(filled, "acme", before_id=newest.id)[0].id == contact.id


def test_a_partner_sees_its_own_organisation_and_the_clients_it_acts_for(filled: Session) -> None:
    visible = registry.visible_orgs(filled, "reseller")
    assert visible == {"reseller", "acme"}
    assert [o.id for o in registry.list_organisations(filled, visible)] == ["acme", "reseller"]
    with pytest.raises(registry.RegistryNotFound):
        registry.read_organisation(filled, "globex", visible)
    with pytest.raises(registry.RegistryNotFound):
        registry.list_contacts(filled, "globex", visible)
    assert registry.read_system(filled, 1, visible).host_id == "H-1"
    assert registry.visible_orgs(filled, "globex") == {"globex"}

    # The partner stops acting for acme: from now on acme is out of its sight.
    with registry.editing(filled, ACTOR) as edit:
        registry.update_organisation(edit, "reseller", OrganisationChanges(clients=[]))
    visible = registry.visible_orgs(filled, "reseller")
    with pytest.raises(registry.RegistryNotFound):
        registry.read_system(filled, 1, visible)
    assert registry.read_organisation(filled, "acme").partners == []


def test_a_removed_contact_is_not_authorised_for_the_next_case(
    filled: Session, engine: Engine
) -> None:
    authorised = RegistryActivities(engine).is_authorised_contact
    ada = ContactRequest(org="acme", email="ada@acme.test")
    assert authorised(ada)
    with registry.editing(filled, ACTOR) as edit:
        registry.remove_contact(edit, "acme", 1)
    assert not authorised(ada)
    with registry.editing(filled, ACTOR) as edit:
        registry.add_contact(edit, "acme", NewContact(email="ada@acme.test", name="Ada"))
    assert authorised(ada)


def test_coverage_moves_and_a_warranty_keeps_its_own_fields(filled: Session) -> None:
    warranty = NewWarranty(
        reference="W-1", starts_at=START, expires_at=START + timedelta(days=1), extended=True
    )
    with registry.editing(filled, ACTOR) as edit:
        row = registry.add_coverage(edit, "acme", None, warranty)
        registry.update_coverage(edit, "contract", 1, ContractChanges(), system=None)
    (record,) = [c for c in registry.coverage_of_org(filled, "acme") if c.reference == "W-1"]
    assert record.model_dump()["extended"] is True and record.host_id is None
    assert row.kind == "warranty"
    assert registry.list_coverage(filled, "contract", 1) == []  # moved to the whole client
    with registry.editing(filled, ACTOR) as edit:
        registry.remove_system(edit, 1)
    with pytest.raises(registry.RegistryNotFound):
        registry.read_system(filled, 1)


def test_a_record_removed_meanwhile_is_not_found(filled: Session, engine: Engine) -> None:
    # Read here (and held: the session's identity map keeps what is referenced), as a
    # request reads a record before it removes it.
    held = registry.contact_row(filled, "acme", 1)
    assert held.email == "ada@acme.test"
    with Session(engine) as other, registry.editing(other, "manager:carol") as edit:
        registry.remove_contact(edit, "acme", 1)
    with pytest.raises(registry.RegistryNotFound):
        with registry.editing(filled, ACTOR) as edit:
            registry.remove_contact(edit, "acme", 1)
    assert [c.action for c in registry.changes_of(filled, "acme")][:2] == ["removed", "created"]
