"""`POST /cases/{case_id}/{step}`: one route per step of `models.case.steps.STEP_BODIES`.

Each step is the case workflow's Update of the same name. The request body is
the step's body without `actor`, which is always the caller's identity. A step
the case does not allow now is rejected by the Update's validator: 409 with
the validator's reason. With `Idempotency-Key`, the Update runs under an id
derived from the key (models/case/step_requests.py): Temporal runs it once and a
retry gets the first answer; the workflow records the digest of what ran, so
the same key with another body is a 409.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Body, Depends, Header
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle

from api.attachments import with_attachments
from api.auth import (
    Identity,
    actor_of,
    can_see,
    changes_cases,
    current_identity,
    visible_org,
    works_cases,
)
from api.deps import get_client, get_engine
from api.problems import Problem, field_problem
from api.routers.cases import visible_case
from api.workflow_calls import STEP_NOT_SENT, STEP_NOT_YET, CaseGone, bounded
from models.case.resource import Case, CaseResult
from models.case.step_requests import step_digest, step_update_id
from models.case.steps import STEP_BODIES, ShipPart, StepBody
from models.tables.core import CaseRow
from models.tables.inventory import PartRow
from workflows.case import CaseWorkflow

log = logging.getLogger("escalator.api.steps")

# Steps a partner's help desk takes on its own cases; every other step is an engineer's.
PARTNER_STEPS = frozenset({"customer-reply", "add-note"})

router = APIRouter(
    prefix="/cases",
    tags=["steps"],
    dependencies=[Depends(current_identity)],
    responses={
        401: {"description": "No API key, or an unknown or revoked one"},
        403: {"description": "The key's role may not take this step"},
        404: {"description": "No such case, or one of another organisation"},
        409: {
            "description": "The case does not allow this step now (the detail says why), "
            "or the `Idempotency-Key` was used for another request"
        },
        503: {
            "description": "Temporal or the database is unavailable, or the case did not answer "
            "within the bound (10 s): the step is not yet applied and may still apply; retry "
            "only with the same `Idempotency-Key`, after `Retry-After` seconds"
        },
    },
)


def request_model(step: str, body: type[StepBody]) -> type[BaseModel]:
    """The step's body as clients send it: every field but `actor`."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in body.model_fields.items() if name != "actor"
    }
    model: type[BaseModel] = create_model(
        f"{body.__name__}Request",
        __config__=ConfigDict(extra="forbid", title=f"{body.__name__}Request"),
        __doc__=f"Body of the `{step}` step.",
        **fields,
    )
    return model


def check_against_catalogue(engine: Engine, body: StepBody) -> None:
    """What the workflow cannot look up (it does no I/O): a part the catalogue does not list is
    a wrong request (422 naming `sku`), not a shipment that fails later."""
    if not isinstance(body, ShipPart):
        return
    with Session(engine) as session:
        if session.get(PartRow, body.sku) is None:
            raise field_problem(["body", "sku"], f"{body.sku!r} is not in the parts catalogue")


def _key_reused(case_id: str, step: str) -> Problem:
    return Problem(
        409,
        f"Idempotency-Key: already used on case {case_id} for a different request "
        f"than this {step}; send a new key for a new step",
    )


async def _run(
    handle: WorkflowHandle[CaseWorkflow, CaseResult],
    step: str,
    body: StepBody,
    update_id: str | None,
) -> Case:
    try:
        case: Case = await bounded(
            handle.execute_update(step, body, id=update_id, result_type=Case),
            case_id=handle.id,
            what=f"the {step} step",
            late=STEP_NOT_YET,
        )
        return case
    except CaseGone as error:
        # The case's workflow has ended: its last state stands, no step applies any more.
        raise Problem(409, f"case {handle.id} is finished and takes no more steps") from error


async def _first_answer(handle: WorkflowHandle[CaseWorkflow, CaseResult], update_id: str) -> Case:
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


async def _step_request(
    handle: WorkflowHandle[CaseWorkflow, CaseResult], update_id: str
) -> str | None:
    """What the keyed step `update_id` ran as (its digest), or None if nothing did yet."""
    try:
        recorded: str | None = await bounded(
            handle.query(CaseWorkflow.step_request, update_id),
            case_id=handle.id,
            what="whether this Idempotency-Key ran",
            late=STEP_NOT_SENT,
        )
    except CaseGone as error:
        raise Problem(409, f"case {handle.id} is finished and takes no more steps") from error
    return recorded


def _org_in_read_model(engine: Engine, case_id: str) -> str | None:
    with Session(engine) as session:
        row = session.get(CaseRow, case_id)
        return row.org if row is not None else None


async def step_visible(client: Client, engine: Engine, identity: Identity, case_id: str) -> None:
    """404 unless the caller may see the case. Its organisation never changes, so the read
    model answers (no Query, which waits on a worker); a case not yet projected asks its
    workflow."""
    org = await asyncio.to_thread(_org_in_read_model, engine, case_id)
    if org is None:
        await visible_case(case_id, identity, client)
    elif not can_see(identity, org):
        raise Problem(404, f"no case {case_id!r}")


async def take_step(
    client: Client,
    engine: Engine,
    identity: Identity,
    case_id: str,
    step: str,
    body: StepBody,
    idempotency_key: str | None,
) -> Case:
    """Run `step` on a case the caller may see (else 404); the Case after it."""
    await step_visible(client, engine, identity, case_id)
    scope = visible_org(identity) or "staff"

    async def check() -> None:
        await asyncio.to_thread(check_against_catalogue, engine, body)

    # Only steps that name a part have something to look up.
    checked = check if isinstance(body, ShipPart) else None
    return await apply_step(client, case_id, step, body, scope, idempotency_key, checked)


async def apply_step(
    client: Client,
    case_id: str,
    step: str,
    body: StepBody,
    scope: str,
    idempotency_key: str | None,
    check: Callable[[], Awaitable[None]] | None = None,
) -> Case:
    """Run `step` on the case (no visibility check: callers do theirs); `Problem` 409 when the
    case refuses it or the key was used for another request. `check` runs only before the
    step's first run: a keyed retry gets its first answer, whatever has changed since."""
    handle: WorkflowHandle[CaseWorkflow, CaseResult] = client.get_workflow_handle(case_id)
    if idempotency_key is None:
        if check is not None:
            await check()
        return await _run(handle, step, body, None)
    update_id = step_update_id(scope, idempotency_key)
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


def _add_route(step: str, body_type: type[StepBody]) -> None:
    request_type = request_model(step, body_type)
    optional = not any(info.is_required() for info in request_type.model_fields.values())
    role = changes_cases if step in PARTNER_STEPS else works_cases

    async def endpoint(
        case_id: str,
        request: request_type = Body(None if optional else ...),  # type: ignore[valid-type]
        idempotency_key: str | None = Header(
            None,
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="A retry with the same key and body gets the first answer.",
        ),
        identity: Identity = Depends(role),
        client: Client = Depends(get_client),
        engine: Engine = Depends(get_engine),
    ) -> Case:
        sent: dict[str, Any] = request.model_dump() if request is not None else {}
        body = body_type.model_validate({**sent, "actor": actor_of(identity)})
        case = await take_step(client, engine, identity, case_id, step, body, idempotency_key)
        return await with_attachments(engine, case)

    endpoint.__name__ = f"step_{step.replace('-', '_')}"
    who = "a partner (own cases) or an engineer" if step in PARTNER_STEPS else "an engineer"
    router.add_api_route(
        f"/{{case_id}}/{step}",
        endpoint,
        methods=["POST"],
        response_model=Case,
        summary=f"Step: {step}",
        description=f"The `{step}` step ({who}); the answer is the case after it.",
        # acknowledge_case, request_info_case, ...: the step's name, then what it acts on.
        operation_id=f"{step.replace('-', '_')}_case",
    )


for _step, _body in STEP_BODIES.items():
    _add_route(_step, _body)
