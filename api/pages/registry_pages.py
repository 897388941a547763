"""What the client registry's pages share: who may do what, the organisation's page as it
is rendered after a refused form too, and one change through the registry service that
either redirects back (Post/Redirect/Get) or shows the form again with its errors.

Managers and admins change the registry; engineers and auditors read every organisation;
a partner reads its own organisation and the clients it acts for, and anything else is
the not-found page, exactly like an organisation that does not exist.
"""

from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth import actor_of, visible
from api.pages.registry_forms import FormRefused, refusal
from api.pages.registry_reads import Forms, FormState, read_org_page, zone_names
from api.pages.rendering import not_found_page, page, see_other
from api.web_session import CSRF_FIELD, Viewer, viewer_with_role
from escalator import registry
from escalator.registry import Edit, RegistryError, RegistryNotFound

RegistryEditor = Annotated[
    Viewer, Depends(viewer_with_role("manager", action="Changing the client registry"))
]
RegistryFilesReader = Annotated[
    Viewer,
    Depends(viewer_with_role("manager", "auditor", action="Importing and exporting the registry")),
]

# Row ids are 32-bit; anything else in a path is no record.
MAX_ROW_ID = 2**31 - 1

# What the organisation's page says after a form sent the viewer back (fixed texts only).
NOTICES = {
    "created": "The organisation is created.",
    "organisation": "The organisation is saved.",
    "contact": "The contact is saved.",
    "contact-removed": "The contact is removed.",
    "system": "The system is saved.",
    "system-removed": "The system is removed.",
    "contract": "The contract is saved.",
    "contract-removed": "The contract is removed.",
    "warranty": "The warranty is saved.",
    "warranty-removed": "The warranty is removed.",
}


def manages(viewer: Viewer) -> bool:
    return viewer.identity.role in ("manager", "admin")


def registry_visible(viewer: Viewer) -> registry.Visible:
    """Every organisation (None), or a partner's own and its clients' (read as it signed in)."""
    return visible(viewer.identity)


def row_id(text: str) -> int | None:
    """A record's id from a path segment; None for anything that names no record."""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ROW_ID:
        return None
    return int(text)


def org_path(org_id: str) -> str:
    return f"/portal/orgs/{quote(org_id, safe='')}"


def org_page(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    org_id: str,
    forms: Forms | None = None,
    status: int = 200,
    saved: str | None = None,
) -> Response:
    try:
        data = read_org_page(engine, org_id, registry_visible(viewer))
    except RegistryNotFound:
        return not_found_page(request, viewer)
    forms = forms or Forms()
    return page(
        request,
        "registry_org.html",
        status,
        viewer=viewer,
        title=f"{data.org.name} ({data.org.id})",
        data=data,
        org=data.org,
        forms=forms,
        failed=forms.failed.id if forms.failed else None,
        manages=manages(viewer),
        zones=zone_names(),
        notice=NOTICES.get(saved or ""),
    )


def posted(form: Mapping[str, str]) -> dict[str, str]:
    """What a refused form shows again: what was typed, without its token."""
    return {name: value for name, value in form.items() if name != CSRF_FIELD}


def change(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    org_id: str,
    form_id: str,
    form: Mapping[str, str],
    apply: Callable[[Edit], Any],
    saved: str,
    anchor: str,
) -> Response:
    """Apply one change as the viewer; 303 back to the organisation's page (at `anchor`),
    or the page again with the form's errors (422, or 409 for a key taken or a record in
    use); a record that is gone (or never was the organisation's) is the not-found page."""
    try:
        with (
            Session(engine) as session,
            registry.editing(session, actor_of(viewer.identity)) as edit,
        ):
            apply(edit)
    except FormRefused as refused:
        failure = refused
    except RegistryNotFound:
        return not_found_page(request, viewer)
    except RegistryError as error:
        failure = refusal(error)
    else:
        return see_other(f"{org_path(org_id)}?saved={saved}#{anchor}")
    forms = Forms(FormState(form_id, posted(form), failure.errors))
    return org_page(request, viewer, engine, org_id, forms, failure.status)
