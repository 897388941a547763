"""`/orgs`: organisations (and the clients a partner acts for), their authorised contacts,
and the trail of changes to them (docs/registry.md).

Managers and admins change the registry; partners read their own organisation and its
clients (another organisation is 404, like a missing one); engineers and auditors read all.
"""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session

from api.auth import ManagesRegistry, actor_of, current_identity
from api.deps import SessionDep
from api.registry_view import UNAUTHENTICATED, WRITE_REFUSED, RegistryView
from escalator import registry
from escalator.registry.inputs import (
    ContactChanges,
    NewContact,
    NewOrganisation,
    OrganisationChanges,
)
from escalator.registry.records import AuthorisedContact, Organisation, contact

router = APIRouter(
    tags=["registry"], dependencies=[Depends(current_identity)], responses=UNAUTHENTICATED
)

NO_ORG: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such organisation, or one the caller may not see"}
}
NO_CONTACT: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such organisation or contact, or one the caller may not see"}
}
TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"description": "The organisation id or the address is taken (the detail says which)"}
}
# Row ids are 32-bit: a larger number is a 422, not a 500.
ContactId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _organisation(session: Session, org_id: str) -> Organisation:
    return registry.read_organisation(session, org_id)


@router.get("/orgs", response_model=list[Organisation], operation_id="list_orgs")
def list_orgs(session: SessionDep, visible: RegistryView) -> list[Organisation]:
    """Every organisation the caller may see, by id."""
    return registry.list_organisations(session, visible)


@router.post(
    "/orgs",
    status_code=201,
    response_model=Organisation,
    operation_id="create_org",
    responses={**WRITE_REFUSED, 409: {"description": "An organisation has this id"}},
)
def create_org(
    body: NewOrganisation, identity: ManagesRegistry, session: SessionDep
) -> Organisation:
    with registry.editing(session, actor_of(identity)) as edit:
        row = registry.create_organisation(edit, body)
    return _organisation(session, row.id)


@router.get("/orgs/{org_id}", response_model=Organisation, operation_id="get_org", responses=NO_ORG)
def get_org(org_id: str, session: SessionDep, visible: RegistryView) -> Organisation:
    return registry.read_organisation(session, org_id, visible)


@router.patch(
    "/orgs/{org_id}",
    response_model=Organisation,
    operation_id="update_org",
    responses={
        **WRITE_REFUSED,
        **NO_ORG,
        409: {"description": "Partners act for this client, so it cannot become a partner"},
    },
)
def update_org(
    org_id: str, body: OrganisationChanges, identity: ManagesRegistry, session: SessionDep
) -> Organisation:
    """Change the fields the body names; `clients` replaces the clients a partner acts for."""
    with registry.editing(session, actor_of(identity)) as edit:
        registry.update_organisation(edit, org_id, body)
    return _organisation(session, org_id)


@router.get(
    "/orgs/{org_id}/contacts",
    response_model=list[AuthorisedContact],
    operation_id="list_contacts",
    responses=NO_ORG,
)
def list_contacts(
    org_id: str, session: SessionDep, visible: RegistryView
) -> list[AuthorisedContact]:
    """The organisation's authorised contacts, by address."""
    return registry.list_contacts(session, org_id, visible)


@router.post(
    "/orgs/{org_id}/contacts",
    status_code=201,
    response_model=AuthorisedContact,
    operation_id="add_contact",
    responses={**WRITE_REFUSED, **NO_ORG, **TAKEN},
)
def add_contact(
    org_id: str, body: NewContact, identity: ManagesRegistry, session: SessionDep
) -> AuthorisedContact:
    """Authorise someone to open cases for the organisation (from the next case on)."""
    with registry.editing(session, actor_of(identity)) as edit:
        row = registry.add_contact(edit, org_id, body)
        answer = contact(row)
    return answer


@router.patch(
    "/orgs/{org_id}/contacts/{contact_id}",
    response_model=AuthorisedContact,
    operation_id="update_contact",
    responses={**WRITE_REFUSED, **NO_CONTACT, **TAKEN},
)
def update_contact(
    org_id: str,
    body: ContactChanges,
    identity: ManagesRegistry,
    session: SessionDep,
    contact_id: ContactId,
) -> AuthorisedContact:
    with registry.editing(session, actor_of(identity)) as edit:
        row = registry.update_contact(edit, org_id, contact_id, body)
        answer = contact(row)
    return answer


@router.delete(
    "/orgs/{org_id}/contacts/{contact_id}",
    response_model=AuthorisedContact,
    operation_id="remove_contact",
    responses={**WRITE_REFUSED, **NO_CONTACT},
)
def remove_contact(
    org_id: str, identity: ManagesRegistry, session: SessionDep, contact_id: ContactId
) -> AuthorisedContact:
    """No longer authorised, from the very next case on; answers the contact as it was."""
    with registry.editing(session, actor_of(identity)) as edit:
        answer = contact(registry.remove_contact(edit, org_id, contact_id))
    return answer


@router.get(
    "/orgs/{org_id}/changes",
    response_model=list[registry.Change],
    operation_id="list_org_changes",
    responses=NO_ORG,
)
def list_org_changes(
    org_id: str,
    session: SessionDep,
    visible: RegistryView,
    limit: int = Query(200, ge=1, le=1000, description="At most this many changes"),
    before: int | None = Query(
        None, ge=1, le=2**31 - 1, description="Older than this change id: the next page"
    ),
) -> Sequence[registry.Change]:
    """Who changed what of the organisation and its contacts, systems, contracts, warranties
    and partners, and when, with the record before and after: newest first."""
    registry.organisation_row(session, org_id, visible)
    return registry.changes_of(session, org_id, limit=limit, before_id=before)
