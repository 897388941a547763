"""`GET /reports/sla`: monthly SLA attainment from the read model (models/audit/report.py)."""

from fastapi import APIRouter, Depends, Query
from sqlmodel import col, select

from api.auth import current_identity, require_roles
from api.deps import SessionDep
from api.problems import field_problem
from models.audit.report import SlaReport, attainment, month_bounds
from models.tables.audit import SlaOutcomeRow

router = APIRouter(
    prefix="/reports",
    tags=["reports"],
    dependencies=[Depends(current_identity)],
    responses={
        401: {"description": "No API key, or an unknown or revoked one"},
        403: {"description": "The key's role may not do this"},
    },
)

reads_reports = require_roles("manager", "auditor", action="reading SLA reports")


@router.get(
    "/sla",
    response_model=SlaReport,
    operation_id="get_sla_report",
    dependencies=[Depends(reads_reports)],
)
def sla_report(
    session: SessionDep,
    month: str = Query(..., description="YYYY-MM; cases received in that month (UTC)"),
    policy: str | None = Query(None, min_length=1, max_length=64),
) -> SlaReport:
    """Per policy, plan, tier, severity and target kind: cases, met, breached, attainment."""
    try:
        start, end = month_bounds(month)
    except ValueError as error:
        raise field_problem(["query", "month"], str(error)) from error
    query = select(SlaOutcomeRow).where(
        col(SlaOutcomeRow.received_at) >= start, col(SlaOutcomeRow.received_at) < end
    )
    if policy is not None:
        query = query.where(SlaOutcomeRow.policy == policy)
    return attainment(session.exec(query), month, policy)
