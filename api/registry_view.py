"""What of the client registry a caller reads: every organisation, or a partner's own and
the clients it acts for (escalator/registry/organisations.py `visible_orgs`). Anything else
answers 404, exactly like a record that does not exist."""

from typing import Annotated, Any

from fastapi import Depends

from api.auth import IdentityDep
from api.deps import SessionDep
from escalator.registry import Visible, visible_orgs

# The registry's routes: errors every one of them may answer besides 401 and 503.
UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one"}
}
WRITE_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Changing the registry needs the manager (or admin) role"}
}


def registry_view(identity: IdentityDep, session: SessionDep) -> Visible:
    if identity.role != "partner" or identity.org is None:
        return None
    return visible_orgs(session, identity.org)


RegistryView = Annotated[Visible, Depends(registry_view)]
