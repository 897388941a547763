"""`/portal/orgs`: the client registry's organisations, searched by id or name, with a form
that adds one; each organisation's page with its records and change trail (its record
forms: registry_records.py); `/portal/registry/...`: CSV files (registry_files.py).

Who may do what: registry_pages.py. A partner asking for the list gets its own
organisation's page.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth import actor_of
from api.deps import EngineDep
from api.pages import registry_files, registry_records
from api.pages.registry_forms import (
    FormRefused,
    new_organisation,
    organisation_changes,
    refusal,
)
from api.pages.registry_pages import (
    RegistryEditor,
    change,
    manages,
    org_page,
    org_path,
    posted,
    registry_visible,
    row_id,
)
from api.pages.registry_reads import FormState, read_changes, zone_names
from api.pages.rendering import not_found_page, page, see_other
from api.web_session import SignedInForm, Viewer, ViewerDep
from escalator import registry
from escalator.registry import Edit, RegistryError, RegistryNotFound

router = APIRouter(prefix="/portal", include_in_schema=False)

PAGE_SIZE = 100
MAX_QUERY = 200
CHANGES_PAGE = 100


def _list_page(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    q: str = "",
    after: str = "",
    new: FormState | None = None,
    status: int = 200,
) -> Response:
    errors: dict[str, str] = {}
    if len(q) > MAX_QUERY:
        errors["q"] = f"is at most {MAX_QUERY} characters"
    rows: list[registry.OrganisationSummary] = []
    if not errors:
        with Session(engine) as session:
            rows = registry.organisation_summaries(
                session, q.strip(), after=after or None, limit=PAGE_SIZE + 1
            )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    context: dict[str, Any] = {
        "q": q,
        "rows": rows,
        "errors": errors,
        "next_after": rows[-1].id if more else None,
        "new": new or FormState("org-new", {"kind": "client", "time_zone": "UTC"}),
    }
    return page(
        request,
        "registry_orgs.html",
        422 if errors else status,
        viewer=viewer,
        title="Clients",
        manages=manages(viewer),
        zones=zone_names(),
        **context,
    )


@router.get("/orgs")
def org_list(
    request: Request, viewer: ViewerDep, engine: EngineDep, q: str = "", after: str = ""
) -> Response:
    """Every organisation; a partner's own page instead."""
    if viewer.identity.role == "partner":
        if viewer.identity.org is None:
            return not_found_page(request, viewer)
        return see_other(org_path(viewer.identity.org))
    return _list_page(request, viewer, engine, q, after)


@router.post("/orgs")
def create_org(
    request: Request, viewer: RegistryEditor, form: SignedInForm, engine: EngineDep
) -> Response:
    try:
        data = new_organisation(form)
        with (
            Session(engine) as session,
            registry.editing(session, actor_of(viewer.identity)) as edit,
        ):
            registry.create_organisation(edit, data)
    except FormRefused as refused:
        failure = refused
    except RegistryError as error:
        failure = refusal(error)
    else:
        return see_other(f"{org_path(data.id)}?saved=created")
    new = FormState("org-new", posted(form), failure.errors)
    return _list_page(request, viewer, engine, new=new, status=failure.status)


@router.get("/orgs/{org_id}")
def org_detail(
    request: Request, org_id: str, viewer: ViewerDep, engine: EngineDep, saved: str = ""
) -> Response:
    return org_page(request, viewer, engine, org_id, saved=saved)


@router.post("/orgs/{org_id}/edit")
def edit_org(
    request: Request, org_id: str, viewer: RegistryEditor, form: SignedInForm, engine: EngineDep
) -> Response:
    def apply(edit: Edit) -> None:
        registry.update_organisation(edit, org_id, organisation_changes(form, org_id))

    return change(
        request, viewer, engine, org_id, "org-edit", form, apply, "organisation", "organisation"
    )


@router.get("/orgs/{org_id}/changes")
def org_changes(
    request: Request, org_id: str, viewer: ViewerDep, engine: EngineDep, before: str = ""
) -> Response:
    """The change trail a page at a time, newest first."""
    before_id = row_id(before) if before else None
    if before and before_id is None:
        return not_found_page(request, viewer)
    try:
        org, entries, older = read_changes(
            engine, org_id, registry_visible(viewer), before_id, CHANGES_PAGE
        )
    except RegistryNotFound:
        return not_found_page(request, viewer)
    return page(
        request,
        "registry_changes.html",
        viewer=viewer,
        title=f"Changes of {org.name}",
        org=org,
        changes=entries,
        older=older,
    )


router.include_router(registry_records.router)
router.include_router(registry_files.router)
