"""Every recorded history in tests/histories/ replays against the current workflow code.

The histories are real runs (scripts/record_histories.py) of one case per example
policy. A change to a workflow that running cases could not survive fails here; make
it behind `workflow.patched()` instead.
"""

import json
from pathlib import Path

import pytest

from escalator.replay import replay_case
from models.audit.history import CaseHistory
from models.audit.timeline import build_timeline
from tests.audit.changed_case import UnprojectedCaseWorkflow
from tests.audit.scenarios import POLICIES
from workflows.archive import ArchiveCaseWorkflow

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
# Each generation of the workflow's paths: cases recorded before a patch take the old one.
GENERATIONS = [
    HISTORIES,
    HISTORIES / "notices-after-steps",
    HISTORIES / "senders-after-planning",
    HISTORIES / "search-attributes",
    HISTORIES / "registry-facts",
]
RECORDED = [(folder, policy) for folder in GENERATIONS for policy in POLICIES]


def load(policy: str, folder: Path = HISTORIES) -> CaseHistory:
    return CaseHistory.from_json(json.loads((folder / f"{policy}.json").read_text()))


@pytest.mark.parametrize("folder", GENERATIONS, ids=lambda folder: folder.name)
def test_every_example_policy_has_a_recorded_history(folder: Path) -> None:
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(POLICIES)


@pytest.mark.parametrize(("folder", "policy"), RECORDED, ids=[f"{f.name}-{p}" for f, p in RECORDED])
async def test_recorded_history_replays(folder: Path, policy: str) -> None:
    history = load(policy, folder)
    verdict = await replay_case(history)
    assert verdict.deterministic, verdict.error
    assert verdict.events == history.event_count
    # A whole life: received first, the workflow ended last.
    timeline = build_timeline(history)
    assert timeline[0].kind == "received" and timeline[-1].kind == "finished"
    assert "closed" in [entry.kind for entry in timeline]


@pytest.mark.parametrize(("folder", "policy"), RECORDED, ids=[f"{f.name}-{p}" for f, p in RECORDED])
async def test_a_changed_workflow_fails_on_the_recorded_history(folder: Path, policy: str) -> None:
    verdict = await replay_case(
        load(policy, folder), [UnprojectedCaseWorkflow, ArchiveCaseWorkflow]
    )
    assert not verdict.deterministic
    assert verdict.error is not None and "Nondeterminism error" in verdict.error


async def test_escalator_replay_file(capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from escalator.cli import main

    path = HISTORIES / "zsupport.json"
    assert await asyncio.to_thread(main, ["replay", "--file", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok    case-")
