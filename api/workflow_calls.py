"""Calls that wait on a case's workflow, each with a deadline of its own.

Temporal's `rpc_timeout` bounds one poll, not a call: an Update whose worker is
gone, or a Query with no worker polling, waits for as long as the client keeps
polling. Every call the API makes that waits on a workflow goes through `bounded`,
which gives up after `ESCALATOR_WORKFLOW_WAIT_SECONDS` (10 s) and answers 503 with
`Retry-After`, saying what the caller may now assume. Every `RPCStatusCode` decision
about such a call is made here.
"""

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from api.metrics import CASES_STUCK
from api.problems import Problem, unavailable
from escalator.settings import get_settings

log = logging.getLogger("escalator.api.workflows")

T = TypeVar("T")

# What a 503 on a step means, for the answer and docs/api.md.
STEP_NOT_YET = (
    "the step is not yet applied and may still apply: retry it only with the same "
    "Idempotency-Key (a retry without one may apply it twice)"
)
STEP_NOT_SENT = "the step was not sent: retry it, with the same Idempotency-Key"


class CaseGone(Exception):
    """The case's workflow has ended (or never existed): no Update or Query reaches it."""


def rejected(error: WorkflowUpdateFailedError) -> Problem:
    """The validator's (or handler's) reason, as the 409's detail."""
    cause = error.cause
    reason = getattr(cause, "message", None) or str(cause or error)
    return Problem(409, reason)


def wait_seconds() -> float:
    """The bound on every call that waits on a workflow (ESCALATOR_WORKFLOW_WAIT_SECONDS)."""
    return get_settings().workflow_wait_seconds


async def bounded(
    call: Awaitable[T],
    *,
    case_id: str,
    what: str,
    late: str = "",
    extra: dict[str, str] | None = None,
) -> T:
    """`call`'s result, or a 503 `Problem` (with `late` saying what the caller may assume)
    once the bound passes; `CaseGone` for a workflow Temporal does not know, 409 for a
    refused Update."""
    seconds = wait_seconds()

    def too_late() -> Problem:
        said = f"case {case_id} did not answer {what} within {seconds:g} s"
        problem = unavailable(f"{said}; {late}" if late else f"{said} (see /healthz)")
        problem.extra = extra or {}
        return problem

    try:
        async with asyncio.timeout(seconds):
            return await call
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as error:
        raise too_late() from error
    except WorkflowUpdateFailedError as error:
        raise rejected(error) from error
    except RPCError as error:
        if error.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise CaseGone(case_id) from error
        if error.status in (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED):
            raise too_late() from error  # one poll's own timeout: the same as ours
        if error.status == RPCStatusCode.FAILED_PRECONDITION:
            # "no poller seen for task queue": nothing runs the case's workflow now.
            raise unavailable(
                f"case {case_id} cannot answer {what}: no worker is running its workflow"
            ) from error
        raise


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
) -> Problem | None:
    """A Query that failed in the worker, or timed out (`error` None): usually the case's
    history no longer replays on the current code. Then reported loudly (an operator must
    act) and answered 503 naming the case's state; None when the case is merely slow."""
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
    return unavailable(
        f"case {case_id} cannot be read or worked now: its workflow does not run on the "
        f"current code ({state}); operators have been alerted"
    )
