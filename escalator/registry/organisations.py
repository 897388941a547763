"""Organisations, and the partners acting for clients.

A partner sees its own organisation and the clients it acts for (`visible_orgs`); callers
pass that set as `visible` to every read, and an organisation outside it is "not found",
exactly like one that does not exist.
"""

from collections.abc import Collection, Sequence

from sqlmodel import Session, col, select

from escalator.registry.changes import Edit, snapshot
from escalator.registry.checks import check_holidays, check_zone
from escalator.registry.errors import (
    RegistryDuplicate,
    RegistryInUse,
    RegistryInvalid,
    RegistryNotFound,
)
from escalator.registry.inputs import NewOrganisation, OrganisationChanges
from escalator.registry.merging import merged
from escalator.registry.records import Organisation, organisation
from models.tables.client_registry import OrganisationRow, PartnerClientRow

# Every organisation (an engineer, a manager, an auditor), or these only (a partner).
Visible = Collection[str] | None


def visible_orgs(session: Session, org: str) -> set[str]:
    """What a partner of `org` may see: `org` itself and the clients it acts for."""
    clients = session.exec(
        select(PartnerClientRow.client).where(PartnerClientRow.partner == org)
    ).all()
    return {org, *clients}


def organisation_row(session: Session, org_id: str, visible: Visible = None) -> OrganisationRow:
    row = session.get(OrganisationRow, org_id) if visible is None or org_id in visible else None
    if row is None:
        raise RegistryNotFound(f"no organisation {org_id!r}")
    return row


def clients_of(session: Session, partner: str) -> list[str]:
    return list(
        session.exec(
            select(PartnerClientRow.client)
            .where(PartnerClientRow.partner == partner)
            .order_by(col(PartnerClientRow.client))
        ).all()
    )


def partners_of(session: Session, client: str) -> list[str]:
    return list(
        session.exec(
            select(PartnerClientRow.partner)
            .where(PartnerClientRow.client == client)
            .order_by(col(PartnerClientRow.partner))
        ).all()
    )


def _record(session: Session, row: OrganisationRow, visible: Visible) -> Organisation:
    def shown(ids: list[str]) -> list[str]:
        return [i for i in ids if visible is None or i in visible]

    return organisation(
        row, shown(clients_of(session, row.id)), shown(partners_of(session, row.id))
    )


def read_organisation(session: Session, org_id: str, visible: Visible = None) -> Organisation:
    return _record(session, organisation_row(session, org_id, visible), visible)


def list_organisations(session: Session, visible: Visible = None) -> list[Organisation]:
    query = select(OrganisationRow).order_by(col(OrganisationRow.id))
    if visible is not None:
        query = query.where(col(OrganisationRow.id).in_(list(visible)))
    return [_record(session, row, visible) for row in session.exec(query).all()]


def _check(session: Session, data: NewOrganisation, current: OrganisationRow | None) -> None:
    check_zone(data.time_zone, "time_zone")
    check_holidays(data.holidays_country, data.holidays_subdivision)
    if data.kind == "client" and data.clients:
        raise RegistryInvalid(
            "only a partner acts for clients (a client's clients are [])", loc=["clients"]
        )
    if current is not None and data.kind == "partner":
        if partners := partners_of(session, current.id):
            raise RegistryInUse(
                f"{', '.join(partners)} act for {current.id}: only a client has partners",
                loc=["kind"],
            )


def _link_refusal(session: Session, partner: OrganisationRow, client_id: str) -> str | None:
    if partner.kind != "partner":
        return f"{partner.id} is a client: only a partner acts for clients"
    if client_id == partner.id:
        return "a partner does not act for itself"
    client = session.get(OrganisationRow, client_id)
    if client is None:
        return f"no organisation {client_id!r}"
    if client.kind != "client":
        return f"{client_id} is a partner, not a client"
    return None


def link_client(edit: Edit, partner: OrganisationRow, client_id: str, index: int = 0) -> None:
    """`partner` acts for `client_id` from now on (a change named by `clients[index]`)."""
    if refusal := _link_refusal(edit.session, partner, client_id):
        raise RegistryInvalid(refusal, loc=["clients", index])
    if edit.session.get(PartnerClientRow, (partner.id, client_id)) is None:
        link = PartnerClientRow(partner=partner.id, client=client_id)
        edit.session.add(link)
        edit.record("partner_client", f"{partner.id}/{client_id}", "created", None, snapshot(link))


def unlink_client(edit: Edit, partner: str, client: str) -> None:
    link = edit.session.get(PartnerClientRow, (partner, client))
    if link is not None:
        edit.record("partner_client", f"{partner}/{client}", "removed", snapshot(link), None)
        edit.session.delete(link)
        edit.session.flush()


def set_clients(edit: Edit, partner: OrganisationRow, clients: Sequence[str]) -> None:
    """Exactly these clients, each link made or ended recorded."""
    for client in clients_of(edit.session, partner.id):
        if client not in clients:
            unlink_client(edit, partner.id, client)
    for index, client in enumerate(clients):
        link_client(edit, partner, client, index)


_FIELDS = ("name", "kind", "time_zone", "holidays_country", "holidays_subdivision")


def _apply(edit: Edit, row: OrganisationRow, data: NewOrganisation) -> bool:
    """Write `data`'s fields on `row`; whether any changed."""
    changed = [name for name in _FIELDS if getattr(row, name) != getattr(data, name)]
    for name in changed:
        setattr(row, name, getattr(data, name))
    if changed:
        row.updated_at = edit.at
        edit.session.add(row)
        edit.session.flush()
    return bool(changed)


def create_organisation(edit: Edit, data: NewOrganisation) -> OrganisationRow:
    if edit.session.get(OrganisationRow, data.id) is not None:
        raise RegistryDuplicate(f"the organisation {data.id!r} exists", loc=["id"])
    _check(edit.session, data, None)
    row = OrganisationRow(id=data.id, name=data.name, created_at=edit.at, updated_at=edit.at)
    _apply(edit, row, data)
    edit.session.add(row)
    edit.session.flush()
    edit.record("organisation", row.id, "created", None, snapshot(row))
    set_clients(edit, row, data.clients)
    return row


def update_organisation(
    edit: Edit, org_id: str, changes: OrganisationChanges, visible: Visible = None
) -> OrganisationRow:
    """Change the fields `changes` sets; `clients`, when set, replaces the partner's clients."""
    row = organisation_row(edit.session, org_id, visible)
    current = {**row.model_dump(), "clients": clients_of(edit.session, row.id)}
    data = merged(NewOrganisation, current, changes)
    _check(edit.session, data, row)
    before = snapshot(row)
    if _apply(edit, row, data):
        edit.record("organisation", row.id, "updated", before, snapshot(row))
    set_clients(edit, row, data.clients)
    return row
