"""Where a case's history comes from: Temporal while it has it, the archive afterwards.

A case is its workflow id's chain of runs (continue-as-new) plus the child
workflows those runs started (found from `ChildWorkflowExecutionStarted`
events), each child with its own chain of runs. The archiver workflow is not
part of the record.
"""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.service import RPCError

from escalator.infra.temporal_errors import workflow_unknown
from models.audit.history import (
    ARCHIVE_WORKFLOW,
    CaseHistory,
    HistoryFormatError,
    RunHistory,
    compress,
    decompress,
)
from models.tables.audit import ARCHIVE_ENCODING, CaseArchiveRow

_CLOSING = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
}


class CaseNotFound(LookupError):
    """Neither Temporal nor the archive knows the case."""


def _missing(error: RPCError) -> bool:
    return workflow_unknown(error)


async def _run_events(client: Client, workflow_id: str, run_id: str | None) -> list[HistoryEvent]:
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    return list(history.events)


async def _chain(
    client: Client, workflow_id: str, first_run_id: str, parent: str | None
) -> list[RunHistory]:
    """A child's runs, following continue-as-new forward from the run it was started with."""
    runs: list[RunHistory] = []
    run_id: str | None = first_run_id
    while run_id:
        events = await _run_events(client, workflow_id, run_id)
        runs.append(RunHistory.from_events(workflow_id, events, parent))
        last = events[-1]
        run_id = None
        if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return runs


def started_children(run: RunHistory) -> list[tuple[str, str, str]]:
    """(workflow id, first run id, type) of every child this run started, archiver excluded."""
    children = []
    for event in run.events:
        if event.event_type == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
            attributes = event.child_workflow_execution_started_event_attributes
            if attributes.workflow_type.name == ARCHIVE_WORKFLOW:
                continue
            execution = attributes.workflow_execution
            children.append(
                (execution.workflow_id, execution.run_id, attributes.workflow_type.name)
            )
    return children


async def from_temporal(client: Client, case_id: str) -> CaseHistory | None:
    """The case's history as Temporal has it now, or None when Temporal no longer has it."""
    try:
        latest = await _run_events(client, case_id, None)
    except RPCError as error:
        if _missing(error):
            return None
        raise
    case_runs = [RunHistory.from_events(case_id, latest)]
    previous = latest[0].workflow_execution_started_event_attributes.continued_execution_run_id
    try:
        while previous:
            events = await _run_events(client, case_id, previous)
            case_runs.insert(0, RunHistory.from_events(case_id, events))
            started = events[0].workflow_execution_started_event_attributes
            previous = started.continued_execution_run_id
        runs = list(case_runs)
        pending = list(case_runs)
        while pending:
            run = pending.pop(0)
            for workflow_id, run_id, _type in started_children(run):
                chain = await _chain(client, workflow_id, run_id, run.workflow_id)
                runs.extend(chain)
                pending.extend(chain)
    except RPCError as error:
        if _missing(error):
            # Part of the record is gone from Temporal (retention): only the archive is whole.
            return None
        raise
    return CaseHistory(case_id=case_id, runs=runs, source="temporal")


def is_closed(history: CaseHistory) -> bool:
    """Every run of the case and of its children has ended (completed, failed, ...)."""
    return all(run.events and run.events[-1].event_type in _CLOSING for run in history.runs)


def closed_at(history: CaseHistory) -> datetime:
    last = history.case_runs[-1].events[-1]
    return last.event_time.ToDatetime(tzinfo=UTC)


def store_archive(engine: Engine, history: CaseHistory) -> CaseArchiveRow:
    """Write (or rewrite, identically) the archive row of a closed case."""
    data, digest = compress(history)
    with Session(engine) as session:
        row = session.get(CaseArchiveRow, history.case_id) or CaseArchiveRow(
            case_id=history.case_id,
            closed_at=closed_at(history),
            archived_at=datetime.now(UTC),
            encoding=ARCHIVE_ENCODING,
            runs=0,
            events=0,
            sha256="",
            data=b"",
        )
        row.closed_at = closed_at(history)
        row.encoding = ARCHIVE_ENCODING
        row.runs = len(history.runs)
        row.events = history.event_count
        row.sha256 = digest
        row.data = data
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def from_archive(engine: Engine, case_id: str) -> CaseHistory | None:
    with Session(engine) as session:
        row = session.get(CaseArchiveRow, case_id)
    if row is None:
        return None
    if row.encoding != ARCHIVE_ENCODING:
        raise HistoryFormatError(f"the archive of {case_id} has an unknown encoding {row.encoding}")
    return decompress(case_id, row.data, row.sha256)


async def load_case_history(client: Client, engine: Engine, case_id: str) -> CaseHistory:
    """Temporal's history while it has the case, else the archive; CaseNotFound when neither."""
    history = await from_temporal(client, case_id)
    if history is None:
        history = await asyncio.to_thread(from_archive, engine, case_id)
    if history is None:
        raise CaseNotFound(case_id)
    return history
