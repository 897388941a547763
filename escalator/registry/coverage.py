"""Contracts (support service at a plan) and warranties (hardware) of a system, or of the
whole client when they name no system; each known by its reference, once per kind."""

from datetime import UTC
from decimal import Decimal
from typing import Any, Literal

from sqlmodel import Session, col, select

from escalator.registry.changes import Edit, delete_row, owned_id, snapshot
from escalator.registry.checks import check_fee, check_period
from escalator.registry.errors import RegistryDuplicate, RegistryNotFound
from escalator.registry.inputs import ContractChanges, NewContract, NewWarranty, WarrantyChanges
from escalator.registry.merging import merged
from escalator.registry.organisations import Visible
from escalator.registry.records import Contract, Warranty, contract, warranty
from escalator.registry.systems import system_row
from models.tables.client_registry import CoverageRow, SystemRow

Kind = Literal["contract", "warranty"]
NewCoverage = NewContract | NewWarranty
# `update_coverage`'s `system` when the coverage stays where it is.
KEEP: Literal["keep"] = "keep"
CENT = Decimal("0.01")


def kind_of(data: NewCoverage | ContractChanges | WarrantyChanges) -> Kind:
    return "contract" if isinstance(data, NewContract | ContractChanges) else "warranty"


def _new_model(kind: Kind) -> type[NewCoverage]:
    return NewContract if kind == "contract" else NewWarranty


def coverage_row(
    session: Session, kind: Kind, coverage_id: int, visible: Visible = None
) -> CoverageRow:
    row = session.get(CoverageRow, coverage_id)
    if row is None or row.kind != kind or (visible is not None and row.org not in visible):
        raise RegistryNotFound(f"no {kind} {coverage_id}")
    return row


def coverage_by_reference(session: Session, kind: Kind, reference: str) -> CoverageRow | None:
    return session.exec(
        select(CoverageRow).where(CoverageRow.kind == kind, CoverageRow.reference == reference)
    ).first()


def coverage_record(session: Session, row: CoverageRow) -> Contract | Warranty:
    system = session.get(SystemRow, row.system_id) if row.system_id is not None else None
    host = system.host_id if system is not None else None
    return contract(row, host) if row.kind == "contract" else warranty(row, host)


def list_coverage(
    session: Session, kind: Kind, system_id: int, visible: Visible = None
) -> list[Contract | Warranty]:
    system = system_row(session, system_id, visible)
    rows = session.exec(
        select(CoverageRow)
        .where(CoverageRow.system_id == system.id, CoverageRow.kind == kind)
        .order_by(col(CoverageRow.starts_at), col(CoverageRow.reference))
    ).all()
    return [coverage_record(session, row) for row in rows]


def coverage_of_org(session: Session, org: str) -> list[Contract | Warranty]:
    """All the organisation's contracts and warranties, of its systems or of it as a whole."""
    rows = session.exec(
        select(CoverageRow)
        .where(CoverageRow.org == org)
        .order_by(col(CoverageRow.kind), col(CoverageRow.starts_at), col(CoverageRow.reference))
    ).all()
    return [coverage_record(session, row) for row in rows]


def _check(session: Session, kind: Kind, data: NewCoverage, row_id: int | None) -> None:
    taken = coverage_by_reference(session, kind, data.reference)
    if taken is not None and taken.id != row_id:
        raise RegistryDuplicate(
            f"the {kind} reference {data.reference!r} is taken (by {taken.org})",
            loc=["reference"],
        )
    check_period(data.starts_at, data.expires_at)
    if isinstance(data, NewContract):
        check_fee(data.monthly_fee, data.currency)


def _fields(data: NewCoverage) -> dict[str, Any]:
    """The row's fields, instants in UTC and amounts in cents, as the database gives them back
    (so a change log's "after" reads as a later read of the row does)."""
    fields = data.model_dump()
    for name in ("starts_at", "expires_at"):
        fields[name] = fields[name].astimezone(UTC)
    if fields.get("monthly_fee") is not None:
        fields["monthly_fee"] = fields["monthly_fee"].quantize(CENT)
    return fields


def add_coverage(edit: Edit, org: str, system: SystemRow | None, data: NewCoverage) -> CoverageRow:
    """A contract or warranty of `system` (of `org`), or of the whole of `org` without one."""
    kind = kind_of(data)
    _check(edit.session, kind, data, None)
    system_id = system.id if system is not None else None
    row = CoverageRow(org=org, system_id=system_id, kind=kind, **_fields(data))
    edit.session.add(row)
    edit.session.flush()
    edit.record(kind, owned_id(org, row.id), "created", None, snapshot(row))
    return row


def update_coverage(
    edit: Edit,
    kind: Kind,
    coverage_id: int,
    changes: ContractChanges | WarrantyChanges,
    system: SystemRow | Literal["keep"] | None = KEEP,
) -> CoverageRow:
    """Change the fields `changes` sets; `system` moves it (None: to the whole client)."""
    row = coverage_row(edit.session, kind, coverage_id)
    data = merged(_new_model(kind), row.model_dump(), changes)
    _check(edit.session, kind, data, row.id)
    before = snapshot(row)
    wanted = {**_fields(data)}
    if system != KEEP:
        wanted["system_id"] = system.id if system is not None else None
    changed = {name: value for name, value in wanted.items() if getattr(row, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(row, name, value)
        edit.session.add(row)
        edit.session.flush()
        edit.record(kind, owned_id(row.org, row.id), "updated", before, snapshot(row))
    return row


def remove_coverage(edit: Edit, kind: Kind, coverage_id: int) -> CoverageRow:
    row = coverage_row(edit.session, kind, coverage_id)
    edit.record(kind, owned_id(row.org, row.id), "removed", snapshot(row), None)
    delete_row(edit.session, row)
    return row
