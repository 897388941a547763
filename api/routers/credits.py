"""`/credits` and `/reports/credits`: the SLA credits cases earned, their lifecycle and the
monthly report per client (docs/registry.md, "Credits").

Partners see their own organisation's credits only (another's is 404, like a missing one)
and request them; engineers read all and request on a client's behalf; managers and admins
approve and decline; auditors read everything and change nothing.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth import (
    DecidesCredits,
    IdentityDep,
    RequestsCredits,
    actor_of,
    current_identity,
    visible,
)
from api.deps import SessionDep
from escalator import credits
from escalator.registry.inputs import OrgId
from models.case.credit_states import CreditState
from models.input_text import MultiLine

router = APIRouter(
    tags=["credits"],
    dependencies=[Depends(current_identity)],
    responses={401: {"description": "No API key, or an unknown or revoked one"}},
)

NO_CREDIT: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such credit, or one of an organisation the caller may not see"}
}
CSV = "text/csv"
Month = Annotated[
    str,
    Query(
        pattern=credits.MONTH_PATTERN,
        description="YYYY-MM: credits of cases received in that month, in the client's zone",
    ),
]


class CreditDecline(BaseModel):
    """Why a requested credit is declined (the client reads it)."""

    model_config = ConfigDict(extra="forbid")

    reason: MultiLine = Field(min_length=1, max_length=1000)


def _visible(identity: IdentityDep) -> credits.Visible:
    return visible(identity)


Visible = Annotated[credits.Visible, Depends(_visible)]


@router.get("/credits", response_model=list[credits.SlaCredit], operation_id="list_credits")
def list_credits(
    session: SessionDep,
    visible: Visible,
    org: OrgId | None = Query(None, description="One organisation's credits"),
    month: Annotated[str | None, Query(pattern=credits.MONTH_PATTERN)] = None,
    state: CreditState | None = Query(None, description="Credits in this state only"),
    limit: int = Query(500, ge=1, le=5000, description="At most this many credits"),
) -> list[credits.SlaCredit]:
    """The credits the caller sees, newest month first, then in the order they were earned."""
    return credits.list_credits(session, visible, org=org, month=month, state=state, limit=limit)


@router.get(
    "/credits/{credit_id}",
    response_model=credits.SlaCredit,
    operation_id="get_credit",
    responses=NO_CREDIT,
)
def get_credit(credit_id: str, session: SessionDep, visible: Visible) -> credits.SlaCredit:
    return credits.read_credit(session, credit_id, visible)


def _refusals(state: str, who: str) -> dict[int | str, dict[str, Any]]:
    return {
        **NO_CREDIT,
        403: {"description": f"{who} (auditors change nothing)"},
        409: {"description": f"The credit is not {state}: the detail says its state"},
    }


@router.post(
    "/credits/{credit_id}/request",
    response_model=credits.SlaCredit,
    operation_id="request_credit",
    responses=_refusals("eligible", "Partners of its organisation and engineers request"),
)
def request_credit(
    credit_id: str, identity: RequestsCredits, session: SessionDep, visible: Visible
) -> credits.SlaCredit:
    """The client asks for an eligible credit in writing: recorded with who and when."""
    return credits.request_credit(session, credit_id, visible, actor_of(identity))


@router.post(
    "/credits/{credit_id}/approve",
    response_model=credits.SlaCredit,
    operation_id="approve_credit",
    responses=_refusals("requested", "Managers and admins decide"),
)
def approve_credit(
    credit_id: str, identity: DecidesCredits, session: SessionDep
) -> credits.SlaCredit:
    """Grant a requested credit: it is owed."""
    return credits.approve_credit(session, credit_id, actor_of(identity))


@router.post(
    "/credits/{credit_id}/decline",
    response_model=credits.SlaCredit,
    operation_id="decline_credit",
    responses=_refusals("requested", "Managers and admins decide"),
)
def decline_credit(
    credit_id: str, body: CreditDecline, identity: DecidesCredits, session: SessionDep
) -> credits.SlaCredit:
    """Refuse a requested credit, saying why."""
    return credits.decline_credit(session, credit_id, actor_of(identity), body.reason)


@router.get(
    "/reports/credits", response_model=credits.CreditsReport, operation_id="get_credits_report"
)
def get_credits_report(
    session: SessionDep, visible: Visible, month: Month
) -> credits.CreditsReport:
    """Per organisation and currency: the month's credits with their amounts and
    computations, and totals by state (`owed`: approved and granted)."""
    return credits.credits_report(session, month, visible)


@router.get(
    "/reports/credits.csv",
    operation_id="export_credits_report_csv",
    response_class=Response,
    responses={
        200: {
            "description": "The report as CSV: a `credit` line per credit, a `total` line per "
            "state and `owed`, per organisation and currency",
            "content": {CSV: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def export_credits_report_csv(session: SessionDep, visible: Visible, month: Month) -> Response:
    text = credits.report_csv(credits.credits_report(session, month, visible))
    return Response(
        text,
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="credits-{month}.csv"'},
    )
