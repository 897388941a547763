"""What a registry change may carry, as the API's request bodies, the CLI and the CSV files
give it: the shape only (types, lengths, single lines, the allowed words). What needs
knowledge (an IANA zone, a holiday country, an organisation that exists, a period that
starts before it ends) is checked by the service (escalator/registry/checks.py), on the
record as it will be after the change.

`New*` create a record; `*Changes` change the fields they name (`model_fields_set`), leaving
the others; a field set to null is cleared where the record allows it.
"""

from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from models.input_text import EmailAddress, SingleLine
from models.tables.client_registry import CONTACT_ROLES, ORG_KINDS

# The `org` of cases, keys and accounts: letters, digits, ".", "_" and "-" (no "/", which
# the change log uses to say whose a record is: escalator/registry/changes.py).
ORG_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
OrgId = Annotated[str, Field(pattern=ORG_ID_PATTERN, max_length=128)]
OrgKind = Literal["client", "partner"]
ContactRole = Literal["primary", "backup", "other"]
assert get_args(OrgKind) == ORG_KINDS and get_args(ContactRole) == CONTACT_ROLES, "the tables agree"


# The checks of a single line and of an address (models/input_text.py), run after the length
# constraints so that a value too long is refused as too long ("at most 200 characters").
_SINGLE_LINE, _SINGLE_LINE_PATTERN = get_args(SingleLine)[1:]
_ADDRESS, _ADDRESS_PATTERN = get_args(EmailAddress)[1:]

# Single lines no longer than their column.
Name = Annotated[str, Field(min_length=1, max_length=200), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Zone = Annotated[str, Field(min_length=1, max_length=64), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Country = Annotated[str, Field(min_length=1, max_length=8), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Subdivision = Annotated[str, Field(min_length=1, max_length=16), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Email = Annotated[str, Field(max_length=320), _ADDRESS, _ADDRESS_PATTERN]
Phone = Annotated[str, Field(max_length=64), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
HostId = Annotated[str, Field(min_length=1, max_length=128), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Reference = Annotated[str, Field(min_length=1, max_length=128), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Plan = Annotated[str, Field(min_length=1, max_length=64), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
# Checked by the service: three capital letters (escalator/registry/checks.py).
Currency = Annotated[str, _SINGLE_LINE, _SINGLE_LINE_PATTERN]
SystemType = Annotated[str, Field(max_length=128), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Serials = Annotated[str, Field(max_length=1000), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Release = Annotated[str, Field(max_length=64), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Site = Annotated[str, Field(max_length=500), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Region = Annotated[str, Field(max_length=64), _SINGLE_LINE, _SINGLE_LINE_PATTERN]
Instant = Annotated[
    AwareDatetime, Field(description="An instant with its offset: 2027-01-01T00:00:00+01:00")
]
Fee = Annotated[
    Decimal,
    Field(
        description='A monthly amount with at most two decimals, best sent as a string ("1500.00")'
    ),
]
ClientIds = Annotated[
    list[OrgId],
    Field(max_length=1000, description="The clients a partner acts for (partners only)"),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NewOrganisation(_Input):
    id: OrgId
    name: Name
    kind: OrgKind = "client"
    time_zone: Zone = Field(default="UTC", description="IANA zone where most of its users are")
    holidays_country: Country | None = None
    holidays_subdivision: Subdivision | None = None
    clients: ClientIds = []


class OrganisationChanges(_Input):
    name: Name | None = None
    kind: OrgKind | None = None
    time_zone: Zone | None = None
    holidays_country: Country | None = None
    holidays_subdivision: Subdivision | None = None
    clients: ClientIds | None = None


class NewContact(_Input):
    email: Email
    name: Name | None = None
    role: ContactRole = "other"
    phone: Phone | None = None


class ContactChanges(_Input):
    email: Email | None = None
    name: Name | None = None
    role: ContactRole | None = None
    phone: Phone | None = None


class NewSystem(_Input):
    host_id: HostId
    system_type: SystemType = ""
    serial_numbers: Serials = ""
    software_release: Release = ""
    site: Site = ""
    region: Region | None = None
    site_time_zone: Zone | None = None
    holidays_country: Country | None = None
    holidays_subdivision: Subdivision | None = None


class SystemChanges(_Input):
    host_id: HostId | None = None
    system_type: SystemType | None = None
    serial_numbers: Serials | None = None
    software_release: Release | None = None
    site: Site | None = None
    region: Region | None = None
    site_time_zone: Zone | None = None
    holidays_country: Country | None = None
    holidays_subdivision: Subdivision | None = None


class NewContract(_Input):
    reference: Reference
    plan: Plan | None = Field(default=None, description="None: it covers every plan")
    starts_at: Instant
    expires_at: Instant
    monthly_fee: Fee | None = None
    currency: Currency | None = Field(default=None, description="ISO 4217, e.g. USD")


class ContractChanges(_Input):
    reference: Reference | None = None
    plan: Plan | None = None
    starts_at: Instant | None = None
    expires_at: Instant | None = None
    monthly_fee: Fee | None = None
    currency: Currency | None = None


class NewWarranty(_Input):
    reference: Reference
    plan: Plan | None = None
    starts_at: Instant
    expires_at: Instant
    extended: bool = Field(default=False, description="Bought on top of the manufacturer's")


class WarrantyChanges(_Input):
    reference: Reference | None = None
    plan: Plan | None = None
    starts_at: Instant | None = None
    expires_at: Instant | None = None
    extended: bool | None = None
