"""Systems at clients' sites: what entitlement is checked for (by host ID, unique across
the registry) and where field service goes (the site's zone and holidays)."""

from sqlmodel import Session, col, select

from escalator.registry.changes import Edit, delete_row, owned_id, snapshot
from escalator.registry.checks import check_holidays, check_zone
from escalator.registry.errors import RegistryDuplicate, RegistryInUse, RegistryNotFound
from escalator.registry.inputs import NewSystem, SystemChanges
from escalator.registry.merging import merged
from escalator.registry.organisations import Visible, organisation_row
from escalator.registry.records import System, system
from models.tables.client_registry import CoverageRow, SystemRow

_FIELDS = tuple(NewSystem.model_fields)


def list_systems(session: Session, org: str, visible: Visible = None) -> list[System]:
    organisation_row(session, org, visible)
    rows = session.exec(
        select(SystemRow).where(SystemRow.org == org).order_by(col(SystemRow.host_id))
    ).all()
    return [system(row) for row in rows]


def system_row(session: Session, system_id: int, visible: Visible = None) -> SystemRow:
    row = session.get(SystemRow, system_id)
    if row is None or (visible is not None and row.org not in visible):
        raise RegistryNotFound(f"no system {system_id}")
    return row


def system_by_host(session: Session, host_id: str) -> SystemRow | None:
    return session.exec(select(SystemRow).where(SystemRow.host_id == host_id)).first()


def read_system(session: Session, system_id: int, visible: Visible = None) -> System:
    return system(system_row(session, system_id, visible))


def _check(session: Session, data: NewSystem, row_id: int | None) -> None:
    taken = system_by_host(session, data.host_id)
    if taken is not None and taken.id != row_id:
        raise RegistryDuplicate(
            f"the host ID {data.host_id!r} is already a system of {taken.org}", loc=["host_id"]
        )
    check_zone(data.site_time_zone, "site_time_zone")
    check_holidays(data.holidays_country, data.holidays_subdivision)


def add_system(edit: Edit, org: str, data: NewSystem) -> SystemRow:
    organisation_row(edit.session, org)
    _check(edit.session, data, None)
    row = SystemRow(org=org, **data.model_dump(), created_at=edit.at, updated_at=edit.at)
    edit.session.add(row)
    edit.session.flush()
    edit.record("system", owned_id(org, row.id), "created", None, snapshot(row))
    return row


def update_system(edit: Edit, system_id: int, changes: SystemChanges) -> SystemRow:
    row = system_row(edit.session, system_id)
    data = merged(NewSystem, row.model_dump(), changes)
    _check(edit.session, data, row.id)
    before = snapshot(row)
    changed = [name for name in _FIELDS if getattr(row, name) != getattr(data, name)]
    if changed:
        for name in changed:
            setattr(row, name, getattr(data, name))
        row.updated_at = edit.at
        edit.session.add(row)
        edit.session.flush()
        edit.record("system", owned_id(row.org, row.id), "updated", before, snapshot(row))
    return row


def remove_system(edit: Edit, system_id: int) -> SystemRow:
    """Remove a system no contract or warranty covers any more (remove those first)."""
    row = system_row(edit.session, system_id)
    covered = edit.session.exec(
        select(CoverageRow.reference).where(CoverageRow.system_id == row.id)
    ).all()
    if covered:
        raise RegistryInUse(
            f"{row.host_id} is still covered by {', '.join(sorted(covered))}: remove those first"
        )
    edit.record("system", owned_id(row.org, row.id), "removed", snapshot(row), None)
    delete_row(edit.session, row)
    return row
