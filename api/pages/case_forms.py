"""What every form of the case page shares: taking its step through the case service, and
the case page once more when the step did not go through (its errors by field, or the
case's reason)."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Engine
from temporalio.client import Client

from api.pages.case_page import case_page, load_case_view, visible_to
from api.pages.desk_forms import invalid_field
from api.pages.rendering import case_error_page
from api.web_session import Viewer
from escalator import cases
from models.case.steps import StepBody


def refusal_of(error: cases.CaseError) -> str:
    if isinstance(error, cases.KeyReused):
        return "this form was already sent for another request; fill in the form again"
    return error.msg


async def case_page_again(
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


async def run_step(
    request: Request,
    viewer: Viewer,
    client: Client,
    engine: Engine,
    case_id: str,
    step: str,
    body: StepBody,
    key: str | None,
    **again: Any,
) -> Response | None:
    """Take `step` on the case; None once it ran, else the page saying why not (422 with the
    field, 409 with the case's reason). `again`: what the page shows of the form as sent."""
    try:
        await cases.take_step(
            client,
            engine,
            case_id,
            step,
            body,
            key=key,
            visible=visible_to(viewer),
            scope=viewer.identity.scope,
        )
    except cases.InvalidField as error:
        errors = invalid_field(error)
        return await case_page_again(
            request, viewer, client, engine, case_id, 422, errors=errors, **again
        )
    except (cases.StepRefused, cases.KeyReused, cases.CaseFinished) as error:
        return await case_page_again(
            request, viewer, client, engine, case_id, 409, refusal=refusal_of(error), **again
        )
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)
    return None
