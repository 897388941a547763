"""The organisations as a list people search (the portal's `/portal/orgs`): by a text in
the id or the name, each with how many contacts and systems it holds, a page at a time in
the order of ids."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from escalator.infra.text_search import contains
from escalator.registry.organisations import Visible
from models.tables.client_registry import AuthorisedContactRow, OrganisationRow, SystemRow


@dataclass(frozen=True)
class OrganisationSummary:
    id: str
    name: str
    kind: str
    time_zone: str
    contacts: int
    systems: int


def _matches(text: str) -> ColumnElement[bool]:
    return contains(text, OrganisationRow.id, OrganisationRow.name)


def organisation_summaries(
    session: Session,
    text: str = "",
    visible: Visible = None,
    *,
    after: str | None = None,
    limit: int = 100,
) -> list[OrganisationSummary]:
    """The organisations whose id or name holds `text` (any case), by id, those after the
    id `after` only, at most `limit`."""
    contacts = (
        select(AuthorisedContactRow.org, func.count().label("n"))
        .group_by(col(AuthorisedContactRow.org))
        .subquery()
    )
    systems = select(SystemRow.org, func.count().label("n")).group_by(col(SystemRow.org)).subquery()
    query = (
        select_columns(
            col(OrganisationRow.id),
            col(OrganisationRow.name),
            col(OrganisationRow.kind),
            col(OrganisationRow.time_zone),
            func.coalesce(contacts.c.n, 0),
            func.coalesce(systems.c.n, 0),
        )
        .outerjoin(contacts, contacts.c.org == OrganisationRow.id)
        .outerjoin(systems, systems.c.org == OrganisationRow.id)
    )
    if text:
        query = query.where(_matches(text))
    if visible is not None:
        query = query.where(col(OrganisationRow.id).in_(list(visible)))
    if after is not None:
        query = query.where(col(OrganisationRow.id) > after)
    rows = session.execute(query.order_by(col(OrganisationRow.id)).limit(limit)).all()
    return [
        OrganisationSummary(org_id, name, kind, zone, int(n_contacts), int(n_systems))
        for org_id, name, kind, zone, n_contacts, n_systems in rows
    ]
