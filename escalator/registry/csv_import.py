"""Importing a CSV file of the registry (columns: escalator/registry/csv_files.py).

Each row creates or updates the record of its natural key (an organisation's id; an
organisation and an address; a host ID; a contract's or warranty's reference) with what the
row says, every column; an empty cell takes the default (or clears the field). Nothing is
removed. All or nothing: the first bad row is refused naming its line and column, and the
registry stays as it was. Each change is recorded with the actor like any other.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from escalator.registry.changes import Edit, editing
from escalator.registry.checks import instant_from_text
from escalator.registry.contacts import add_contact, contact_by_email, update_contact
from escalator.registry.coverage import add_coverage, coverage_by_reference, update_coverage
from escalator.registry.csv_files import (
    COVERAGE_KIND,
    CsvKind,
    CsvRow,
    CsvRowError,
    read_rows,
)
from escalator.registry.errors import RegistryError
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
    WarrantyChanges,
)
from escalator.registry.merging import validated
from escalator.registry.organisations import (
    clients_of,
    create_organisation,
    link_client,
    unlink_client,
    update_organisation,
)
from escalator.registry.systems import add_system, system_by_host, update_system
from models.tables.client_registry import OrganisationRow, SystemRow

_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


@dataclass
class ImportSummary:
    """How many rows created a record, changed one, or said what it already was."""

    kind: CsvKind
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Counted:
    """What one row did, across the passes an organisations file takes."""

    created: bool = False
    changes: int = 0


@contextmanager
def _at(row: CsvRow) -> Iterator[None]:
    """A refusal of the service said at `row`'s line and the column it names."""
    try:
        yield
    except CsvRowError:
        raise
    except RegistryError as error:
        column = next((str(part) for part in error.loc if isinstance(part, str)), None)
        raise CsvRowError(error.msg, row.line, column) from None


def _model(row: CsvRow, model: type[BaseModel], values: dict[str, Any]) -> Any:
    """`model` of the non-empty values (an empty cell takes the default)."""
    given = {name: value for name, value in values.items() if value not in ("", None)}
    with _at(row):
        return validated(model, given)


def _changes(changes: type[BaseModel], data: BaseModel, leave: frozenset[str] = frozenset()) -> Any:
    """Every field of `data` but `leave` as a change: a row says the whole record."""
    return changes.model_validate(data.model_dump(exclude=set(leave)))


def _organisation(session: Session, row: CsvRow) -> OrganisationRow:
    org = row.value("org")
    found = session.get(OrganisationRow, org) if org else None
    if found is None:
        msg = f"no organisation {org!r} (import organisations first)" if org else "is required"
        raise CsvRowError(msg, row.line, "org")
    return found


def _system(session: Session, row: CsvRow, org: OrganisationRow) -> SystemRow | None:
    host = row.value("host_id")
    if host is None:
        return None  # the whole client is covered
    system = system_by_host(session, host)
    if system is None or system.org != org.id:
        raise CsvRowError(f"{org.id} has no system {host!r}", row.line, "host_id")
    return system


def _organisations(edit: Edit, rows: list[CsvRow]) -> list[_Counted]:
    """Three passes, so a file may list a partner before its clients: links the file ends,
    then each organisation's own fields, then the links it makes."""
    session = edit.session
    parsed = [
        _model(row, NewOrganisation, {**row.cells, "clients": row.cells["clients"].split()})
        for row in rows
    ]
    counted = [_Counted() for _ in rows]
    for data, count in zip(parsed, counted, strict=True):
        before = edit.count
        for client in clients_of(session, data.id):
            if client not in data.clients:
                unlink_client(edit, data.id, client)
        count.changes += edit.count - before
    for row, data, count in zip(rows, parsed, counted, strict=True):
        before = edit.count
        with _at(row):
            if session.get(OrganisationRow, data.id) is None:
                create_organisation(edit, data.model_copy(update={"clients": []}))
                count.created = True
            else:
                changes = _changes(OrganisationChanges, data, frozenset({"id", "clients"}))
                update_organisation(edit, data.id, changes)
        count.changes += edit.count - before
    for row, data, count in zip(rows, parsed, counted, strict=True):
        before = edit.count
        partner = session.get(OrganisationRow, data.id)
        assert partner is not None  # made by the pass above
        with _at(row):
            for index, client in enumerate(data.clients):
                link_client(edit, partner, client, index)
        count.changes += edit.count - before
    return counted


def _contacts(edit: Edit, row: CsvRow) -> bool:
    org = _organisation(edit.session, row)
    data = _model(row, NewContact, {c: row.cells[c] for c in ("email", "name", "role", "phone")})
    existing = contact_by_email(edit.session, org.id, data.email)
    with _at(row):
        if existing is None or existing.id is None:
            add_contact(edit, org.id, data)
            return True
        update_contact(edit, org.id, existing.id, _changes(ContactChanges, data))
    return False


def _systems(edit: Edit, row: CsvRow) -> bool:
    org = _organisation(edit.session, row)
    fields = {c: row.cells[c] for c in NewSystem.model_fields}
    data = _model(row, NewSystem, fields)
    existing = system_by_host(edit.session, data.host_id)
    if existing is not None and existing.org != org.id:
        raise CsvRowError(f"the system {data.host_id} is {existing.org}'s", row.line, "org")
    with _at(row):
        if existing is None or existing.id is None:
            add_system(edit, org.id, data)
            return True
        update_system(edit, existing.id, _changes(SystemChanges, data))
    return False


def _coverage(edit: Edit, row: CsvRow, csv_kind: CsvKind) -> bool:
    kind = COVERAGE_KIND[csv_kind]
    org = _organisation(edit.session, row)
    system = _system(edit.session, row, org)
    model, changes = (
        (NewContract, ContractChanges) if kind == "contract" else (NewWarranty, WarrantyChanges)
    )
    values: dict[str, Any] = {c: row.cells[c] for c in model.model_fields if c in row.cells}
    for column in ("starts_at", "expires_at"):
        text = row.cells[column]
        if text:
            with _at(row):
                values[column] = instant_from_text(text, org.time_zone, column)
    if kind == "warranty":
        values["extended"] = _flag(row)
    data = _model(row, model, values)
    existing = coverage_by_reference(edit.session, kind, data.reference)
    if existing is not None and existing.org != org.id:
        raise CsvRowError(f"the {kind} {data.reference} is {existing.org}'s", row.line, "org")
    with _at(row):
        if existing is None or existing.id is None:
            add_coverage(edit, org.id, system, data)
            return True
        update_coverage(edit, kind, existing.id, _changes(changes, data), system)
    return False


def _flag(row: CsvRow) -> bool:
    text = row.cells["extended"].lower()
    if text in _TRUE:
        return True
    if text in _FALSE or not text:
        return False
    raise CsvRowError(f"{row.cells['extended']!r} is neither true nor false", row.line, "extended")


def import_csv(session: Session, kind: CsvKind, text: str, actor: str) -> ImportSummary:
    """Apply a file of `kind`; the first bad row raises `CsvRowError` and changes nothing."""
    rows = read_rows(kind, text)
    summary = ImportSummary(kind)
    with editing(session, actor) as edit:
        if kind == "organisations":
            counted = _organisations(edit, rows)
        else:
            counted = []
            for row in rows:
                before = edit.count
                if kind == "contacts":
                    created = _contacts(edit, row)
                elif kind == "systems":
                    created = _systems(edit, row)
                else:
                    created = _coverage(edit, row, kind)
                counted.append(_Counted(created, edit.count - before))
    for count in counted:
        if count.created:
            summary.created += 1
        elif count.changes:
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary
