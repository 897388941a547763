"""The registry as CSV files, one per kind, each with a fixed header (docs/registry.md):
`export_csv` writes what `import_csv` reads.

Here: the columns, the export, and reading a file's rows (escalator/registry/csv_import.py
applies them).
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlmodel import Session, col, select

from escalator.registry.coverage import Kind
from escalator.registry.errors import RegistryInvalid
from escalator.registry.organisations import Visible, clients_of
from escalator.registry.records import money
from models.tables.client_registry import (
    AuthorisedContactRow,
    CoverageRow,
    OrganisationRow,
    SystemRow,
)

CsvKind = Literal["organisations", "contacts", "systems", "contracts", "warranties"]
CSV_KINDS: tuple[CsvKind, ...] = get_args(CsvKind)

COLUMNS: dict[CsvKind, tuple[str, ...]] = {
    "organisations": (
        "id",
        "name",
        "kind",
        "time_zone",
        "holidays_country",
        "holidays_subdivision",
        "clients",
    ),
    "contacts": ("org", "email", "name", "role", "phone"),
    "systems": (
        "host_id",
        "org",
        "system_type",
        "serial_numbers",
        "software_release",
        "site",
        "region",
        "site_time_zone",
        "holidays_country",
        "holidays_subdivision",
    ),
    "contracts": (
        "reference",
        "org",
        "host_id",
        "plan",
        "starts_at",
        "expires_at",
        "monthly_fee",
        "currency",
    ),
    "warranties": ("reference", "org", "host_id", "plan", "starts_at", "expires_at", "extended"),
}
COVERAGE_KIND: dict[CsvKind, Kind] = {"contracts": "contract", "warranties": "warranty"}


class CsvRowError(RegistryInvalid):
    """What is wrong with a file, at `line` (1 is the header) and `column` when one is at fault."""

    def __init__(self, msg: str, line: int, column: str | None = None) -> None:
        super().__init__(msg, loc=[line] if column is None else [line, column])
        self.line = line
        self.column = column
        where = f"line {line}" if column is None else f"line {line}, column {column}"
        if column == "header":
            where = f"line {line} (the header)"
        self.detail = f"{where}: {msg}"
        self.args = (self.detail,)


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: dict[str, str]

    def value(self, column: str) -> str | None:
        """The cell, or None when it is empty."""
        return self.cells[column] or None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _export_rows(session: Session, kind: CsvKind, visible: Visible) -> Iterator[dict[str, Any]]:
    def seen(org: str) -> bool:
        return visible is None or org in visible

    if kind == "organisations":
        for org in session.exec(select(OrganisationRow).order_by(col(OrganisationRow.id))):
            if seen(org.id):
                clients = [c for c in clients_of(session, org.id) if seen(c)]
                yield {**org.model_dump(), "clients": " ".join(clients)}
    elif kind == "contacts":
        contacts = select(AuthorisedContactRow).order_by(
            col(AuthorisedContactRow.org), col(AuthorisedContactRow.email)
        )
        yield from (row.model_dump() for row in session.exec(contacts) if seen(row.org))
    elif kind == "systems":
        systems = select(SystemRow).order_by(col(SystemRow.host_id))
        yield from (row.model_dump() for row in session.exec(systems) if seen(row.org))
    else:
        hosts = dict(session.exec(select(SystemRow.id, SystemRow.host_id)).all())
        coverage = (
            select(CoverageRow)
            .where(CoverageRow.kind == COVERAGE_KIND[kind])
            .order_by(col(CoverageRow.reference))
        )
        for row in session.exec(coverage):
            if seen(row.org):
                fields = row.model_dump()
                fields["monthly_fee"] = money(row.monthly_fee)
                yield {**fields, "host_id": hosts.get(row.system_id)}


def export_csv(session: Session, kind: CsvKind, visible: Visible = None) -> str:
    """Every record of `kind` (of the `visible` organisations), as the import reads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS[kind])
    for fields in _export_rows(session, kind, visible):
        writer.writerow([_text(fields.get(column)) for column in COLUMNS[kind]])
    return out.getvalue()


def _header_refusal(kind: CsvKind, found: list[str]) -> str:
    expected = ",".join(COLUMNS[kind])
    other = next((k for k, columns in COLUMNS.items() if list(columns) == found), None)
    if other is not None:
        return f"this is the header of {other}; a {kind} file starts with {expected}"
    # Quoted as Python would: the line may hold what a problem document may not.
    return f"the header must be {expected}, not {','.join(found)!r}"


def read_rows(kind: CsvKind, text: str) -> list[CsvRow]:
    """The file's data rows with their line numbers, once the header is the kind's."""
    columns = COLUMNS[kind]
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    rows: list[CsvRow] = []
    header: list[str] | None = None
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            if header is None:
                header = [cell.strip() for cell in record]
                if header != list(columns):
                    raise CsvRowError(_header_refusal(kind, header), start, "header")
                continue
            if len(record) != len(columns):
                raise CsvRowError(
                    f"has {len(record)} cells; the header names {len(columns)}", start
                )
            rows.append(
                CsvRow(start, {c: cell.strip() for c, cell in zip(columns, record, strict=True)})
            )
    except csv.Error as error:
        raise CsvRowError(f"not CSV: {error}", line) from None
    if header is None:
        expected = ",".join(columns)
        raise CsvRowError(f"the file is empty; a {kind} file starts with {expected}", 1, "header")
    return rows
