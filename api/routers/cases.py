"""`/cases`: open a case (starts its workflow), read it live, list cases from the read model."""

import base64
import binascii
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import get_app_settings, get_client, get_session
from api.problems import Problem, field_problem
from escalator.settings import Settings
from models.case import Case, CaseInput, CaseIntake, CaseStatus, CaseSummary
from models.tables import CaseRow, PolicyVersionRow
from workflows.case import CaseWorkflow

router = APIRouter(prefix="/cases", tags=["cases"])

NOT_FOUND = {404: {"description": "No such case"}}


class CaseList(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


def new_case_id() -> str:
    return f"case-{uuid.uuid4().hex[:20]}"


def _latest_policy(session: Session, name: str) -> PolicyVersionRow | None:
    query = (
        select(PolicyVersionRow)
        .where(PolicyVersionRow.name == name)
        .order_by(col(PolicyVersionRow.version).desc())
    )
    return session.exec(query).first()


def _check_against_policy(intake: CaseIntake, policy: PolicyVersionRow | None) -> None:
    if policy is None:
        raise field_problem(["body", "policy"], f"no published policy named {intake.policy!r}")
    plans = policy.body.get("plans") or {}
    if isinstance(plans, dict) and intake.plan not in plans:
        known = ", ".join(sorted(plans)) or "none"
        raise field_problem(
            ["body", "plan"], f"policy {intake.policy!r} has no plan {intake.plan!r} ({known})"
        )
    severities = policy.body.get("severities") or {}
    if intake.severity is not None and isinstance(severities, dict | list):
        ids = (
            set(severities)
            if isinstance(severities, dict)
            else {s.get("id") for s in severities if isinstance(s, dict)}
        )
        if intake.severity not in ids:
            raise field_problem(
                ["body", "severity"],
                f"policy {intake.policy!r} has no severity {intake.severity!r}",
            )


@router.post("", status_code=201, response_model=Case)
async def open_case(
    intake: CaseIntake,
    session: Session = Depends(get_session),
    client: Client = Depends(get_client),
    settings: Settings = Depends(get_app_settings),
) -> Case:
    now = datetime.now(UTC)
    if intake.received_at is not None and intake.received_at > now + timedelta(seconds=5):
        raise field_problem(["body", "received_at"], "is in the future")
    policy = _latest_policy(session, intake.policy)
    _check_against_policy(intake, policy)
    assert policy is not None
    case_id = new_case_id()
    handle = await client.start_workflow(
        CaseWorkflow.run,
        CaseInput(
            case_id=case_id,
            intake=intake,
            received_at=intake.received_at or now,
            policy_version=policy.version,
            policy=policy.body,
        ),
        id=case_id,
        task_queue=settings.task_queue,
    )
    try:
        return await handle.execute_update(
            CaseWorkflow.intake_recorded, rpc_timeout=timedelta(seconds=10)
        )
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        # Accepted and durable; the ticket number follows as soon as a worker runs it.
        return await handle.query(CaseWorkflow.get_case)


@router.get("/{case_id}", response_model=Case, responses=NOT_FOUND)
async def get_case(case_id: str, client: Client = Depends(get_client)) -> Case:
    if not case_id.startswith("case-"):
        raise Problem(404, f"no case {case_id!r}")
    try:
        return await client.get_workflow_handle(case_id).query(CaseWorkflow.get_case)
    except RPCError as error:
        if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise Problem(404, f"no case {case_id!r}") from error
        raise


def _encode_cursor(row: CaseRow) -> str:
    raw = f"{row.received_at.astimezone(UTC).isoformat()}|{row.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, _, case_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), case_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise field_problem(["query", "cursor"], "is not a cursor this API returned") from error


@router.get("", response_model=CaseList)
def list_cases(
    session: Session = Depends(get_session),
    status: CaseStatus | None = None,
    severity: str | None = None,
    org: str | None = None,
    policy: str | None = None,
    tier: str | None = None,
    assignee: str | None = None,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
) -> CaseList:
    """Newest first, from the read model; pass `next_cursor` back to read on."""
    query = select(CaseRow)
    filters: dict[str, Any] = {
        "status": status,
        "severity": severity,
        "org": org,
        "policy": policy,
        "tier": tier,
        "assignee": assignee,
    }
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(CaseRow, name) == value)
    if cursor:
        at, case_id = _decode_cursor(cursor)
        received = col(CaseRow.received_at)
        query = query.where(or_(received < at, and_(received == at, col(CaseRow.id) < case_id)))
    query = query.order_by(col(CaseRow.received_at).desc(), col(CaseRow.id).desc())
    rows = list(session.exec(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [CaseSummary.model_validate(row, from_attributes=True) for row in rows]
    return CaseList(items=items, next_cursor=_encode_cursor(rows[-1]) if more and rows else None)
