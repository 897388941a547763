"""What the client registry said when a case opened, as its history records it: the
contact's standing, the client's zone and holidays, the system the case is about (its site,
its contract and warranty), and the entitlement decided from them. The case decides on these
facts alone, so neither replay nor the timeline ever depends on today's registry.
"""

from datetime import datetime

from pydantic import BaseModel, Field

from models.case.activity_inputs import EntitlementRequest, EntitlementResult
from models.time.calendar_spec import CalendarSpec


class RegistryRequest(BaseModel):
    org: str
    contact_email: str
    # When the request reached the organisation: the contract in force then is the case's.
    opened_at: datetime
    # The host ID the case names (the policy's `intake.system_field`), if any.
    host_id: str | None = None
    # The case's policy version, and by id its calendars whose hours count in the client's
    # zone (`client_zone`) and those of field service, which count in the site's zone: the
    # activity reads them from the version (history keeps ids, not whole calendars).
    policy: str
    policy_version: int
    client_calendars: list[str] = Field(default_factory=list)
    site_calendars: list[str] = Field(default_factory=list)
    # None: the policy checks no entitlement.
    entitlement: EntitlementRequest | None = None


class ContractFacts(BaseModel):
    """The contract of the case's system a credit is prorated from."""

    reference: str
    plan: str | None
    expires_at: datetime
    # Decimal text with its minor units ("1500.00"), so amounts stay exact in history.
    monthly_fee: str | None = None
    currency: str | None = None
    # Digits after the decimal point of the currency (ISO 4217: USD 2, JPY 0, KWD 3): credits
    # round to it, decided here so no replay depends on a library's data.
    minor_units: int | None = None


class WarrantyFacts(BaseModel):
    """The hardware warranty of the case's system in force when the case opened."""

    reference: str
    plan: str | None
    expires_at: datetime
    extended: bool = False


class SystemFacts(BaseModel):
    id: int
    host_id: str
    region: str | None = None
    site: str = ""
    site_time_zone: str | None = None
    # The field-service calendars in the site's zone, with its holidays.
    calendars: dict[str, CalendarSpec] = Field(default_factory=dict)


class RegistryFacts(BaseModel):
    # The organisation is in the registry (else: the policy's own zones).
    org_known: bool = False
    org_time_zone: str | None = None
    # primary, backup, other; None: not an authorised contact of the organisation.
    contact_role: str | None = None
    # The policy's client_zone calendars in the client's zone, with its holidays.
    calendars: dict[str, CalendarSpec] = Field(default_factory=dict)
    system: SystemFacts | None = None
    contract: ContractFacts | None = None
    warranty: WarrantyFacts | None = None
    entitlement: EntitlementResult | None = None

    @property
    def authorised(self) -> bool:
        return self.contact_role is not None
