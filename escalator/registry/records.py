"""The registry's records as every door shows them (API answers, CLI tables, CSV rows).

Amounts are strings with two decimals ("1500.00"), so no door turns them into floats.
"""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from models.tables.client_registry import (
    AuthorisedContactRow,
    CoverageRow,
    OrganisationRow,
    SystemRow,
)


class Organisation(BaseModel):
    id: str
    name: str
    kind: str
    time_zone: str
    holidays_country: str | None
    holidays_subdivision: str | None
    clients: list[str] = Field(description="The clients this partner acts for")
    partners: list[str] = Field(description="The partners acting for this client")
    created_at: datetime
    updated_at: datetime


class AuthorisedContact(BaseModel):
    """Someone a client designated to open cases (the case intake's own `Contact` is who
    raised one)."""

    id: int
    org: str
    email: str
    name: str | None
    role: str
    phone: str | None


class System(BaseModel):
    id: int
    org: str
    host_id: str
    system_type: str
    serial_numbers: str
    software_release: str
    site: str
    region: str | None
    site_time_zone: str | None
    holidays_country: str | None
    holidays_subdivision: str | None
    created_at: datetime
    updated_at: datetime


class _Coverage(BaseModel):
    id: int
    org: str
    system_id: int | None = Field(description="None: the whole client is covered")
    host_id: str | None
    reference: str
    plan: str | None
    starts_at: datetime
    expires_at: datetime


class Contract(_Coverage):
    monthly_fee: str | None = Field(description='Two decimals, as a string: "1500.00"')
    currency: str | None


class Warranty(_Coverage):
    extended: bool


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def organisation(row: OrganisationRow, clients: list[str], partners: list[str]) -> Organisation:
    return Organisation(**row.model_dump(), clients=clients, partners=partners)


def contact(row: AuthorisedContactRow) -> AuthorisedContact:
    return AuthorisedContact.model_validate(row, from_attributes=True)


def system(row: SystemRow) -> System:
    return System.model_validate(row, from_attributes=True)


def contract(row: CoverageRow, host_id: str | None) -> Contract:
    fields = row.model_dump(exclude={"monthly_fee", "kind", "extended"})
    return Contract(**fields, host_id=host_id, monthly_fee=money(row.monthly_fee))


def warranty(row: CoverageRow, host_id: str | None) -> Warranty:
    fields = row.model_dump(exclude={"monthly_fee", "currency", "kind"})
    return Warranty(**fields, host_id=host_id)
