"""Archiving a closed case's history (case and child workflows) to the database, compressed."""

import asyncio

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus
from temporalio.exceptions import ApplicationError

from escalator.infra.history import from_temporal, is_closed, store_archive
from models.audit.history import ArchiveRequest, ArchiveResult

_POLLS = 40
_POLL_SECONDS = 0.25


class ArchiveActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="archive_case_history")
    async def archive_case_history(self, request: ArchiveRequest) -> ArchiveResult:
        """Store the case's full history once every run of it and of its children has closed.

        Started by the case workflow as it ends, so the first attempts may find it still
        running: they fail and Temporal retries them. Rewriting an archive is idempotent.
        """
        client = activity.client()
        handle = client.get_workflow_handle(request.case_id)
        # The case ends a moment after starting the archiver: wait a little before retrying.
        for _attempt in range(_POLLS):
            if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                break
            activity.heartbeat()
            await asyncio.sleep(_POLL_SECONDS)
        else:
            raise ApplicationError(f"case {request.case_id} is still running", type="NotClosedYet")
        history = await from_temporal(client, request.case_id)
        if history is None:
            raise ApplicationError(
                f"Temporal no longer has the whole history of {request.case_id}",
                type="HistoryGone",
                non_retryable=True,
            )
        if not is_closed(history):
            raise ApplicationError(
                f"a child workflow of {request.case_id} is still running", type="NotClosedYet"
            )
        row = await asyncio.to_thread(store_archive, self.engine, history)
        return ArchiveResult(
            case_id=request.case_id, runs=row.runs, events=row.events, sha256=row.sha256
        )
