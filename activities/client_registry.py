"""Intake checks against the client registry: coverage, authorised contacts, and (since
cases record them, models/case/registry_facts.py) all the registry facts a case decides on.
"""

from collections.abc import Sequence
from datetime import datetime

from iso4217 import Currency
from sqlalchemy import Engine, func, or_
from sqlmodel import Session, col, select
from temporalio import activity

from models.case.activity_inputs import ContactRequest, EntitlementRequest, EntitlementResult
from models.case.registry_facts import (
    ContractFacts,
    RegistryFacts,
    RegistryRequest,
    SystemFacts,
    WarrantyFacts,
)
from models.tables.client_registry import (
    AuthorisedContactRow,
    CoverageRow,
    OrganisationRow,
    SystemRow,
)
from models.tables.core import PolicyVersionRow
from models.time.calendar_spec import CalendarSpec, HolidaySpec


def entitlement_of(rows: Sequence[CoverageRow], request: EntitlementRequest) -> EntitlementResult:
    """Covered when a contract or warranty (at the plan's level) was active when the case was
    opened; `rows` newest expiry first."""
    at_level = [
        row
        for row in rows
        if row.kind in request.checks
        and (not request.match_plan_level or row.plan in (None, request.plan))
    ]
    for row in at_level:
        started = row.starts_at <= request.opened_at
        unexpired = not request.opened_before_expiry or request.opened_at < row.expires_at
        if started and unexpired:
            return EntitlementResult(
                outcome="covered",
                reference=row.reference,
                detail=f"{row.kind} {row.reference} valid until {row.expires_at.isoformat()}",
            )
    expired = [row for row in at_level if row.kind == "contract"]
    if expired:
        row = expired[0]
        return EntitlementResult(
            outcome="expired",
            reference=row.reference,
            detail=f"contract {row.reference} expired {row.expires_at.isoformat()}",
        )
    return EntitlementResult(
        outcome="none",
        detail=f"no {' or '.join(request.checks)} of {request.org} covers plan {request.plan}",
    )


def localised(
    spec: CalendarSpec, zone: str, country: str | None, subdivision: str | None
) -> CalendarSpec:
    """`spec`'s hours in `zone`, with the holidays of `country` when one is given (else the
    calendar's own), resolved to dates here, in the activity, so history holds them."""
    holidays = spec.holidays
    if country:
        holidays = HolidaySpec(country=country, subdivision=subdivision, years=holidays.years)
    return spec.model_copy(
        update={"timezone": zone, "holidays": holidays, "client_zone": False}
    ).resolved()


class RegistryActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="check_entitlement")
    def check_entitlement(self, request: EntitlementRequest) -> EntitlementResult:
        """Covered when a contract or warranty of the org (at the plan's level) was active."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(CoverageRow)
                .where(CoverageRow.org == request.org)
                .order_by(col(CoverageRow.expires_at).desc())
            ).all()
        return entitlement_of(rows, request)

    @activity.defn(name="is_authorised_contact")
    def is_authorised_contact(self, request: ContactRequest) -> bool:
        with Session(self.engine) as session:
            return _contact(session, request.org, request.email) is not None

    @activity.defn(name="registry_facts")
    def registry_facts(self, request: RegistryRequest) -> RegistryFacts:
        """Everything the registry says of a new case, read in one transaction."""
        with Session(self.engine) as session:
            org = session.get(OrganisationRow, request.org)
            contact = _contact(session, request.org, request.contact_email)
            system = _system(session, request.org, request.host_id)
            rows = _coverage(session, request.org, system)
            specs = _calendars(session, request)
        client = {name: specs[name] for name in request.client_calendars if name in specs}
        site = {name: specs[name] for name in request.site_calendars if name in specs}
        facts = RegistryFacts(
            org_known=org is not None,
            org_time_zone=org.time_zone if org else None,
            contact_role=contact.role if contact else None,
        )
        if org is not None:
            facts.calendars = {
                name: localised(spec, org.time_zone, org.holidays_country, org.holidays_subdivision)
                for name, spec in client.items()
            }
        if system is not None:
            facts.system = _system_facts(system, site)
            facts.contract = _contract(rows, request.opened_at)
            facts.warranty = _warranty(rows, request.opened_at)
        if request.entitlement is not None:
            facts.entitlement = entitlement_of(rows, request.entitlement)
            if request.host_id and system is None:
                # Judged on the client's coverage as a whole, and said so.
                unknown = f"{request.org} has no system with host ID {request.host_id}"
                detail = f"{unknown}; {facts.entitlement.detail}"
                facts.entitlement = facts.entitlement.model_copy(update={"detail": detail})
        return facts


def _calendars(session: Session, request: RegistryRequest) -> dict[str, CalendarSpec]:
    """The calendars the request names, as its policy version holds them (its calendars
    section only: nothing else of the policy needs validating here). A version the store
    does not hold (a case started by hand) localises nothing."""
    names = {*request.client_calendars, *request.site_calendars}
    if not names:
        return {}
    row = session.exec(
        select(PolicyVersionRow).where(
            PolicyVersionRow.name == request.policy,
            PolicyVersionRow.version == request.policy_version,
        )
    ).first()
    stored = row.body.get("calendars") if row is not None else None
    calendars = stored if isinstance(stored, dict) else {}
    return {
        name: CalendarSpec.model_validate(calendars[name]) for name in names if name in calendars
    }


def _contact(session: Session, org: str, email: str) -> AuthorisedContactRow | None:
    return session.exec(
        select(AuthorisedContactRow)
        .where(AuthorisedContactRow.org == org)
        .where(func.lower(AuthorisedContactRow.email) == email.lower())
    ).first()


def _system(session: Session, org: str, host_id: str | None) -> SystemRow | None:
    """The system a case names by host ID; naming none, the client's only system."""
    query = select(SystemRow).where(SystemRow.org == org)
    if host_id:
        return session.exec(query.where(SystemRow.host_id == host_id.strip())).first()
    systems = session.exec(query.limit(2)).all()
    return systems[0] if len(systems) == 1 else None


def _coverage(session: Session, org: str, system: SystemRow | None) -> Sequence[CoverageRow]:
    """The client's coverage as a whole, and the system's: newest expiry first."""
    whole = col(CoverageRow.system_id).is_(None)
    mine = or_(whole, col(CoverageRow.system_id) == system.id) if system is not None else whole
    return session.exec(
        select(CoverageRow)
        .where(CoverageRow.org == org, mine)
        .order_by(col(CoverageRow.expires_at).desc())
    ).all()


def _system_facts(system: SystemRow, site_calendars: dict[str, CalendarSpec]) -> SystemFacts:
    assert system.id is not None
    zone = system.site_time_zone
    calendars = (
        {
            name: localised(spec, zone, system.holidays_country, system.holidays_subdivision)
            for name, spec in site_calendars.items()
        }
        if zone
        else {}
    )
    return SystemFacts(
        id=system.id,
        host_id=system.host_id,
        region=system.region,
        site=system.site,
        site_time_zone=zone,
        calendars=calendars,
    )


def _contract(rows: Sequence[CoverageRow], opened: datetime) -> ContractFacts | None:
    """The system's contract in force when the case opened (else its latest), with its fee."""
    contracts = [row for row in rows if row.kind == "contract" and row.system_id is not None]
    if not contracts:
        return None
    active = [r for r in contracts if r.starts_at <= opened < r.expires_at]
    row = (active or contracts)[0]
    return ContractFacts(
        reference=row.reference,
        plan=row.plan,
        expires_at=row.expires_at,
        monthly_fee=f"{row.monthly_fee:.2f}" if row.monthly_fee is not None else None,
        currency=row.currency,
        minor_units=_minor_units(row.currency),
    )


def _warranty(rows: Sequence[CoverageRow], opened: datetime) -> WarrantyFacts | None:
    """The system's warranty in force when the case opened, if any."""
    for row in rows:
        if row.kind == "warranty" and row.system_id is not None:
            if row.starts_at <= opened < row.expires_at:
                return WarrantyFacts(
                    reference=row.reference,
                    plan=row.plan,
                    expires_at=row.expires_at,
                    extended=row.extended,
                )
    return None


def _minor_units(currency: str | None) -> int | None:
    try:
        return Currency(currency).exponent if currency else None
    except ValueError:
        return None
