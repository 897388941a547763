"""The audit surface of a case: timeline, raw history, state as of an instant, replay.

All four read the case's Temporal history (case and child workflows) while Temporal
has it and the database archive afterwards. The timeline and `as_of` follow the
usual visibility rule (a partner sees its own organisation's cases, another
organisation's case is 404); the raw history and replay are for auditors and admins.
"""

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import Engine
from temporalio.client import Client

from api.auth import Identity, IdentityDep, ReadsHistories, current_identity, visible
from api.deps import ClientDep, EngineDep
from api.problems import Problem, field_problem
from escalator.cases.history import visible_history
from escalator.replay import AsOfError, ReplayFailed, replay_case, state_as_of
from models.audit.history import CaseHistory
from models.audit.timeline import TimelineEntry, build_timeline
from models.case.resource import Case

router = APIRouter(
    prefix="/cases",
    tags=["audit"],
    dependencies=[Depends(current_identity)],
    responses={
        401: {"description": "No API key, or an unknown or revoked one"},
        404: {"description": "No such case, or one of another organisation"},
        503: {"description": "Temporal or the database is unavailable; retry shortly"},
    },
)
AUDITORS_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"description": "Reading raw histories needs the auditor role"}
}


class ReplayVerdict(BaseModel):
    deterministic: bool
    events: int
    error: str | None
    # Where the history came from: "temporal" or "archive".
    source: str
    runs: list[dict[str, Any]]


async def _history(case_id: str, identity: Identity, client: Client, engine: Engine) -> CaseHistory:
    return await visible_history(client, engine, case_id, visible(identity))


@router.get(
    "/{case_id}/timeline", response_model=list[TimelineEntry], operation_id="get_case_timeline"
)
async def timeline(
    case_id: str,
    identity: IdentityDep,
    client: ClientDep,
    engine: EngineDep,
) -> list[TimelineEntry]:
    """Every event of the case and its field-service children, oldest first, in domain words."""
    return build_timeline(await _history(case_id, identity, client, engine))


@router.get("/{case_id}/history", operation_id="get_case_history", responses=AUDITORS_ONLY)
async def history(
    case_id: str,
    identity: ReadsHistories,
    client: ClientDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Temporal's event history of every run of the case and of its children, as JSON."""
    return (await _history(case_id, identity, client, engine)).to_json()


@router.get(
    "/{case_id}/state",
    response_model=Case,
    operation_id="get_case_state",
    responses={409: {"description": "The current code cannot replay the case's history"}},
)
async def state(
    case_id: str,
    identity: IdentityDep,
    client: ClientDep,
    engine: EngineDep,
    as_of: AwareDatetime = Query(
        ..., description="An instant with its offset, e.g. 2026-11-20T16:30:00-07:00"
    ),
) -> Case:
    """The case as it stood at `as_of`, rebuilt by replaying its history up to that instant."""
    case_history = await _history(case_id, identity, client, engine)
    try:
        return await state_as_of(case_history, as_of)
    except AsOfError as error:
        raise field_problem(["query", "as_of"], str(error).removeprefix("as_of: ")) from error
    except ReplayFailed as error:
        raise Problem(
            409, f"the history cannot be replayed by the current code: {error}"
        ) from error


@router.post(
    "/{case_id}/replay",
    response_model=ReplayVerdict,
    operation_id="replay_case",
    responses=AUDITORS_ONLY,
)
async def replay(
    case_id: str,
    identity: ReadsHistories,
    client: ClientDep,
    engine: EngineDep,
) -> ReplayVerdict:
    """Replay the case (every run, children included) against the current workflow code."""
    verdict = await replay_case(await _history(case_id, identity, client, engine))
    return ReplayVerdict(
        deterministic=verdict.deterministic,
        events=verdict.events,
        error=verdict.error,
        source=verdict.source,
        runs=[
            {
                "workflow_id": run.workflow_id,
                "run_id": run.run_id,
                "workflow_type": run.workflow_type,
                "events": run.events,
                "error": run.error,
            }
            for run in verdict.runs
        ],
    )
