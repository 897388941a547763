"""Working a case: its steps (the case workflow's Updates) and field reports (Updates of the
case's child workflows).

With an idempotency key, a step runs under an Update id derived from the key
(models/case/step_requests.py): Temporal runs it once and a retry gets the first answer;
the workflow records the digest of what ran, so the same key with another body is
`KeyReused`. A step the case does not allow now is `StepRefused` with the validator's reason.
"""

import asyncio
from collections.abc import Awaitable, Callable

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle

from escalator.accounts.directory import assignable_refusal
from escalator.cases.calls import STEP_NOT_SENT, STEP_NOT_YET, CaseGone, bounded
from escalator.cases.errors import CaseFinished, CaseNotFound, InvalidField, KeyReused
from escalator.cases.reading import Visible, ensure_visible, read_case, visible_case
from models.case.resource import Case, CaseResult
from models.case.step_requests import step_digest, step_update_id
from models.case.steps import Assign, ShipPart, StepBody
from models.field.records import Dispatch, RmaReturn, Shipment
from models.tables.inventory import PartRow
from workflows.case import CaseWorkflow

CaseHandle = WorkflowHandle[CaseWorkflow, CaseResult]


def check_against_stores(engine: Engine, body: StepBody) -> None:
    """What the workflow cannot look up (it does no I/O): a part the catalogue does not list,
    or an assignee the directory does not know as an engineer, is a wrong request
    (`InvalidField` naming the field), not a step that fails later."""
    with Session(engine) as session:
        if isinstance(body, ShipPart) and session.get(PartRow, body.sku) is None:
            raise InvalidField(f"{body.sku!r} is not in the parts catalogue", loc=["body", "sku"])
        if isinstance(body, Assign) and (refusal := assignable_refusal(session, body.engineer)):
            raise InvalidField(refusal, loc=["body", "engineer"])


def _key_reused(case_id: str, step: str) -> KeyReused:
    return KeyReused(
        f"Idempotency-Key: already used on case {case_id} for a different request "
        f"than this {step}; send a new key for a new step"
    )


def _finished(case_id: str) -> CaseFinished:
    return CaseFinished(f"case {case_id} is finished and takes no more steps")


async def _run(handle: CaseHandle, step: str, body: StepBody, update_id: str | None) -> Case:
    try:
        case: Case = await bounded(
            handle.execute_update(step, body, id=update_id, result_type=Case),
            case_id=handle.id,
            what=f"the {step} step",
            late=STEP_NOT_YET,
        )
        return case
    except CaseGone as error:
        raise _finished(handle.id) from error


async def _first_answer(handle: CaseHandle, update_id: str) -> Case:
    """The outcome of a keyed step that already ran: Temporal keeps it for the run that ran it;
    once the case has continued as new, its current state is the answer."""
    try:
        case: Case = await bounded(
            handle.get_update_handle(update_id, result_type=Case).result(),
            case_id=handle.id,
            what="the first answer of this step",
            late=STEP_NOT_YET,
        )
        return case
    except CaseGone:
        current: Case = await bounded(
            handle.query(CaseWorkflow.get_case), case_id=handle.id, what="a read"
        )
        return current


async def _step_request(handle: CaseHandle, update_id: str) -> str | None:
    """What the keyed step `update_id` ran as (its digest), or None if nothing did yet."""
    try:
        recorded: str | None = await bounded(
            handle.query(CaseWorkflow.step_request, update_id),
            case_id=handle.id,
            what="whether this Idempotency-Key ran",
            late=STEP_NOT_SENT,
        )
    except CaseGone as error:
        raise _finished(handle.id) from error
    return recorded


async def take_step(
    client: Client,
    engine: Engine,
    case_id: str,
    step: str,
    body: StepBody,
    *,
    key: str | None,
    visible: Visible,
    scope: str,
) -> Case:
    """Run `step` on a case the caller may see (else `CaseNotFound`); the Case after it.
    `scope` names whose keys they are (a partner's organisation, or "staff"): a partner's
    keys never collide with staff's or another partner's."""
    await ensure_visible(client, engine, case_id, visible)

    async def check() -> None:
        await asyncio.to_thread(check_against_stores, engine, body)

    # Only steps that name a part or a person have something to look up.
    checked = check if isinstance(body, ShipPart | Assign) else None
    return await apply_step(client, case_id, step, body, scope, key, checked)


async def apply_step(
    client: Client,
    case_id: str,
    step: str,
    body: StepBody,
    scope: str,
    key: str | None,
    check: Callable[[], Awaitable[None]] | None = None,
) -> Case:
    """Run `step` on the case (no visibility check: callers do theirs); `StepRefused` when the
    case refuses it, `KeyReused` when the key (within `scope`) ran another request. `check`
    runs only before the step's first run: a keyed retry gets its first answer, whatever has
    changed since. E-mail and alert intake take their steps here."""
    handle: CaseHandle = client.get_workflow_handle(case_id)
    if key is None:
        if check is not None:
            await check()
        return await _run(handle, step, body, None)
    update_id = step_update_id(scope, key)
    digest = step_digest(step, body)
    recorded = await _step_request(handle, update_id)
    if recorded is not None:
        if recorded != digest:
            raise _key_reused(case_id, step)
        return await _first_answer(handle, update_id)
    if check is not None:
        await check()
    case = await _run(handle, step, body, update_id)
    # A concurrent request with this key and another body may have won: Temporal ran only one.
    if await _step_request(handle, update_id) != digest:
        raise _key_reused(case_id, step)
    return case


async def report_field(
    client: Client,
    case_id: str,
    records: str,
    record_id: str,
    update: str,
    body: BaseModel,
    *,
    visible: Visible,
) -> Case:
    """Report on a field record (`records`: dispatches, shipments or rmas) of a visible case:
    the Update `update` of the record's child workflow. The answer is the case with the record
    as the child now holds it (the case may not have taken the child's report in yet)."""
    case = await visible_case(client, case_id, visible)
    found: list[Dispatch | Shipment | RmaReturn] = [
        r for r in getattr(case.field_service, records) if r.id == record_id
    ]
    if not found:
        raise CaseNotFound(f"case {case_id} has no {records[:-1]} {record_id!r}")
    child = client.get_workflow_handle(found[0].workflow_id)
    try:
        record = await bounded(
            child.execute_update(update, body, result_type=type(found[0])),
            case_id=case_id,
            what=f"{update} on {records[:-1]} {record_id}",
            late="the report is not yet recorded and may still be; read the case before "
            "sending it again",
        )
    except CaseGone as error:
        raise CaseFinished(f"{records[:-1]} {record_id} is finished") from error
    current = await read_case(client, case_id)
    section = current.field_service
    merged = [record if r.id == record_id else r for r in getattr(section, records)]
    return current.model_copy(
        update={"field_service": section.model_copy(update={records: merged})}
    )
