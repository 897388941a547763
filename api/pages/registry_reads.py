"""What an organisation's page shows, read through the registry service in one session:
the organisation, its contacts, its systems with their contracts and warranties (and those
of the whole client), and its latest changes; and each form's values, as the record holds
them or as a refused post sent them."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Engine
from sqlmodel import Session

from api.pages.registry_forms import period_text
from api.pages.registry_trail import TrailEntry, trail
from escalator import registry
from escalator.registry.checks import known_zones
from escalator.registry.inputs import NewSystem
from escalator.registry.records import (
    AuthorisedContact,
    Contract,
    Organisation,
    System,
    Warranty,
)

# Changes on the organisation's page; the rest a page at a time (`/changes?before=`).
TRAIL_ON_PAGE = 50


@dataclass(frozen=True)
class FormState:
    """One form of a page: its id (also its inputs' prefix), values and errors."""

    id: str
    values: Mapping[str, str]
    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Forms:
    """Every form's values: the record's, or what was posted to the one refused."""

    failed: FormState | None = None

    def get(self, form_id: str, values: Mapping[str, str] | None = None) -> FormState:
        if self.failed is not None and self.failed.id == form_id:
            return self.failed
        return FormState(form_id, values or {})


@dataclass(frozen=True)
class CoverageView:
    record: Contract | Warranty
    values: dict[str, str]


@dataclass(frozen=True)
class SystemView:
    """A system (None: the whole client) and the contracts and warranties covering it."""

    system: System | None
    contracts: list[CoverageView]
    warranties: list[CoverageView]

    @property
    def key(self) -> str:
        """What its forms' ids say for it: its id, or "org" for the whole client."""
        return str(self.system.id) if self.system is not None else "org"


@dataclass(frozen=True)
class OrgPage:
    org: Organisation
    contacts: list[AuthorisedContact]
    systems: list[SystemView]
    whole_client: SystemView
    changes: list[TrailEntry]
    # The id to read older changes before, when there are more than the page shows.
    older: int | None
    # The edit forms' values, as the records hold them.
    organisation_values: dict[str, str]
    contact_values: dict[int, dict[str, str]]
    system_values: dict[int, dict[str, str]]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def organisation_values(org: Organisation) -> dict[str, str]:
    fields = ("name", "kind", "time_zone", "holidays_country", "holidays_subdivision")
    return {name: _text(getattr(org, name)) for name in fields} | {"clients": " ".join(org.clients)}


def contact_values(contact: AuthorisedContact) -> dict[str, str]:
    return {name: _text(getattr(contact, name)) for name in ("email", "name", "role", "phone")}


def system_values(system: System) -> dict[str, str]:
    return {name: _text(getattr(system, name)) for name in NewSystem.model_fields}


def coverage_values(record: Contract | Warranty, zone: str) -> dict[str, str]:
    values = {
        "reference": record.reference,
        "plan": _text(record.plan),
        "starts_at": period_text(record.starts_at, zone),
        "expires_at": period_text(record.expires_at, zone),
    }
    if isinstance(record, Contract):
        values |= {"monthly_fee": _text(record.monthly_fee), "currency": _text(record.currency)}
    else:
        values["extended"] = "true" if record.extended else ""
    return values


def _system_view(
    system: System | None, coverage: list[Contract | Warranty], zone: str
) -> SystemView:
    system_id = system.id if system is not None else None
    mine = [c for c in coverage if c.system_id == system_id]
    return SystemView(
        system,
        [CoverageView(c, coverage_values(c, zone)) for c in mine if isinstance(c, Contract)],
        [CoverageView(c, coverage_values(c, zone)) for c in mine if isinstance(c, Warranty)],
    )


def read_org_page(engine: Engine, org_id: str, visible: registry.Visible) -> OrgPage:
    """The page's records; RegistryNotFound for an organisation `visible` leaves out."""
    with Session(engine) as session:
        org = registry.read_organisation(session, org_id, visible)
        contacts = registry.list_contacts(session, org_id, visible)
        systems = registry.list_systems(session, org_id, visible)
        coverage = registry.coverage_of_org(session, org_id)
        changes = registry.changes_of(session, org_id, limit=TRAIL_ON_PAGE + 1)
    hosts = {s.id: s.host_id for s in systems}
    return OrgPage(
        org=org,
        contacts=contacts,
        systems=[_system_view(s, coverage, org.time_zone) for s in systems],
        whole_client=_system_view(None, coverage, org.time_zone),
        changes=trail(changes[:TRAIL_ON_PAGE], hosts),
        older=changes[TRAIL_ON_PAGE - 1].id if len(changes) > TRAIL_ON_PAGE else None,
        organisation_values=organisation_values(org),
        contact_values={c.id: contact_values(c) for c in contacts},
        system_values={s.id: system_values(s) for s in systems},
    )


def read_changes(
    engine: Engine, org_id: str, visible: registry.Visible, before: int | None, limit: int
) -> tuple[Organisation, list[TrailEntry], int | None]:
    """A page of the trail older than the change `before`, and where the next one starts."""
    with Session(engine) as session:
        org = registry.read_organisation(session, org_id, visible)
        hosts = {s.id: s.host_id for s in registry.list_systems(session, org_id, visible)}
        changes = registry.changes_of(session, org_id, limit=limit + 1, before_id=before)
    older = changes[limit - 1].id if len(changes) > limit else None
    return org, trail(changes[:limit], hosts), older


@cache
def zone_names() -> list[str]:
    """The zones the registry takes, for the inputs' suggestions."""
    return sorted(known_zones())
