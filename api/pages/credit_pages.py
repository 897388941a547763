"""`/portal/credits`: the SLA credits the viewer sees, by month, organisation and state, with
the forms of their lifecycle (docs/registry.md, "Credits"): partners and engineers request an
eligible credit (here or on its case's page), managers and admins approve or decline a
requested one, auditors read and change nothing. The monthly report: credit_report.py.

Everything goes through the credit service (escalator/credits/), with what the viewer sees
(`api.auth.visible`): another organisation's credit is the same not-found page as none.
After a step: 303 back where the form was, with a notice. A credit no longer in the state the
step needs: the page again, 409, with the service's reason; a decline without a reason: 422
beside the field.
"""

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

# Registers the template global the case page draws its charges and credits with.
from api.auth import actor_of, visible
from api.deps import ClientDep, EngineDep
from api.pages import credit_report
from api.pages.case_forms import case_page_again
from api.pages.credit_filters import Filters, read_filters, this_month
from api.pages.rendering import not_found_page, page, see_other
from api.web_session import SignedInForm, Viewer, ViewerDep, viewer_with_role
from escalator import credits
from models.case.credit_states import CREDIT_STATES, CreditState
from models.input_text import refusal, refused_character

router = APIRouter(prefix="/portal", include_in_schema=False)
router.include_router(credit_report.router)

RequesterViewer = Annotated[
    Viewer, Depends(viewer_with_role("partner", "engineer", action="Requesting a credit"))
]
DeciderViewer = Annotated[
    Viewer, Depends(viewer_with_role("manager", action="Approving or declining credits"))
]

# At most this many credits a page (the service's default); a filter narrows them.
LIMIT = 500
# As the API's decline body, and the column.
MAX_REASON = 1000
Step = Literal["requested", "approved", "declined"]
# What the list says after a form sent the viewer back (fixed texts only).
NOTICES: dict[str, str] = {
    "requested": "The credit is requested: a manager approves or declines it.",
    "approved": "The credit is approved: it is owed to the client.",
    "declined": "The credit is declined: the client reads why.",
}


def credits_page(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    filters: Filters,
    errors: Mapping[str, str],
    status: int = 200,
    **context: Any,
) -> Response:
    """The list as filtered; `context` may carry a `refusal`, or the decline form that failed
    (`failed`: the credit's id, `reason` as typed, `reason_error`)."""
    listed: list[credits.SlaCredit] = []
    if not errors:
        state: CreditState | None = next((s for s in CREDIT_STATES if s == filters.state), None)
        with Session(engine) as session:
            listed = credits.list_credits(
                session,
                visible(viewer.identity),
                org=filters.org or None,
                month=filters.month or None,
                state=state,
                limit=LIMIT + 1,
            )
    role = viewer.identity.role
    return page(
        request,
        "credits.html",
        422 if errors else status,
        viewer=viewer,
        title="Credits",
        filters=filters,
        errors=errors,
        credits=listed[:LIMIT],
        more=len(listed) > LIMIT,
        limit=LIMIT,
        states=CREDIT_STATES,
        # A partner's own organisation and the clients it acts for.
        orgs=sorted(visible(viewer.identity) or ()),
        staff=role != "partner",
        requests=role in ("partner", "engineer", "admin"),
        decides=role in ("manager", "admin"),
        reports=role in credit_report.READERS,
        **context,
    )


@router.get("/credits")
def credit_list(
    request: Request,
    viewer: ViewerDep,
    engine: EngineDep,
    month: str | None = None,
    org: str | None = None,
    state: str | None = None,
    done: str | None = None,
) -> Response:
    filters, errors = read_filters(viewer, month, org, state)
    notice = NOTICES.get(done or "")
    return credits_page(request, viewer, engine, filters, errors, notice=notice)


@router.post("/credits/{credit_id}/request")
async def request_credit(
    request: Request,
    credit_id: str,
    viewer: RequesterViewer,
    form: SignedInForm,
    engine: EngineDep,
    client: ClientDep,
) -> Response:
    seen, actor = visible(viewer.identity), actor_of(viewer.identity)

    def act(session: Session) -> credits.SlaCredit:
        return credits.request_credit(session, credit_id, seen, actor)

    return await _step(request, viewer, engine, client, credit_id, form, "requested", act)


@router.post("/credits/{credit_id}/approve")
async def approve_credit(
    request: Request,
    credit_id: str,
    viewer: DeciderViewer,
    form: SignedInForm,
    engine: EngineDep,
    client: ClientDep,
) -> Response:
    actor = actor_of(viewer.identity)

    def act(session: Session) -> credits.SlaCredit:
        return credits.approve_credit(session, credit_id, actor)

    return await _step(request, viewer, engine, client, credit_id, form, "approved", act)


@router.post("/credits/{credit_id}/decline")
async def decline_credit(
    request: Request,
    credit_id: str,
    viewer: DeciderViewer,
    form: SignedInForm,
    engine: EngineDep,
    client: ClientDep,
) -> Response:
    actor, reason = actor_of(viewer.identity), form.get("reason", "")
    if problem := _reason_problem(reason):
        back = _back(viewer, form)
        invalid = credits.CreditInvalid(problem, loc=["reason"])
        return await _again(request, viewer, engine, client, credit_id, back, invalid, reason)

    def act(session: Session) -> credits.SlaCredit:
        return credits.decline_credit(session, credit_id, actor, reason)

    return await _step(request, viewer, engine, client, credit_id, form, "declined", act, reason)


def _reason_problem(reason: str) -> str | None:
    """What the service does not check of a reason and the column cannot hold."""
    if len(reason.strip()) > MAX_REASON:
        return f"is at most {MAX_REASON} characters"
    if (char := refused_character(reason)) is not None:
        return refusal(char)
    return None


def _back(viewer: Viewer, form: Mapping[str, str]) -> Filters | None:
    """Where the form came from: the case page (None), or the list as it was filtered."""
    if form.get("back") == "case":
        return None
    filters, errors = read_filters(viewer, form.get("month"), form.get("org"), form.get("state"))
    return Filters(month=this_month(viewer)) if errors else filters


def _run(engine: Engine, act: Callable[[Session], credits.SlaCredit]) -> credits.SlaCredit:
    with Session(engine) as session:
        return act(session)


async def _step(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    client: Client,
    credit_id: str,
    form: Mapping[str, str],
    step: Step,
    act: Callable[[Session], credits.SlaCredit],
    reason: str = "",
) -> Response:
    """Take the step; 303 back with a notice, or the page again saying why not."""
    back = _back(viewer, form)
    try:
        done = await run_in_threadpool(_run, engine, act)
    except credits.CreditNotFound:
        return not_found_page(request, viewer)
    except credits.CreditError as error:
        return await _again(request, viewer, engine, client, credit_id, back, error, reason)
    if back is None:
        return see_other(f"/portal/cases/{quote(done.case_id, safe='')}?credit={step}#credits")
    anchor = quote(f"credit-{credit_id}", safe=":")
    return see_other(f"/portal/credits?{back.query(done=step)}#{anchor}")


async def _again(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    client: Client,
    credit_id: str,
    back: Filters | None,
    error: credits.CreditError,
    reason: str,
) -> Response:
    """The page the form was on, answering it: 409 with the reason a credit in its state
    cannot take the step, 422 with the field's message."""
    status = 422 if isinstance(error, credits.CreditInvalid) else 409
    if back is not None:
        return await run_in_threadpool(
            _list_again, request, viewer, engine, back, status, credit_id, error, reason
        )
    seen = visible(viewer.identity)

    def read(session: Session) -> credits.SlaCredit:
        return credits.read_credit(session, credit_id, seen)

    try:
        found = await run_in_threadpool(_run, engine, read)
    except credits.CreditNotFound:
        return not_found_page(request, viewer)
    return await case_page_again(
        request, viewer, client, engine, found.case_id, status, refusal=error.detail
    )


def _list_again(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    filters: Filters,
    status: int,
    credit_id: str,
    error: credits.CreditError,
    reason: str,
) -> Response:
    if isinstance(error, credits.CreditInvalid):
        context = {"failed": credit_id, "reason": reason, "reason_error": error.msg}
        return credits_page(request, viewer, engine, filters, {}, status, **context)
    return credits_page(request, viewer, engine, filters, {}, status, refusal=error.detail)
