"""`/cases`: open a case (starts its workflow), read it live, list cases from the read model.

Every route needs an API key (`api.auth`); partners see their own organisation's
cases only, and another organisation's case is 404 exactly like an unknown one.
"""

import base64
import binascii
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel
from sqlalchemy import Engine, and_, or_
from sqlmodel import Session, col, select
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.attachments import with_attachments
from api.auth import Identity, can_see, current_identity, opens_cases, visible_org
from api.deps import get_app_settings, get_client, get_engine, get_session
from api.problems import Problem, field_problem
from api.workflow_calls import CaseGone, bounded, unanswered_query
from escalator import policy_store
from escalator.logs import bind
from escalator.settings import Settings
from models.case.resource import Case, CaseInput, CaseIntake, CaseResult, CaseStatus, CaseSummary
from models.input_text import refused_character
from models.policy.intake import Intake
from models.tables.core import CaseRow, PolicyVersionRow
from workflows.case import CaseWorkflow

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
# The memo entry holding the SHA-256 of an idempotent request's body.
INTAKE_MEMO = "intake_sha256"
# One update id for every request of an idempotency key: Temporal runs it once.
INTAKE_UPDATE_ID = "intake-recorded"


class CaseList(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


def new_case_id() -> str:
    return f"case-{uuid.uuid4().hex[:20]}"


def idempotent_case_id(org: str, key: str) -> str:
    """The case id of an `Idempotency-Key`, scoped to the organisation so keys never collide."""
    digest = hashlib.sha256(f"{org}\n{key}".encode()).hexdigest()
    return f"case-{digest[:20]}"


def intake_sha256(intake: CaseIntake) -> str:
    """A digest of the request body as parsed, so key order and spacing do not matter."""
    canonical = json.dumps(intake.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_against_policy(intake: CaseIntake, policy: PolicyVersionRow | None) -> None:
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


async def case_once_recorded(
    client: Client, handle: WorkflowHandle[CaseWorkflow, CaseResult], update_id: str | None
) -> Case:
    """The case once it has its ticket number and its row (so a listing right after finds it),
    within the bound on workflow calls; else 503: the case is accepted and will open, and a
    retry with the same Idempotency-Key answers it (never a case without its ticket number)."""
    late = (
        f"the case is accepted and will open; retry with the same Idempotency-Key, or read "
        f"GET /cases/{handle.id}, to get it"
    )
    try:
        return await bounded(
            # temporalio's overloads take an async Update's coroutine for its result type.
            handle.execute_update(CaseWorkflow.intake_recorded, id=update_id),  # type: ignore[arg-type]
            case_id=handle.id,
            what="its intake",
            late=late,
            extra={"case_id": handle.id},
        )
    except CaseGone:
        # A retry after the case's workflow ended: updates are over, its last state is not.
        return await read_case(client, handle.id)


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
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retries with the same key and body answer the same case (200).",
    ),
    identity: Identity = Depends(opens_cases),
    engine: Engine = Depends(get_engine),
    client: Client = Depends(get_client),
    settings: Settings = Depends(get_app_settings),
) -> Case:
    if not can_see(identity, intake.org):
        # 403, not 404: the partner named the organisation itself, nothing leaks.
        raise field_problem(
            ["body", "org"],
            f"a partner key of {identity.org!r} opens cases for {identity.org!r} only",
            403,
        )
    now = datetime.now(UTC)
    # A session of its own, closed before the workflow calls: a request waiting on Temporal
    # must not hold a pooled connection (20 concurrent retries would exhaust the pool).
    with Session(engine) as session:
        policy = policy_store.latest(session, intake.policy)
    check_against_policy(intake, policy)
    assert policy is not None
    if intake.received_at is not None:
        rules = Intake.model_validate(policy.body.get("intake"))
        if reason := rules.refuse_received_at(intake.received_at, now):
            raise field_problem(["body", "received_at"], reason)
    keyed = idempotency_key is not None
    case_id = (
        new_case_id()
        if idempotency_key is None
        else idempotent_case_id(intake.org, idempotency_key)
    )
    bind(case_id=case_id)
    digest = intake_sha256(intake)
    handle, started = await start_case(client, settings, intake, policy, case_id, now, digest)
    if not started:
        if not keyed:
            raise RuntimeError(f"a fresh case id {case_id} was already taken")
        description = await handle.describe()
        if await description.memo_value(INTAKE_MEMO, default=None) != digest:
            raise Problem(
                409,
                "Idempotency-Key: already used for a different request body "
                f"(case {case_id}); send a new key for a new case",
            )
        response.status_code = 200
    return await case_once_recorded(client, handle, INTAKE_UPDATE_ID if keyed else None)


async def start_case(
    client: Client,
    settings: Settings,
    intake: CaseIntake,
    policy: PolicyVersionRow,
    case_id: str,
    now: datetime,
    digest: str,
) -> tuple[WorkflowHandle[CaseWorkflow, CaseResult], bool]:
    """Start the case's workflow; (its handle, True), or (the handle, False) when a workflow
    with this id exists: the workflow id is the idempotency record, and Temporal lets exactly
    one start win. E-mail and alert intake open their cases here too."""
    try:
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
            # A key stays bound to its case even after the case is closed.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            memo={INTAKE_MEMO: digest},
        )
    except WorkflowAlreadyStartedError:
        return client.get_workflow_handle(case_id), False
    return handle, True


async def read_case(client: Client, case_id: str) -> Case:
    """The live case by Query, within the bound; 404 when Temporal has no such workflow, 503
    when no worker answers or the case's workflow cannot run on this code."""
    handle = client.get_workflow_handle(case_id)
    try:
        case: Case = await bounded(
            handle.query(CaseWorkflow.get_case), case_id=case_id, what="a read"
        )
    except CaseGone as error:
        raise Problem(404, f"no case {case_id!r}") from error
    except WorkflowQueryFailedError as error:
        stuck = await unanswered_query(client, case_id, error)
        assert stuck is not None
        raise stuck from error
    except Problem as late:
        # A worker that cannot replay the case may never answer: say so when that is why.
        if late.status == 503 and (stuck := await unanswered_query(client, case_id)):
            raise stuck from late
        raise
    return case


async def visible_case(case_id: str, identity: Identity, client: Client) -> Case:
    """The live case, or 404 when it does not exist or belongs to an organisation the caller
    may not see; step handlers call it before their update so partners act on their own only."""
    if not case_id.startswith("case-"):
        raise Problem(404, f"no case {case_id!r}")
    case = await read_case(client, case_id)
    if not can_see(identity, case.org):
        raise Problem(404, f"no case {case_id!r}")
    return case


@router.get("/{case_id}", response_model=Case, operation_id="get_case", responses=NOT_FOUND)
async def get_case(
    case_id: str,
    identity: Identity = Depends(current_identity),
    client: Client = Depends(get_client),
    engine: Engine = Depends(get_engine),
) -> Case:
    return await with_attachments(engine, await visible_case(case_id, identity, client))


def _encode_cursor(row: CaseRow) -> str:
    raw = f"{row.received_at.astimezone(UTC).isoformat()}|{row.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The instant and case id `_encode_cursor` wrote; a cursor it cannot have written (a
    naive instant, which compares with no stored one, or an id no case has) is a 422."""
    wrong = field_problem(["query", "cursor"], "is not a cursor this API returned")
    try:
        at, _, case_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        instant = datetime.fromisoformat(at)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise wrong from error
    if instant.tzinfo is None or not case_id or refused_character(case_id, frozenset()):
        raise wrong
    return instant, case_id


@router.get("", response_model=CaseList, operation_id="list_cases")
def list_cases(
    identity: Identity = Depends(current_identity),
    session: Session = Depends(get_session),
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

    A partner's listing is always limited to its organisation, whatever `org` says.
    """
    query = select(CaseRow)
    only_org = visible_org(identity)
    if only_org is not None:
        query = query.where(CaseRow.org == only_org)
    if q is not None:
        # LIKE wildcards typed by the caller match themselves.
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                col(CaseRow.ticket_number).ilike(pattern, escape="\\"),
                col(CaseRow.subject).ilike(pattern, escape="\\"),
            )
        )
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
        at, case_id = _decode_cursor(cursor)
        received = col(CaseRow.received_at)
        query = query.where(or_(received < at, and_(received == at, col(CaseRow.id) < case_id)))
    query = query.order_by(col(CaseRow.received_at).desc(), col(CaseRow.id).desc())
    rows = list(session.exec(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [CaseSummary.model_validate(row, from_attributes=True) for row in rows]
    return CaseList(items=items, next_cursor=_encode_cursor(rows[-1]) if more and rows else None)
