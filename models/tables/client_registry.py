"""The client registry: organisations (clients, and the partners or resellers acting for them),
their authorised contacts, their systems and sites, the contracts and hardware warranties
that cover them, and who changed what. Intake reads it at the moment a case opens (the
answer is recorded in the case's history); managers keep it through the API, the CLI, CSV
files and the portal (escalator/registry/).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.tables.core import DateTime

ORG_KINDS = ("client", "partner")
CONTACT_ROLES = ("primary", "backup", "other")
COVERAGE_KINDS = ("contract", "warranty")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    return CheckConstraint(
        f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")", name=name
    )


class OrganisationRow(SQLModel, table=True):
    """A client, or a partner (reseller) that opens cases for the clients it serves. `id` is
    the `org` every case, key and account names."""

    __tablename__ = "organisations"
    __table_args__ = (_one_of("kind", ORG_KINDS, "ck_organisations_kind"),)

    id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=200)
    kind: str = Field(default="client", max_length=16)
    # Where most of its users are: business hours of a plan whose calendar the policy lets
    # clients localise count in this zone (Z-Support), with these public holidays.
    time_zone: str = Field(default="UTC", max_length=64)
    holidays_country: str | None = Field(default=None, max_length=8)
    holidays_subdivision: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_type=DateTime())
    updated_at: datetime = Field(sa_type=DateTime())


class PartnerClientRow(SQLModel, table=True):
    """A partner acting for a client: its people open and follow the client's cases too."""

    __tablename__ = "partner_clients"

    partner: str = Field(primary_key=True, foreign_key="organisations.id", max_length=128)
    client: str = Field(primary_key=True, foreign_key="organisations.id", max_length=128)


class AuthorisedContactRow(SQLModel, table=True):
    """Someone a client designated to open cases (others are accepted but billable). The
    e-mail address is stored lower-cased, once per organisation."""

    __tablename__ = "authorised_contacts"
    __table_args__ = (
        UniqueConstraint("org", "email", name="uq_authorised_contacts_org_email"),
        _one_of("role", CONTACT_ROLES, "ck_authorised_contacts_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org: str = Field(index=True, max_length=128)
    email: str = Field(index=True, max_length=320)
    name: str | None = Field(default=None, max_length=200)
    # primary, backup, or another authorised contact.
    role: str = Field(default="other", max_length=16)
    phone: str | None = Field(default=None, max_length=64)


class SystemRow(SQLModel, table=True):
    """A client's system at a site: what entitlement is checked for (E-MetroTel names it by
    host ID) and where field service goes (the site's zone and holidays set the parts cut-off
    and the technician's next business day)."""

    __tablename__ = "systems"
    __table_args__ = (Index("ix_systems_host_id", "host_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    org: str = Field(index=True, max_length=128)
    host_id: str = Field(max_length=128)
    system_type: str = Field(default="", max_length=128)
    serial_numbers: str = Field(default="", max_length=1000)
    software_release: str = Field(default="", max_length=64)
    site: str = Field(default="", max_length=500)
    region: str | None = Field(default=None, max_length=64)
    site_time_zone: str | None = Field(default=None, max_length=64)
    holidays_country: str | None = Field(default=None, max_length=8)
    holidays_subdivision: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_type=DateTime())
    updated_at: datetime = Field(sa_type=DateTime())


class CoverageRow(SQLModel, table=True):
    """A support contract or hardware warranty, of a system (or, without one, of the whole
    client), at a plan level, from its start until it expires."""

    __tablename__ = "coverage"
    __table_args__ = (_one_of("kind", COVERAGE_KINDS, "ck_coverage_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    org: str = Field(index=True, max_length=128)
    system_id: int | None = Field(default=None, index=True, foreign_key="systems.id")
    # "contract" (software and support service) or "warranty" (hardware).
    kind: str = Field(max_length=16)
    # The plan it entitles to, e.g. "premium"; a warranty may name none.
    plan: str | None = Field(default=None, max_length=64)
    reference: str = Field(max_length=128)
    starts_at: datetime = Field(sa_type=DateTime())
    expires_at: datetime = Field(sa_type=DateTime())
    # A contract's monthly fee: what a missed restoration's credit is prorated from.
    monthly_fee: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    currency: str | None = Field(default=None, max_length=3)
    # A warranty bought on top of the manufacturer's.
    extended: bool = False


class RegistryChangeRow(SQLModel, table=True):
    """Who changed what in the registry, and when: the record before and after."""

    __tablename__ = "registry_changes"
    __table_args__ = (Index("ix_registry_changes_entity", "entity", "entity_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=DateTime(), index=True)
    actor: str = Field(max_length=200)
    # organisation, partner_client, contact, system, contract, warranty
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=200)
    # created, updated, removed
    action: str = Field(max_length=16)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
