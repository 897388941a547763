"""What of the client registry a caller reads: every organisation, or a partner's own and
the clients it acts for (api/auth.py `visible`). Anything else
answers 404, exactly like a record that does not exist."""

from typing import Annotated, Any

from fastapi import Depends

from api.auth import IdentityDep, visible
from escalator.registry import Visible

# The registry's routes: errors every one of them may answer besides 401 and 503.
UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one"}
}
WRITE_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Changing the registry needs the manager (or admin) role"}
}


def registry_view(identity: IdentityDep) -> Visible:
    """What the caller sees, as its identity was read (a partner's clients included)."""
    return visible(identity)


RegistryView = Annotated[Visible, Depends(registry_view)]
