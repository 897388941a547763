"""Every registry change, recorded with who made it and the record before and after, in the
transaction of the change itself (`editing`); and reading them back per organisation.

An organisation's changes are found by `entity_id`: the organisation's id itself, or the id
followed by "/" for what belongs to it ("acme/12": contact, system, contract or warranty 12
of acme; a partner's link "reseller/acme" belongs to both; "acme/CASE_ID:restoration" is a
credit of acme, escalator/credits/). Organisation ids hold no "/" (escalator/registry/inputs.py),
so one organisation's prefix never matches another's.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel, col, delete, select

from escalator.registry.errors import RegistryDuplicate, RegistryNotFound
from models.tables.client_registry import (
    AuthorisedContactRow,
    CoverageRow,
    RegistryChangeRow,
    SystemRow,
)

Entity = Literal[
    "organisation", "partner_client", "contact", "system", "contract", "warranty", "credit"
]
# A credit's steps (escalator/credits/) are recorded here too, by what a person did to it.
Action = Literal["created", "updated", "removed", "requested", "approved", "declined"]


class Change(BaseModel):
    """One change: who made it, when, to what, and the record before and after it."""

    id: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def snapshot(row: SQLModel) -> dict[str, Any]:
    """A row as JSON: instants in ISO 8601, amounts as strings ("1500.00")."""
    return row.model_dump(mode="json")


def owned_id(org: str, row_id: int | None) -> str:
    """The `entity_id` of a record that belongs to `org`."""
    return f"{org}/{row_id}"


@dataclass
class Edit:
    """One transaction of registry changes by one actor, at one instant."""

    session: Session
    actor: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # How many changes it has recorded so far (an import counts what each row changed).
    count: int = 0

    def record(
        self,
        entity: Entity,
        entity_id: str,
        action: Action,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        self.count += 1
        self.session.add(
            RegistryChangeRow(
                at=self.at,
                actor=self.actor,
                entity=entity,
                entity_id=entity_id,
                action=action,
                before=before,
                after=after,
            )
        )


@contextmanager
def editing(session: Session, actor: str) -> Iterator[Edit]:
    """Changes and their records, committed together, or nothing when anything is refused."""
    edit = Edit(session, actor)
    try:
        yield edit
        session.commit()
    except IntegrityError:
        # A concurrent change took the same key between our check and our write.
        session.rollback()
        raise RegistryDuplicate(
            "another change took the same key meanwhile; read the registry and retry"
        ) from None
    except StaleDataError:
        # A concurrent change removed the record between our read and our update.
        session.rollback()
        raise RegistryNotFound("the record was removed meanwhile") from None
    except BaseException:
        session.rollback()
        raise


def delete_row(session: Session, row: AuthorisedContactRow | SystemRow | CoverageRow) -> None:
    """Delete `row`, or refuse when a concurrent change removed it first (the ORM's delete
    would only warn, and the trail would say it was removed twice)."""
    table = type(row)
    deleted = session.connection().execute(delete(table).where(col(table.id) == row.id))
    if deleted.rowcount != 1:
        raise RegistryNotFound("the record was removed meanwhile")
    session.expunge(row)


def changes_of(
    session: Session, org: str, *, limit: int = 200, before_id: int | None = None
) -> Sequence[Change]:
    """The changes of `org` and of what belongs to it, newest first."""
    mine = or_(
        col(RegistryChangeRow.entity_id) == org,
        col(RegistryChangeRow.entity_id).startswith(f"{org}/", autoescape=True),
        and_(
            col(RegistryChangeRow.entity) == "partner_client",
            col(RegistryChangeRow.entity_id).endswith(f"/{org}", autoescape=True),
        ),
    )
    query = select(RegistryChangeRow).where(mine)
    if before_id is not None:
        query = query.where(col(RegistryChangeRow.id) < before_id)
    rows = session.exec(query.order_by(col(RegistryChangeRow.id).desc()).limit(limit)).all()
    return [Change.model_validate(row, from_attributes=True) for row in rows]
