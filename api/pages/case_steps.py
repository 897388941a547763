"""The engineer's step forms of the case page: `POST /portal/cases/{id}/steps/{step}`.

A form becomes the step's body (api/pages/step_forms.py) and goes through the case service
like the API's steps, under the form's own idempotency key: sent twice (a double click, a
resent form), it runs once. A wrong field re-renders the page with 422 and the message
beside the field; a step the case refuses, with 409 and the case's reason; success is a
303 back to the case page.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from temporalio.client import Client

from api.auth import actor_of
from api.deps import ClientDep, EngineDep
from api.pages.case_page import case_page, load_case_view, only_org
from api.pages.form_keys import form_key
from api.pages.rendering import case_error_page, not_found_page, see_other
from api.pages.step_forms import ENGINEER_STEPS, FormInvalid, Posted, step_body
from api.web_session import SignedInForm, Viewer, WorkerViewer
from escalator import cases

router = APIRouter()


async def posted_form(request: Request, form: dict[str, str]) -> Posted:
    """The form SignedInForm checked, with every value of its multiple selects."""
    data = await request.form()  # parsed once by Starlette: the same form
    lists = {name: [v for v in data.getlist(name) if isinstance(v, str)] for name in data}
    return Posted(form, lists)


async def page_again(
    request: Request,
    viewer: Viewer,
    client: Client,
    engine: Engine,
    case_id: str,
    status: int,
    **context: Any,
) -> Response:
    """The case page as it is now, answering a form: its errors or the case's refusal."""
    try:
        view = await load_case_view(client, engine, viewer, case_id)
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)
    return case_page(request, viewer, view, status, **context)


def refusal_of(error: cases.CaseError) -> str:
    if isinstance(error, cases.KeyReused):
        return "this form was already sent for another request; fill in the form again"
    return error.msg


@router.post("/cases/{case_id}/steps/{step}")
async def take_step(
    request: Request,
    case_id: str,
    step: str,
    viewer: WorkerViewer,
    form: SignedInForm,
    client: ClientDep,
    engine: EngineDep,
) -> Response:
    if step not in ENGINEER_STEPS:
        return not_found_page(request, viewer)
    posted = await posted_form(request, form)
    again = {"form_step": step, "posted": posted.values, "posted_lists": posted.lists}
    try:
        body = step_body(step, posted, actor_of(viewer.identity))
    except FormInvalid as invalid:
        return await page_again(
            request, viewer, client, engine, case_id, 422, errors=invalid.errors, **again
        )
    try:
        await cases.take_step(
            client, engine, case_id, step, body, key=form_key(form), only_org=only_org(viewer)
        )
    except cases.InvalidField as error:
        field = ".".join(map(str, (error.loc or ["form"])[1:])) or "form"
        errors = {field: error.msg}
        return await page_again(
            request, viewer, client, engine, case_id, 422, errors=errors, **again
        )
    except (cases.StepRefused, cases.KeyReused, cases.CaseFinished) as error:
        return await page_again(
            request, viewer, client, engine, case_id, 409, refusal=refusal_of(error), **again
        )
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)
    return see_other(f"/portal/cases/{case_id}?done={step}")
