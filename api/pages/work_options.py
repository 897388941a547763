"""What an engineer's step forms offer besides the case itself: the people a case can be
assigned to (the directory), the parts catalogue and the regions warehouses ship to."""

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from escalator.accounts.directory import assignable
from models.tables.inventory import PartRow, WarehouseRow


class Choice(NamedTuple):
    """One option of a select: what is sent, and what a person reads."""

    value: str
    label: str


@dataclass(frozen=True)
class WorkOptions:
    people: list[Choice]
    parts: list[Choice]
    regions: list[Choice]


def work_options(engine: Engine) -> WorkOptions:
    with Session(engine) as session:
        people = [Choice(row.handle, f"{row.name} ({row.handle})") for row in assignable(session)]
        parts = [
            Choice(part.sku, f"{part.sku}: {part.description}")
            for part in session.exec(select(PartRow).order_by(col(PartRow.sku)))
        ]
        regions = session.exec(
            select(WarehouseRow.region).distinct().order_by(col(WarehouseRow.region))
        ).all()
    return WorkOptions(people, parts, [Choice(r, r.replace("_", " ")) for r in regions])
