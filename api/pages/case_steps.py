"""The engineer's step forms of the case page: `POST /portal/cases/{id}/steps/{step}`.

A form becomes the step's body (api/pages/step_forms.py) and goes through the case service
like the API's steps, under the form's own idempotency key: sent twice (a double click, a
resent form), it runs once. A wrong field re-renders the page with 422 and the message
beside the field; a step the case refuses, with 409 and the case's reason; success is a
303 back to the case page.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.auth import actor_of
from api.deps import ClientDep, EngineDep
from api.pages.case_forms import case_page_again, run_step
from api.pages.form_keys import form_key
from api.pages.rendering import not_found_page, see_other
from api.pages.step_forms import ENGINEER_STEPS, FormInvalid, Posted, step_body
from api.web_session import SignedInForm, WorkerViewer

router = APIRouter()


async def posted_form(request: Request, form: dict[str, str]) -> Posted:
    """The form SignedInForm checked, with every value of its multiple selects."""
    data = await request.form()  # parsed once by Starlette: the same form
    lists = {name: [v for v in data.getlist(name) if isinstance(v, str)] for name in data}
    return Posted(form, lists)


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
        return await case_page_again(
            request, viewer, client, engine, case_id, 422, errors=invalid.errors, **again
        )
    refused = await run_step(
        request, viewer, client, engine, case_id, step, body, form_key(form), **again
    )
    if refused is not None:
        return refused
    return see_other(f"/portal/cases/{case_id}?done={step}")
