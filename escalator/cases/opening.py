"""Opening a case: check the intake against its policy, start the case's workflow once, and
answer the case once it has its ticket number.

The workflow id is the idempotency record: `POST /cases` with an `Idempotency-Key` derives
it from the key, e-mail from the Message-ID, alerts from the alert's episode, and Temporal
lets exactly one start win.
"""

import asyncio
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from escalator import policy_store
from escalator.cases.calls import CaseGone, bounded
from escalator.cases.errors import InvalidField, KeyReused, NotPermitted
from escalator.cases.reading import Visible, read_case
from escalator.infra.logs import bind
from escalator.infra.settings import Settings
from models.case.resource import Case, CaseInput, CaseIntake, CaseResult
from models.tables.core import PolicyVersionRow
from workflows.case import CaseWorkflow

# The memo entry holding the SHA-256 of an idempotent request's body.
INTAKE_MEMO = "intake_sha256"
# One update id for every request of an idempotency key: Temporal runs it once.
INTAKE_UPDATE_ID = "intake-recorded"

CaseHandle = WorkflowHandle[CaseWorkflow, CaseResult]


@dataclass(frozen=True)
class Opened:
    case: Case
    # False: the key (or message, or alert) had already opened this case.
    created: bool


def new_case_id() -> str:
    return f"case-{uuid.uuid4().hex[:20]}"


def idempotent_case_id(org: str, key: str) -> str:
    """The case id of an idempotency key, scoped to the organisation so keys never collide."""
    digest = hashlib.sha256(f"{org}\n{key}".encode()).hexdigest()
    return f"case-{digest[:20]}"


def intake_sha256(intake: CaseIntake) -> str:
    """A digest of the request body as parsed, so key order and spacing do not matter."""
    canonical = json.dumps(intake.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_against_policy(intake: CaseIntake, row: PolicyVersionRow | None) -> PolicyVersionRow:
    """The policy version the case will pin; `InvalidField` naming what it does not offer."""
    if row is None:
        raise InvalidField(f"no published policy named {intake.policy!r}", loc=["body", "policy"])
    policy = policy_store.cached_policy(row)
    if intake.plan not in policy.plans:
        known = ", ".join(sorted(policy.plans))
        raise InvalidField(
            f"policy {intake.policy!r} has no plan {intake.plan!r} ({known})", loc=["body", "plan"]
        )
    if intake.severity is not None and intake.severity not in {s.id for s in policy.severities}:
        raise InvalidField(
            f"policy {intake.policy!r} has no severity {intake.severity!r}",
            loc=["body", "severity"],
        )
    return row


def _latest(engine: Engine, name: str) -> PolicyVersionRow | None:
    # A session of its own, closed before the workflow calls: a request waiting on Temporal
    # must not hold a pooled connection (20 concurrent retries would exhaust the pool).
    with Session(engine) as session:
        return policy_store.latest_cached(session, name)


async def open_case(
    client: Client,
    engine: Engine,
    settings: Settings,
    intake: CaseIntake,
    *,
    key: str | None,
    visible: Visible,
) -> Opened:
    """Open a case from an engineer's or a partner's request. `visible`: what a partner may
    open cases for (its organisation and the clients it acts for). With `key`, a retry with
    the same body answers the case the key opened (`created` False); another body is
    `KeyReused`."""
    if visible is not None and intake.org not in visible:
        allowed = ", ".join(repr(org) for org in sorted(visible))
        raise NotPermitted(f"this partner opens cases for {allowed} only", loc=["body", "org"])
    now = datetime.now(UTC)
    row = check_against_policy(intake, await asyncio.to_thread(_latest, engine, intake.policy))
    if intake.received_at is not None:
        rules = policy_store.cached_policy(row).intake
        if reason := rules.refuse_received_at(intake.received_at, now):
            raise InvalidField(reason, loc=["body", "received_at"])
    case_id = new_case_id() if key is None else idempotent_case_id(intake.org, key)
    bind(case_id=case_id)
    digest = intake_sha256(intake)
    handle, created = await start_case(client, settings, intake, row, case_id, digest, now)
    if not created:
        if key is None:
            raise RuntimeError(f"a fresh case id {case_id} was already taken")
        description = await handle.describe()
        if await description.memo_value(INTAKE_MEMO, default=None) != digest:
            raise KeyReused(
                "Idempotency-Key: already used for a different request body "
                f"(case {case_id}); send a new key for a new case"
            )
    case = await case_once_recorded(client, handle, INTAKE_UPDATE_ID if key else None)
    return Opened(case, created)


async def start_case(
    client: Client,
    settings: Settings,
    intake: CaseIntake,
    policy: PolicyVersionRow,
    case_id: str,
    digest: str,
    now: datetime | None = None,
    memo: dict[str, str] | None = None,
) -> tuple[CaseHandle, bool]:
    """Start the case's workflow; (its handle, True), or (the handle, False) when a workflow
    with this id exists. E-mail and alert intake open their cases here too; `memo`: what
    else the workflow's memo records of its start (alert intake: the receipt item)."""
    try:
        handle = await client.start_workflow(
            CaseWorkflow.run,
            CaseInput(
                case_id=case_id,
                intake=intake,
                received_at=intake.received_at or now or datetime.now(UTC),
                policy_version=policy.version,
                policy=policy.body,
            ),
            id=case_id,
            task_queue=settings.task_queue,
            # A key stays bound to its case even after the case is closed.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            memo={**(memo or {}), INTAKE_MEMO: digest},
        )
    except WorkflowAlreadyStartedError:
        return client.get_workflow_handle(case_id), False
    return handle, True


async def case_once_recorded(client: Client, handle: CaseHandle, update_id: str | None) -> Case:
    """The case once it has its ticket number and its row (so a listing right after finds it),
    within the bound on workflow calls; else `CaseBusy`: the case is accepted and will open,
    and a retry with the same key answers it (never a case without its ticket number)."""
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
            accepted=True,
        )
    except CaseGone:
        # A retry after the case's workflow ended: updates are over, its last state is not.
        return await read_case(client, handle.id)
