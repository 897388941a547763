"""Calls that wait on a case's workflow, each with a deadline of its own.

Temporal's `rpc_timeout` bounds one poll, not a call: an Update whose worker is
gone, or a Query with no worker polling, waits for as long as the client keeps
polling. Every call the case service makes that waits on a workflow goes through
`bounded`, which gives up after `ESCALATOR_WORKFLOW_WAIT_SECONDS` (10 s) with
`CaseBusy`, saying what the caller may now assume. What each error from Temporal
means is decided in escalator/infra/temporal_errors.py.
"""

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from prometheus_client import Counter
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from escalator.cases.errors import CaseBusy, StepRefused
from escalator.infra.settings import get_settings
from escalator.infra.temporal_errors import no_worker, not_found, poll_timed_out, workflow_unknown

log = logging.getLogger("escalator.api.workflows")

T = TypeVar("T")

# A case whose workflow fails on the current code (usually: its history no longer replays).
# Nothing retries it into health: an operator must deploy a fix or reset the case.
CASES_STUCK = Counter(
    "escalator_cases_stuck_total",
    "Reads or steps refused because the case's workflow does not run on the current code",
)

# What a 503 on a step means, for the answer and docs/api.md.
STEP_NOT_YET = (
    "the step is not yet applied and may still apply: retry it only with the same "
    "Idempotency-Key (a retry without one may apply it twice)"
)
STEP_NOT_SENT = "the step was not sent: retry it, with the same Idempotency-Key"


class CaseGone(Exception):
    """The case's workflow has ended (or never existed): no Update or Query reaches it."""


def refused(error: WorkflowUpdateFailedError) -> StepRefused:
    """The validator's (or handler's) reason."""
    cause = error.cause
    reason = getattr(cause, "message", None) or str(cause or error)
    return StepRefused(reason)


def wait_seconds() -> float:
    """The bound on every call that waits on a workflow (ESCALATOR_WORKFLOW_WAIT_SECONDS)."""
    return get_settings().workflow_wait_seconds


async def bounded(
    call: Awaitable[T],
    *,
    case_id: str,
    what: str,
    late: str = "",
    accepted: bool = False,
) -> T:
    """`call`'s result, or `CaseBusy` (with `late` saying what the caller may assume; naming
    the case as accepted when `accepted`) once the bound passes; `CaseGone` for a workflow
    Temporal does not know, `StepRefused` for a refused Update."""
    seconds = wait_seconds()

    def too_late() -> CaseBusy:
        said = f"case {case_id} did not answer {what} within {seconds:g} s"
        return CaseBusy(
            f"{said}; {late}" if late else f"{said} (see /healthz)",
            accepted_case_id=case_id if accepted else None,
        )

    try:
        async with asyncio.timeout(seconds):
            return await call
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as error:
        raise too_late() from error
    except WorkflowUpdateFailedError as error:
        raise refused(error) from error
    except RPCError as error:
        if workflow_unknown(error):
            raise CaseGone(case_id) from error
        if poll_timed_out(error):
            raise too_late() from error  # one poll's own timeout: the same as ours
        if no_worker(error):
            raise CaseBusy(
                f"case {case_id} cannot answer {what}: no worker is running its workflow"
            ) from error
        raise


async def workflow_exists(client: Client, workflow_id: str) -> bool:
    """Whether Temporal knows a workflow of this id (running or closed)."""
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if not_found(error):
            return False
        raise
    return True


async def why_stuck(client: Client, case_id: str) -> str | None:
    """Why a case's workflow cannot run its tasks, from its history: the last workflow task
    failure ("nondeterminism: ...") when the task keeps failing, else None."""
    reason: str | None = None
    try:
        async for event in client.get_workflow_handle(case_id).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                failure = event.workflow_task_failed_event_attributes
                reason = failure.failure.message or "its workflow task fails"
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                reason = None
    except RPCError:
        return None
    return reason


async def unanswered_query(
    client: Client, case_id: str, error: WorkflowQueryFailedError | None = None
) -> CaseBusy | None:
    """A Query that failed in the worker, or timed out (`error` None): usually the case's
    history no longer replays on the current code. Then reported loudly (an operator must
    act) and refused naming the case's state; None when the case is merely slow."""
    stuck = await why_stuck(client, case_id)
    if stuck is None and error is None:
        return None
    state = stuck or str(error)
    CASES_STUCK.inc()
    log.error(
        "case %s cannot be worked: its workflow does not run on this code (%s)",
        case_id,
        state,
        extra={"case_id": case_id, "alert": "case_stuck"},
    )
    return CaseBusy(
        f"case {case_id} cannot be read or worked now: its workflow does not run on the "
        f"current code ({state}); operators have been alerted"
    )
