"""Every recorded history in tests/histories/ replays against the current workflow code.

The histories are real runs (scripts/record_histories.py) of one case per example
policy. A change to a workflow that running cases could not survive fails here; make
it behind `workflow.patched()` instead.
"""

import json
from pathlib import Path

import pytest

from escalator.replay import replay_case
from models.case_history import CaseHistory
from models.timeline import build_timeline
from tests.audit.changed_case import ChangedCaseWorkflow
from tests.audit.scenarios import POLICIES
from workflows.archive import ArchiveCaseWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


def load(policy: str) -> CaseHistory:
    return CaseHistory.from_json(json.loads((HISTORIES / f"{policy}.json").read_text()))


def test_every_example_policy_has_a_recorded_history() -> None:
    assert sorted(p.stem for p in HISTORIES.glob("*.json")) == sorted(POLICIES)


@pytest.mark.parametrize("policy", POLICIES)
async def test_recorded_history_replays(policy: str) -> None:
    history = load(policy)
    verdict = await replay_case(history)
    assert verdict.deterministic, verdict.error
    assert verdict.events == history.event_count
    # A whole life: received first, the workflow ended last.
    timeline = build_timeline(history)
    assert timeline[0].kind == "received" and timeline[-1].kind == "finished"
    assert "closed" in [entry.kind for entry in timeline]


@pytest.mark.parametrize("policy", POLICIES)
async def test_a_changed_workflow_fails_on_the_recorded_history(policy: str) -> None:
    verdict = await replay_case(load(policy), [ChangedCaseWorkflow, ArchiveCaseWorkflow])
    assert not verdict.deterministic
    assert verdict.error is not None and "Nondeterminism error" in verdict.error


async def test_escalator_replay_file(capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from escalator.cli import main

    path = HISTORIES / "zsupport.json"
    assert await asyncio.to_thread(main, ["replay", "--file", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok    case-")
