"""Replaying case histories against the current workflow code, and a case's state as of an instant.

Replay uses Temporal's `Replayer` with exactly what the worker runs: the same
workflow classes, the same sandbox (workflows/sandbox.py) and the pydantic data
converter. A history that the current code would not produce command for command
is reported with the run and Temporal's own account of the mismatch.

`state_as_of` replays the case run that was live at the instant, truncated to the
workflow tasks that had started by then, and reads the reconstructed workflow's
case through a workflow interceptor (the replayer answers no queries).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    Replayer,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from models.audit.history import CaseHistory, RunHistory
from models.case.resource import Case
from workflows.catalog import ALL_WORKFLOWS
from workflows.sandbox import workflow_runner


@dataclass(frozen=True)
class RunReplay:
    workflow_id: str
    run_id: str
    workflow_type: str
    events: int
    error: str | None

    @property
    def deterministic(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class CaseReplay:
    """The verdict on one case: every run of it and of its children."""

    case_id: str
    source: str
    runs: list[RunReplay] = field(default_factory=list)

    @property
    def deterministic(self) -> bool:
        return all(run.deterministic for run in self.runs)

    @property
    def events(self) -> int:
        return sum(run.events for run in self.runs)

    @property
    def error(self) -> str | None:
        errors = [
            f"{run.workflow_id} (run {run.run_id}): {run.error}" for run in self.runs if run.error
        ]
        return "; ".join(errors) or None


def make_replayer(
    workflows: Sequence[type] | None = None, interceptors: Sequence[Interceptor] = ()
) -> Replayer:
    """A replayer configured like the worker (worker.build_worker)."""
    return Replayer(
        workflows=list(workflows or ALL_WORKFLOWS),
        workflow_runner=workflow_runner(),
        data_converter=pydantic_data_converter,
        interceptors=list(interceptors),
    )


def _describe(error: BaseException) -> str:
    """The core's own sentence when it gives one ("[TMPRL1100] Nondeterminism error: ...")."""
    message = str(error) or type(error).__name__
    inner = re.search(r'message: "(.*?)", source:', message)
    return f"{type(error).__name__}: {inner.group(1) if inner else message}"


async def replay_runs(
    runs: Sequence[RunHistory], workflows: Sequence[type] | None = None
) -> list[RunReplay]:
    known = {defn.name for defn in _definitions(workflows or ALL_WORKFLOWS)}
    replayer = make_replayer(workflows)
    results = []
    for run in runs:
        error: str | None
        if run.workflow_type not in known:
            error = f"workflow type {run.workflow_type!r} is not registered with the worker"
        else:
            result = await replayer.replay_workflow(
                run.workflow_history(), raise_on_replay_failure=False
            )
            error = _describe(result.replay_failure) if result.replay_failure else None
        results.append(
            RunReplay(run.workflow_id, run.run_id, run.workflow_type, len(run.events), error)
        )
    return results


def _definitions(workflows: Sequence[type]) -> list[Any]:
    return [workflow._Definition.must_from_class(cls) for cls in workflows]


async def replay_case(history: CaseHistory, workflows: Sequence[type] | None = None) -> CaseReplay:
    return CaseReplay(history.case_id, history.source, await replay_runs(history.runs, workflows))


# -- state as of an instant ------------------------------------------------------------------


class AsOfError(ValueError):
    """The instant lies outside what the history can answer (e.g. before the case existed)."""


def _task_starts(run: RunHistory) -> list[tuple[int, datetime]]:
    return [
        (index, event.event_time.ToDatetime(tzinfo=UTC))
        for index, event in enumerate(run.events)
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
    ]


def truncate_at(history: CaseHistory, at: datetime) -> RunHistory:
    """The case run live at `at`, cut before its first workflow task that started after `at`.

    What a workflow task does happens at its start instant (`workflow.now()`), steps
    (Updates) included, so the cut keeps every task that had started by `at`.
    """
    if at.tzinfo is None:
        raise AsOfError("as_of: give an offset (e.g. 2026-11-20T16:30:00+00:00)")
    chosen: tuple[RunHistory, list[tuple[int, datetime]]] | None = None
    for run in history.case_runs:
        starts = _task_starts(run)
        if starts and starts[0][1] <= at:
            chosen = (run, starts)
    if chosen is None:
        first = _task_starts(history.case_runs[0])
        began = first[0][1].isoformat() if first else "unknown"
        raise AsOfError(f"as_of: before the case's workflow first ran ({began})")
    run, starts = chosen
    later = [index for index, started in starts if started > at]
    cut = later[0] if later else len(run.events)
    return RunHistory(
        workflow_id=run.workflow_id,
        run_id=run.run_id,
        workflow_type=run.workflow_type,
        events=list(run.events[:cut]),
    )


def _capturing_interceptor(captured: list[Any]) -> Interceptor:
    class Capture(WorkflowInboundInterceptor):
        async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
            captured.append(workflow.instance())
            return await super().execute_workflow(input)

    class CaptureInterceptor(Interceptor):
        def workflow_interceptor_class(
            self, input: WorkflowInterceptorClassInput
        ) -> type[WorkflowInboundInterceptor]:
            return Capture

    return CaptureInterceptor()


class ReplayFailed(RuntimeError):
    pass


async def state_as_of(history: CaseHistory, at: datetime) -> Case:
    """The case as it stood at `at`, rebuilt by replaying its history up to then."""
    run = truncate_at(history, at)
    captured: list[Any] = []
    replayer = make_replayer(interceptors=[_capturing_interceptor(captured)])
    result = await replayer.replay_workflow(
        WorkflowHistory(run.workflow_id, run.events), raise_on_replay_failure=False
    )
    if result.replay_failure is not None:
        raise ReplayFailed(
            f"{run.workflow_id} (run {run.run_id}) does not replay: "
            + _describe(result.replay_failure)
        )
    if not captured or getattr(captured[-1], "_state", None) is None:
        raise AsOfError("as_of: the case had no state yet at that instant")
    case: Case = captured[-1].case
    return case
