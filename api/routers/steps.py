"""`POST /cases/{case_id}/{step}`: one route per step of `models.case.steps.STEP_BODIES`.

Each step is the case workflow's Update of the same name. The request body is
the step's body without `actor`, which is always the caller's identity. A step
the case does not allow now is rejected by the Update's validator: 409 with
the validator's reason. With `Idempotency-Key`, the Update runs under an id
derived from the key (models/case/step_requests.py): Temporal runs it once and a
retry gets the first answer; the workflow records the digest of what ran, so
the same key with another body is a 409. The case service runs it
(escalator/cases/steps.py); this router is its HTTP face.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, create_model

from api.attachments import with_attachments
from api.auth import (
    Identity,
    actor_of,
    changes_cases,
    current_identity,
    visible,
    works_cases,
)
from api.deps import ClientDep, EngineDep, IdempotencyKey
from escalator import cases
from models.case.resource import Case
from models.case.steps import STEP_BODIES, StepBody

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


def _add_route(step: str, body_type: type[StepBody]) -> None:
    request_type = request_model(step, body_type)
    optional = not any(info.is_required() for info in request_type.model_fields.values())
    role = changes_cases if step in PARTNER_STEPS else works_cases

    async def endpoint(
        case_id: str,
        identity: Annotated[Identity, Depends(role)],
        client: ClientDep,
        engine: EngineDep,
        request: request_type = Body(None if optional else ...),  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey = None,
    ) -> Case:
        sent: dict[str, Any] = request.model_dump() if request is not None else {}
        body = body_type.model_validate({**sent, "actor": actor_of(identity)})
        case = await cases.take_step(
            client,
            engine,
            case_id,
            step,
            body,
            key=idempotency_key,
            visible=visible(identity),
            scope=identity.scope,
        )
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
