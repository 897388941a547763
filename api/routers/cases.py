"""`/cases`: open a case (starts its workflow), read it live, list cases from the read model.

Every route needs an API key (`api.auth`); partners see their own organisation's
cases only, and another organisation's case is 404 exactly like an unknown one.
"""

from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlmodel import col, select

from api.attachments import with_attachments
from api.auth import IdentityDep, OpensCases, current_identity, visible
from api.deps import ClientDep, EngineDep, IdempotencyKey, SessionDep, SettingsDep
from api.problems import field_problem
from escalator import cases
from escalator.infra.text_search import contains
from models.case.cursors import BadCursor, decode_cursor, encode_cursor
from models.case.resource import Case, CaseIntake, CaseStatus, CaseSummary
from models.tables.core import CaseRow

# Router-wide, so a route added here later cannot forget authentication.
router = APIRouter(
    prefix="/cases",
    tags=["cases"],
    dependencies=[Depends(current_identity)],
    responses={401: {"description": "No API key, or an unknown or revoked one"}},
)

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such case, or one of another organisation"}
}


class CaseList(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


@router.post(
    "",
    status_code=201,
    response_model=Case,
    operation_id="open_case",
    responses={
        200: {
            "model": Case,
            "description": "A retry: the case this `Idempotency-Key` already opened",
        },
        403: {"description": "Not a partner's or engineer's key, or another organisation's"},
        409: {"description": "This `Idempotency-Key` already opened a case with another body"},
    },
)
async def open_case(
    intake: CaseIntake,
    response: Response,
    identity: OpensCases,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Case:
    opened = await cases.open_case(
        client, engine, settings, intake, key=idempotency_key, visible=visible(identity)
    )
    if not opened.created:
        response.status_code = 200
    return opened.case


@router.get("/{case_id}", response_model=Case, operation_id="get_case", responses=NOT_FOUND)
async def get_case(
    case_id: str, identity: IdentityDep, client: ClientDep, engine: EngineDep
) -> Case:
    case = await cases.visible_case(client, case_id, visible(identity))
    return await with_attachments(engine, case)


@router.get("", response_model=CaseList, operation_id="list_cases")
def list_cases(
    identity: IdentityDep,
    session: SessionDep,
    status: CaseStatus | None = None,
    severity: str | None = None,
    org: str | None = None,
    policy: str | None = None,
    tier: str | None = None,
    assignee: str | None = None,
    breached: bool | None = Query(
        None, description="true: cases with a breached SLA target; false: cases with none"
    ),
    q: str | None = Query(
        None,
        min_length=1,
        max_length=200,
        description="text in the ticket number or subject, any case",
    ),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
) -> CaseList:
    """Newest first, from the read model; pass `next_cursor` back to read on.

    A partner's listing is always limited to its organisation and the clients it acts for,
    whatever `org` says.
    """
    query = select(CaseRow)
    orgs = visible(identity)
    if orgs is not None:
        query = query.where(col(CaseRow.org).in_(sorted(orgs)))
    if q is not None:
        query = query.where(contains(q, CaseRow.ticket_number, CaseRow.subject))
    filters: dict[str, Any] = {
        "status": status,
        "severity": severity,
        "org": org,
        "policy": policy,
        "tier": tier,
        "assignee": assignee,
        "breached": breached,
    }
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(CaseRow, name) == value)
    if cursor:
        try:
            at, case_id = decode_cursor(cursor)
        except BadCursor as error:
            raise field_problem(["query", "cursor"], "is not a cursor this API returned") from error
        received = col(CaseRow.received_at)
        query = query.where(or_(received < at, and_(received == at, col(CaseRow.id) < case_id)))
    query = query.order_by(col(CaseRow.received_at).desc(), col(CaseRow.id).desc())
    rows = list(session.exec(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [CaseSummary.model_validate(row, from_attributes=True) for row in rows]
    return CaseList(
        items=items,
        next_cursor=encode_cursor(rows[-1].received_at, rows[-1].id) if more and rows else None,
    )
