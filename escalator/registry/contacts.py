"""Authorised contacts: who may open cases for a client (others are accepted but billable).

Addresses are kept lower-cased, once per organisation. Intake reads this table at the
moment a case opens (activities/client_registry.py), so a contact removed here is not
authorised for the very next case.
"""

from sqlmodel import Session, col, select

from escalator.registry.changes import Edit, delete_row, owned_id, snapshot
from escalator.registry.errors import RegistryDuplicate, RegistryInvalid, RegistryNotFound
from escalator.registry.inputs import ContactChanges, NewContact
from escalator.registry.merging import merged
from escalator.registry.organisations import Visible, organisation_row
from escalator.registry.records import AuthorisedContact, contact
from models.tables.client_registry import AuthorisedContactRow

_FIELDS = ("email", "name", "role", "phone")
MAX_EMAIL = 320


def list_contacts(session: Session, org: str, visible: Visible = None) -> list[AuthorisedContact]:
    organisation_row(session, org, visible)
    rows = session.exec(
        select(AuthorisedContactRow)
        .where(AuthorisedContactRow.org == org)
        .order_by(col(AuthorisedContactRow.email))
    ).all()
    return [contact(row) for row in rows]


def contact_row(session: Session, org: str, contact_id: int) -> AuthorisedContactRow:
    row = session.get(AuthorisedContactRow, contact_id)
    if row is None or row.org != org:
        raise RegistryNotFound(f"{org} has no contact {contact_id}")
    return row


def contact_by_email(session: Session, org: str, email: str) -> AuthorisedContactRow | None:
    return session.exec(
        select(AuthorisedContactRow)
        .where(AuthorisedContactRow.org == org)
        .where(AuthorisedContactRow.email == email.strip().lower())
    ).first()


def _lower(data: NewContact) -> NewContact:
    email = data.email.lower()
    # Lower-casing may lengthen a text ("İ" is two characters lower-cased).
    if len(email) > MAX_EMAIL:
        raise RegistryInvalid(f"has at most {MAX_EMAIL} characters", loc=["email"])
    return data.model_copy(update={"email": email})


def _refuse_taken(session: Session, org: str, email: str, row_id: int | None) -> None:
    taken = contact_by_email(session, org, email)
    if taken is not None and taken.id != row_id:
        raise RegistryDuplicate(f"{email} is already a contact of {org}", loc=["email"])


def add_contact(edit: Edit, org: str, data: NewContact) -> AuthorisedContactRow:
    organisation_row(edit.session, org)
    data = _lower(data)
    _refuse_taken(edit.session, org, data.email, None)
    row = AuthorisedContactRow(org=org, **data.model_dump())
    edit.session.add(row)
    edit.session.flush()
    edit.record("contact", owned_id(org, row.id), "created", None, snapshot(row))
    return row


def update_contact(
    edit: Edit, org: str, contact_id: int, changes: ContactChanges
) -> AuthorisedContactRow:
    row = contact_row(edit.session, org, contact_id)
    data = _lower(merged(NewContact, row.model_dump(), changes))
    _refuse_taken(edit.session, org, data.email, row.id)
    before = snapshot(row)
    changed = [name for name in _FIELDS if getattr(row, name) != getattr(data, name)]
    if changed:
        for name in changed:
            setattr(row, name, getattr(data, name))
        edit.session.add(row)
        edit.session.flush()
        edit.record("contact", owned_id(org, row.id), "updated", before, snapshot(row))
    return row


def remove_contact(edit: Edit, org: str, contact_id: int) -> AuthorisedContactRow:
    row = contact_row(edit.session, org, contact_id)
    edit.record("contact", owned_id(org, row.id), "removed", snapshot(row), None)
    delete_row(edit.session, row)
    return row
