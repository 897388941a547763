"""A case's complete Temporal history: every run of its workflow and of its child workflows.

Pure data and its JSON form; fetching it from Temporal or the archive is
escalator/infra/history.py. The JSON form of each run's events is Temporal's own
(`temporal workflow show --output json`), so a history written here can be read
by Temporal's tools and the other way round.
"""

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from google.protobuf import json_format
from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

# The workflow that archives a case; it is not part of the case's own record.
ARCHIVE_WORKFLOW = "ArchiveCaseWorkflow"
FORMAT = "escalator-case-history/1"

Source = Literal["temporal", "archive", "file"]


class HistoryFormatError(ValueError):
    """A history document that cannot be read; the message says where and why."""


@dataclass(frozen=True)
class RunHistory:
    """The events of one workflow run, oldest first."""

    workflow_id: str
    run_id: str
    workflow_type: str
    events: list[HistoryEvent]
    # The workflow id of the parent for a child workflow's run; None for the case's own runs.
    parent_workflow_id: str | None = None

    @property
    def is_child(self) -> bool:
        return self.parent_workflow_id is not None

    def workflow_history(self) -> WorkflowHistory:
        return WorkflowHistory(self.workflow_id, list(self.events))

    def to_json(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "run_id": self.run_id,
            "workflow_type": self.workflow_type,
            "parent_workflow_id": self.parent_workflow_id,
            "events": [json_format.MessageToDict(event) for event in self.events],
        }

    @staticmethod
    def from_events(
        workflow_id: str, events: list[HistoryEvent], parent_workflow_id: str | None = None
    ) -> "RunHistory":
        if not events or events[0].event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            raise HistoryFormatError(
                f"history of {workflow_id}: the first event must be WorkflowExecutionStarted"
            )
        started = events[0].workflow_execution_started_event_attributes
        return RunHistory(
            workflow_id=workflow_id,
            run_id=started.original_execution_run_id,
            workflow_type=started.workflow_type.name,
            events=events,
            parent_workflow_id=parent_workflow_id,
        )


@dataclass(frozen=True)
class CaseHistory:
    """Every run of a case: the case's runs in order (continue-as-new), then its children's."""

    case_id: str
    runs: list[RunHistory]
    source: Source = "temporal"
    notes: list[str] = field(default_factory=list)

    @property
    def case_runs(self) -> list[RunHistory]:
        return [run for run in self.runs if not run.is_child]

    @property
    def child_runs(self) -> list[RunHistory]:
        return [run for run in self.runs if run.is_child]

    @property
    def event_count(self) -> int:
        return sum(len(run.events) for run in self.runs)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "case_id": self.case_id,
            "source": self.source,
            "runs": [run.to_json() for run in self.runs],
        }

    @staticmethod
    def from_json(document: Any, source: Source = "file") -> "CaseHistory":
        """Read `to_json()`'s form, or a single Temporal JSON history (`{"events": [...]}`)."""
        if not isinstance(document, dict):
            raise HistoryFormatError("a history document is a JSON object")
        if "runs" not in document:
            if "events" not in document:
                raise HistoryFormatError(
                    'neither "runs" (an Escalator history) nor "events" (a Temporal history)'
                )
            run = _run_from_json(document.get("workflow_id") or "", document, None, "events")
            case_id = run.workflow_id or _workflow_id_guess(run)
            return CaseHistory(case_id=case_id, runs=[run], source=source)
        runs_json = document["runs"]
        if not isinstance(runs_json, list) or not runs_json:
            raise HistoryFormatError('"runs": must be a non-empty list')
        runs = [
            _run_from_json(
                item.get("workflow_id", "") if isinstance(item, dict) else "",
                item,
                item.get("parent_workflow_id") if isinstance(item, dict) else None,
                f"runs[{index}]",
            )
            for index, item in enumerate(runs_json)
        ]
        case_id = document.get("case_id") or runs[0].workflow_id
        return CaseHistory(case_id=str(case_id), runs=runs, source=source)


def _workflow_id_guess(run: RunHistory) -> str:
    return run.workflow_id or f"run-{run.run_id}"


def _run_from_json(workflow_id: str, item: Any, parent: str | None, where: str) -> RunHistory:
    if not isinstance(item, dict) or not isinstance(item.get("events"), list):
        raise HistoryFormatError(f'{where}: needs "events", a list of history events')
    try:
        history = WorkflowHistory.from_json(workflow_id, {"events": item["events"]})
    except (json_format.ParseError, ValueError, TypeError, KeyError) as error:
        raise HistoryFormatError(f"{where}: not a Temporal history ({error})") from error
    return RunHistory.from_events(workflow_id, list(history.events), parent)


def compress(history: CaseHistory) -> tuple[bytes, str]:
    """The archive form: gzip over canonical JSON, and the SHA-256 of that JSON."""
    raw = json.dumps(history.to_json(), sort_keys=True, separators=(",", ":")).encode()
    return gzip.compress(raw, mtime=0), hashlib.sha256(raw).hexdigest()


def decompress(case_id: str, data: bytes, sha256: str) -> CaseHistory:
    raw = gzip.decompress(data)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise HistoryFormatError(
            f"the archive of {case_id} is damaged: SHA-256 {digest} instead of {sha256}"
        )
    return CaseHistory.from_json(json.loads(raw), source="archive")


class ArchiveRequest(BaseModel):
    """Archive this case's history once its workflow has closed."""

    case_id: str


class ArchiveResult(BaseModel):
    case_id: str
    runs: int
    events: int
    sha256: str
