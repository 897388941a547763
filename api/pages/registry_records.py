"""The forms of an organisation's page that add, edit and remove its records: contacts,
systems, and the contracts and warranties of a system or of the whole client (managers
and admins). Each posts here and comes back to the page (registry_pages.change)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from api.deps import EngineDep
from api.pages import registry_forms as forms
from api.pages.registry_pages import RegistryEditor, change, row_id
from api.pages.rendering import not_found_page
from api.web_session import SignedInForm, Viewer
from escalator import registry
from escalator.registry import Edit, Kind, RegistryNotFound
from models.tables.client_registry import CoverageRow, SystemRow

router = APIRouter(include_in_schema=False)


def _system(edit: Edit, org_id: str, system_id: int) -> SystemRow:
    """The organisation's system; RegistryNotFound for another's."""
    system = registry.system_row(edit.session, system_id)
    if system.org != org_id:
        raise RegistryNotFound(f"{org_id} has no system {system_id}")
    return system


def _coverage(edit: Edit, org_id: str, kind: Kind, coverage_id: int) -> CoverageRow:
    row = registry.coverage_row(edit.session, kind, coverage_id)
    if row.org != org_id:
        raise RegistryNotFound(f"{org_id} has no {kind} {coverage_id}")
    return row


def _zone(edit: Edit, org_id: str) -> str:
    return registry.organisation_row(edit.session, org_id).time_zone


# -- contacts


@router.post("/orgs/{org_id}/contacts")
def add_contact(
    request: Request, org_id: str, viewer: RegistryEditor, form: SignedInForm, engine: EngineDep
) -> Response:
    def apply(edit: Edit) -> None:
        registry.add_contact(edit, org_id, forms.new_contact(form))

    return change(
        request, viewer, engine, org_id, "contact-new", form, apply, "contact", "contacts"
    )


@router.post("/orgs/{org_id}/contacts/{contact}/edit")
def edit_contact(
    request: Request,
    org_id: str,
    contact: str,
    viewer: RegistryEditor,
    form: SignedInForm,
    engine: EngineDep,
) -> Response:
    if (contact_id := row_id(contact)) is None:
        return not_found_page(request, viewer)

    def apply(edit: Edit) -> None:
        registry.update_contact(edit, org_id, contact_id, forms.contact_changes(form))

    form_id = f"contact-{contact_id}"
    return change(request, viewer, engine, org_id, form_id, form, apply, "contact", "contacts")


@router.post("/orgs/{org_id}/contacts/{contact}/remove")
def remove_contact(
    request: Request,
    org_id: str,
    contact: str,
    viewer: RegistryEditor,
    form: SignedInForm,
    engine: EngineDep,
) -> Response:
    if (contact_id := row_id(contact)) is None:
        return not_found_page(request, viewer)

    def apply(edit: Edit) -> None:
        registry.remove_contact(edit, org_id, contact_id)

    form_id = f"contact-{contact_id}-remove"
    return change(
        request, viewer, engine, org_id, form_id, form, apply, "contact-removed", "contacts"
    )


# -- systems


@router.post("/orgs/{org_id}/systems")
def add_system(
    request: Request, org_id: str, viewer: RegistryEditor, form: SignedInForm, engine: EngineDep
) -> Response:
    def apply(edit: Edit) -> None:
        registry.add_system(edit, org_id, forms.new_system(form))

    return change(request, viewer, engine, org_id, "system-new", form, apply, "system", "systems")


@router.post("/orgs/{org_id}/systems/{system}/edit")
def edit_system(
    request: Request,
    org_id: str,
    system: str,
    viewer: RegistryEditor,
    form: SignedInForm,
    engine: EngineDep,
) -> Response:
    if (system_id := row_id(system)) is None:
        return not_found_page(request, viewer)

    def apply(edit: Edit) -> None:
        _system(edit, org_id, system_id)
        registry.update_system(edit, system_id, forms.system_changes(form))

    form_id = f"system-{system_id}"
    anchor = f"system-{system_id}"
    return change(request, viewer, engine, org_id, form_id, form, apply, "system", anchor)


@router.post("/orgs/{org_id}/systems/{system}/remove")
def remove_system(
    request: Request,
    org_id: str,
    system: str,
    viewer: RegistryEditor,
    form: SignedInForm,
    engine: EngineDep,
) -> Response:
    if (system_id := row_id(system)) is None:
        return not_found_page(request, viewer)

    def apply(edit: Edit) -> None:
        _system(edit, org_id, system_id)
        registry.remove_system(edit, system_id)

    form_id = f"system-{system_id}-remove"
    return change(
        request, viewer, engine, org_id, form_id, form, apply, "system-removed", "systems"
    )


# -- contracts and warranties, of a system (the form's `system`) or of the whole client


def _add_coverage(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    org_id: str,
    kind: Kind,
    form: dict[str, str],
) -> Response:
    raw = form.get("system", "")
    system_id = row_id(raw) if raw else None
    if raw and system_id is None:
        return not_found_page(request, viewer)

    def apply(edit: Edit) -> None:
        system = _system(edit, org_id, system_id) if system_id is not None else None
        zone = _zone(edit, org_id)
        data = (
            forms.new_contract(form, zone) if kind == "contract" else forms.new_warranty(form, zone)
        )
        registry.add_coverage(edit, org_id, system, data)

    key = str(system_id) if system_id is not None else "org"
    anchor = f"system-{system_id}" if system_id is not None else "whole-client"
    return change(request, viewer, engine, org_id, f"{kind}-new-{key}", form, apply, kind, anchor)


def _edit_coverage(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    org_id: str,
    kind: Kind,
    coverage: str,
    form: dict[str, str],
) -> Response:
    if (coverage_id := row_id(coverage)) is None:
        return not_found_page(request, viewer)

    def apply(edit: Edit) -> None:
        _coverage(edit, org_id, kind, coverage_id)
        zone = _zone(edit, org_id)
        changes = (
            forms.contract_changes(form, zone)
            if kind == "contract"
            else forms.warranty_changes(form, zone)
        )
        registry.update_coverage(edit, kind, coverage_id, changes)

    form_id = f"{kind}-{coverage_id}"
    return change(request, viewer, engine, org_id, form_id, form, apply, kind, form_id)


def _remove_coverage(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    org_id: str,
    kind: Kind,
    coverage: str,
    form: dict[str, str],
) -> Response:
    if (coverage_id := row_id(coverage)) is None:
        return not_found_page(request, viewer)

    def apply(edit: Edit) -> None:
        _coverage(edit, org_id, kind, coverage_id)
        registry.remove_coverage(edit, kind, coverage_id)

    form_id = f"{kind}-{coverage_id}-remove"
    return change(
        request, viewer, engine, org_id, form_id, form, apply, f"{kind}-removed", "systems"
    )


@router.post("/orgs/{org_id}/contracts")
def add_contract(
    request: Request, org_id: str, viewer: RegistryEditor, form: SignedInForm, engine: EngineDep
) -> Response:
    return _add_coverage(request, viewer, engine, org_id, "contract", form)


@router.post("/orgs/{org_id}/contracts/{contract}/edit")
def edit_contract(
    request: Request,
    org_id: str,
    contract: str,
    viewer: RegistryEditor,
    form: SignedInForm,
    engine: EngineDep,
) -> Response:
    return _edit_coverage(request, viewer, engine, org_id, "contract", contract, form)


@router.post("/orgs/{org_id}/contracts/{contract}/remove")
def remove_contract(
    request: Request,
    org_id: str,
    contract: str,
    viewer: RegistryEditor,
    form: SignedInForm,
    engine: EngineDep,
) -> Response:
    return _remove_coverage(request, viewer, engine, org_id, "contract", contract, form)


@router.post("/orgs/{org_id}/warranties")
def add_warranty(
    request: Request, org_id: str, viewer: RegistryEditor, form: SignedInForm, engine: EngineDep
) -> Response:
    return _add_coverage(request, viewer, engine, org_id, "warranty", form)


@router.post("/orgs/{org_id}/warranties/{warranty}/edit")
def edit_warranty(
    request: Request,
    org_id: str,
    warranty: str,
    viewer: RegistryEditor,
    form: SignedInForm,
    engine: EngineDep,
) -> Response:
    return _edit_coverage(request, viewer, engine, org_id, "warranty", warranty, form)


@router.post("/orgs/{org_id}/warranties/{warranty}/remove")
def remove_warranty(
    request: Request,
    org_id: str,
    warranty: str,
    viewer: RegistryEditor,
    form: SignedInForm,
    engine: EngineDep,
) -> Response:
    return _remove_coverage(request, viewer, engine, org_id, "warranty", warranty, form)
