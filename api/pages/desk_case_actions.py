"""A partner's controls on the case page (api/templates/case_actions_partner.html): reply when
the case waits on the customer, add information otherwise, attach a file; and the download of
a case's files for anyone who may see the case.

Each form carries an idempotency key of its own, so a double submit takes one step. After a
step: 303 back to the case page. A step the case refuses now: the case page again, 409, with
the case's reason; a wrong field: 422 with the message beside it. Engineers may post these
too (their own steps are theirs: api/pages/case_steps.py).
"""

import asyncio
import re
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import Engine
from temporalio.client import Client

from api.attachments import attachment_file, content_disposition, download_name, media_type
from api.auth import actor_of
from api.deps import ClientDep, EngineDep, SettingsDep
from api.pages.case_forms import case_page_again, run_step
from api.pages.case_page import CaseView, visible_to
from api.pages.desk_forms import (
    invalid_field,
    label_of,
    read_files,
    size_text,
    unstorable,
    validation_errors,
)
from api.pages.form_keys import form_key
from api.pages.rendering import case_error_page, environment, not_found_page, see_other
from api.web_session import ChangerViewer, SignedInForm, SignedInMultipart, Viewer, ViewerDep
from escalator import cases
from escalator.cases.attachments import refuse_file, store_files
from models.audit.timeline import asked_fields
from models.case.steps import AddNote, CustomerReply, StepBody

router = APIRouter(prefix="/portal/cases", include_in_schema=False)

_FIELD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Most fields one reply may give (a policy lists a dozen).
MAX_REPLY_FIELDS = 50
# As long as a field given at intake may be (models/case/resource.py `CaseIntake`).
MAX_TEXT = 100_000
EXPIRED = "This form was not one this page gave (or it expired): check it and send it again."


def requested_fields(view: CaseView) -> list[tuple[str, str, str]]:
    """(name, label, help) of the fields a reply may give: those missing since intake, then
    those the engineer's latest request for information named."""
    names = list(view.case.missing_fields)
    for entry in reversed(view.timeline):
        if entry.kind == "information_requested":
            names += asked_fields(entry)
            break
    described = {f.name: f.description for f in view.policy.intake.fields} if view.policy else {}
    return [
        (name, label_of(name), described.get(name, ""))
        for name in dict.fromkeys(names)
        if _FIELD_NAME.fullmatch(name)
    ]


# The partner's controls render a fresh key per form, and the fields a reply may give.
environment.filters["requested_fields"] = requested_fields


async def _form_refused(
    request: Request,
    viewer: Viewer,
    client: Client,
    engine: Engine,
    case_id: str,
    errors: dict[str, str],
    key: str | None,
    values: dict[str, str],
) -> Response | None:
    """The case page again (422) when the form has errors or no key of ours, else None."""
    if not errors and key is not None:
        return None
    refusal = None if key else EXPIRED
    return await case_page_again(
        request, viewer, client, engine, case_id, 422, errors=errors, values=values, refusal=refusal
    )


async def _send(
    request: Request,
    viewer: Viewer,
    client: Client,
    engine: Engine,
    case_id: str,
    step: str,
    form: dict[str, str],
    errors: dict[str, str],
    body: Callable[[], StepBody],
) -> Response:
    """Take the step the checked form asks for: back to the case page, or the page again with
    why not (the form's errors, the step's model's, or the case's refusal)."""
    key = form_key(form)
    if refused := await _form_refused(request, viewer, client, engine, case_id, errors, key, form):
        return refused
    assert key is not None  # _form_refused answered otherwise
    try:
        made = body()
    except ValidationError as error:
        found = validation_errors(error)
        return await case_page_again(
            request, viewer, client, engine, case_id, 422, errors=found, values=form
        )
    refused = await run_step(request, viewer, client, engine, case_id, step, made, key, values=form)
    return refused or see_other(f"/portal/cases/{case_id}")


@router.post("/{case_id}/reply")
async def reply(
    request: Request,
    case_id: str,
    viewer: ChangerViewer,
    form: SignedInForm,
    client: ClientDep,
    engine: EngineDep,
) -> Response:
    """The customer's reply to a case waiting on them: a message, and the fields asked for."""
    given = {
        name.removeprefix("fields."): value.strip()
        for name, value in form.items()
        if name.startswith("fields.") and value.strip()
    }
    errors = unstorable(form, ["message", *(f"fields.{name}" for name in given)])
    for name, value in given.items():
        if not _FIELD_NAME.fullmatch(name):
            errors[f"fields.{name}"] = "is not a field name"
        elif len(value) > MAX_TEXT:
            errors[f"fields.{name}"] = f"is at most {MAX_TEXT} characters"
    if len(given) > MAX_REPLY_FIELDS:
        errors["message"] = f"a reply gives at most {MAX_REPLY_FIELDS} fields"
    if not form.get("message", "").strip():
        errors.setdefault("message", "is required")
    actor = actor_of(viewer.identity)
    return await _send(
        request,
        viewer,
        client,
        engine,
        case_id,
        "customer-reply",
        form,
        errors,
        lambda: CustomerReply(actor=actor, message=form["message"].strip(), fields=given),
    )


@router.post("/{case_id}/note")
async def add_information(
    request: Request,
    case_id: str,
    viewer: ChangerViewer,
    form: SignedInForm,
    client: ClientDep,
    engine: EngineDep,
) -> Response:
    """Information added to a case that does not wait on anyone: the add-note step."""
    text = form.get("text", "").strip()
    errors = unstorable(form, ["text"]) or ({} if text else {"text": "is required"})
    actor = actor_of(viewer.identity)
    return await _send(
        request,
        viewer,
        client,
        engine,
        case_id,
        "add-note",
        form,
        errors,
        lambda: AddNote(actor=actor, text=text),
    )


@router.post("/{case_id}/attach")
async def attach(
    request: Request,
    case_id: str,
    viewer: ChangerViewer,
    form: SignedInMultipart,
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> Response:
    """A file stored with the case, and a note on its timeline saying so. The note goes first:
    a case that takes no note (closed) takes no file; a retry with the same key finds the note
    taken and stores the file (once: files are stored once by name and content)."""
    limit = settings.attachment_max_bytes
    key = form_key(form.fields)
    errors: dict[str, str] = {}
    try:
        files = await read_files(form.files.get("file", [])[:1], limit, "file")
        for file in files:
            refuse_file(file, limit, "file")
    except cases.InvalidField as error:
        files, errors = [], invalid_field(error)
    if not files and not errors:
        errors["file"] = "choose a file to attach"
    if refused := await _form_refused(request, viewer, client, engine, case_id, errors, key, {}):
        return refused
    assert key is not None  # _form_refused answered otherwise
    (file,) = files
    note = AddNote(
        actor=actor_of(viewer.identity),
        text=f"attached a file: {file.filename} ({size_text(len(file.content))})",
    )
    refused = await run_step(
        request, viewer, client, engine, case_id, "add-note", note, key, values={}
    )
    if refused is not None:
        return refused
    await asyncio.to_thread(store_files, engine, case_id, files, limit=limit, field="file")
    return see_other(f"/portal/cases/{case_id}")


@router.get("/{case_id}/attachments/{attachment_id}")
async def download(
    request: Request,
    case_id: str,
    attachment_id: str,
    viewer: ViewerDep,
    engine: EngineDep,
    client: ClientDep,
) -> Response:
    """A file of the case, for anyone who may see the case (else the same not-found page as
    for no case); sent as an attachment with its stored type, never sniffed."""
    # ASCII digits only: "²" is a digit to str.isdigit, and no number to int.
    plain = attachment_id.isascii() and attachment_id.isdigit() and len(attachment_id) < 10
    number = int(attachment_id) if plain else 0
    try:
        await cases.ensure_visible(client, engine, case_id, visible_to(viewer))
    except cases.CaseNotFound:
        return not_found_page(request, viewer)
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)
    found = await asyncio.to_thread(attachment_file, engine, case_id, number) if number else None
    if found is None:
        return not_found_page(request, viewer)
    return Response(
        found.content,
        headers={
            "Content-Type": media_type(found.content_type),
            "Content-Disposition": content_disposition(download_name(found.filename, number)),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        },
    )
