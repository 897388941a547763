"""Tamper evidence: an export verifies; one edited byte, a removed or a reordered event fails and
is named; `escalator verify` exits 1."""

import hashlib
import json
from pathlib import Path

import pytest

from escalator.cli import main
from escalator.export import FORMAT, build_export, canonical, dumps, genesis, record_hash, verify
from tests.audit.conftest import Finished


@pytest.fixture
def exported(finished: Finished, tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(dumps(build_export(finished.history)))
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text().split("\n")


def _line_of(lines: list[str], needle: str) -> int:
    return next(index for index, line in enumerate(lines) if needle in line)


def test_an_intact_export_verifies(finished: Finished, exported: Path) -> None:
    verdict = verify(exported.read_text())
    assert verdict.ok, verdict.message
    document = json.loads(exported.read_text())
    manifest = document["manifest"]
    assert manifest["history_events"] == finished.history.event_count
    assert manifest["records"] == len(document["records"])
    assert verdict.head == manifest["head"]
    assert verify(exported.read_text(), expect_head=manifest["head"]).ok


def test_one_edited_byte_in_an_event_fails_and_names_it(finished: Finished, exported: Path) -> None:
    lines = _lines(exported)
    # The customer's reply: its Update's accepted event carries the step in a payload.
    index = _line_of(lines, '"customer-reply"')
    record = json.loads(lines[index].rstrip(","))
    event_id = record["event"]["eventId"]
    # One byte of the event's time: ...T17:00:00.0xxZ -> a different digit.
    position = lines[index].index('"eventTime": "') + len('"eventTime": "') + 3
    digit = lines[index][position]
    lines[index] = (
        lines[index][:position] + ("1" if digit != "1" else "2") + lines[index][position + 1 :]
    )
    exported.write_text("\n".join(lines))

    verdict = verify(exported.read_text())
    assert not verdict.ok
    assert verdict.message.startswith(
        f"history event {event_id} of {finished.case_id} (run {record['run_id']}, "
        f"EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED; record {record['seq']}): "
        "content does not match its hash; it was edited"
    )


def test_a_removed_event_fails_and_names_the_next(finished: Finished, exported: Path) -> None:
    lines = _lines(exported)
    index = _line_of(lines, '"section": "history"') + 5
    removed = json.loads(lines[index].rstrip(","))
    following = json.loads(lines[index + 1].rstrip(","))
    del lines[index]
    exported.write_text("\n".join(lines))
    verdict = verify(exported.read_text())
    assert not verdict.ok
    assert f"history event {following['event']['eventId']} of {finished.case_id}" in verdict.message
    assert f"record {following['seq']}): found at position {removed['seq']}" in verdict.message


def test_reordered_events_fail(finished: Finished, exported: Path) -> None:
    lines = _lines(exported)
    index = _line_of(lines, '"section": "history"') + 10
    lines[index], lines[index + 1] = lines[index + 1], lines[index]
    exported.write_text("\n".join(lines))
    verdict = verify(exported.read_text())
    assert not verdict.ok
    moved = json.loads(lines[index].rstrip(","))
    assert verdict.message.startswith(f"history event {moved['event']['eventId']} of")
    assert "removed or reordered" in verdict.message


def test_a_rechained_timeline_is_caught_by_the_history(finished: Finished, exported: Path) -> None:
    """Even with every hash recomputed, a timeline that the history does not say is caught."""
    document = json.loads(exported.read_text())
    for record in document["records"]:
        if record["section"] == "timeline" and record["entry"]["kind"] == "triaged":
            record["entry"]["detail"] = "triaged as standard, priority low by engineer:ada"
    previous = genesis(finished.case_id)
    for record in document["records"]:
        record["prev"] = previous
        record["hash"] = previous = record_hash(record)
    assert document["format"] == FORMAT
    head = document["manifest"]["head"]
    document["manifest"]["head"] = previous
    document["manifest_sha256"] = hashlib.sha256(canonical(document["manifest"])).hexdigest()
    verdict = verify(json.dumps(document))
    assert not verdict.ok
    assert verdict.message.startswith("timeline entry 8 (triaged at ")
    assert "differs from what the history says (triaged at " in verdict.message
    assert head != previous


def test_escalator_verify_exit_codes(exported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(exported)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    text = exported.read_text()
    exported.write_text(text.replace('"kind": "closed"', '"kind": "cl0sed"', 1))
    assert main(["verify", str(exported)]) == 1
    err = capsys.readouterr().err
    assert "timeline entry cl0sed at " in err
    assert "content does not match its hash; it was edited" in err
