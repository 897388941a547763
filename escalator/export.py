"""Tamper-evident case exports: timeline and history under a SHA-256 hash chain, and a manifest.

File layout (JSON, one record per line so a diff shows what changed):

    {"format": "escalator-export/1",
     "manifest": {...counts, runs, genesis, head...},
     "manifest_sha256": "...",
     "records": [
       {"seq": 1, "section": "timeline", "entry": {...}, "prev": GENESIS, "hash": H1},
       ...
       {"seq": n, "section": "history", "workflow_id": ..., "run_id": ..., "event": {...},
        "prev": H(n-1), "hash": Hn}
     ]}

`hash = SHA-256(canonical JSON of the record without "hash")`, where the record includes
`prev`, the hash of the record before it (the first one's `prev` is the genesis hash,
SHA-256 of "escalator-export/1\\n" + case id). Canonical JSON: sorted keys, no spaces,
UTF-8. The manifest names the head (last hash) and the counts; `manifest_sha256` covers it.

`verify` recomputes everything and names the first record that does not hold: an edited
record fails its own hash, a removed or reordered one breaks `seq`, `prev` or the
consecutive event ids of its run. It also rebuilds the timeline from the exported history,
so a timeline rewritten to match itself is caught, and compares the head with one
recorded elsewhere when given (`--expect-head`), which catches a wholly recomputed file.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models.audit.history import CaseHistory, HistoryFormatError
from models.audit.timeline import build_timeline

FORMAT = "escalator-export/1"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def genesis(case_id: str) -> str:
    return hashlib.sha256(f"{FORMAT}\n{case_id}".encode()).hexdigest()


def record_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


def build_export(history: CaseHistory, exported_at: datetime | None = None) -> dict[str, Any]:
    """The export document of a case (timeline first, then every run's events)."""
    contents: list[dict[str, Any]] = [
        {"section": "timeline", "entry": entry.model_dump(mode="json")}
        for entry in build_timeline(history)
    ]
    for run in history.to_json()["runs"]:
        for event in run["events"]:
            contents.append(
                {
                    "section": "history",
                    "workflow_id": run["workflow_id"],
                    "run_id": run["run_id"],
                    "workflow_type": run["workflow_type"],
                    "parent_workflow_id": run["parent_workflow_id"],
                    "event": event,
                }
            )
    records = []
    previous = genesis(history.case_id)
    for seq, content in enumerate(contents, start=1):
        record = {"seq": seq, **content, "prev": previous}
        record["hash"] = previous = record_hash(record)
        records.append(record)
    manifest = {
        "case_id": history.case_id,
        "exported_at": (exported_at or datetime.now(UTC)).isoformat(),
        "source": history.source,
        "algorithm": "sha256 chain: hash = sha256(canonical record with prev, without hash)",
        "genesis": genesis(history.case_id),
        "head": previous,
        "records": len(records),
        "timeline_entries": sum(1 for c in contents if c["section"] == "timeline"),
        "history_events": sum(1 for c in contents if c["section"] == "history"),
        "runs": [
            {
                "workflow_id": run.workflow_id,
                "run_id": run.run_id,
                "workflow_type": run.workflow_type,
                "events": len(run.events),
            }
            for run in history.runs
        ],
    }
    return {
        "format": FORMAT,
        "manifest": manifest,
        "manifest_sha256": hashlib.sha256(canonical(manifest)).hexdigest(),
        "records": records,
    }


def dumps(document: dict[str, Any]) -> str:
    """The file text: one record per line."""
    head = {k: v for k, v in document.items() if k != "records"}
    lines = [
        json.dumps(record, ensure_ascii=False, sort_keys=True) for record in document["records"]
    ]
    opening = json.dumps(head, ensure_ascii=False, indent=1)[:-1].rstrip()
    return opening + ',\n "records": [\n' + ",\n".join(lines) + "\n]}\n"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str
    head: str | None = None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _name(record: Any, position: int) -> str:
    """How a message names a record: the history event or timeline entry it holds."""
    if not isinstance(record, dict):
        return f"record {position}"
    seq = record.get("seq", position)
    if record.get("section") == "history":
        event = _dict(record.get("event"))
        return (
            f"history event {event.get('eventId', '?')} of {record.get('workflow_id')} "
            f"(run {record.get('run_id')}, {event.get('eventType', '?')}; record {seq})"
        )
    if record.get("section") == "timeline":
        entry = _dict(record.get("entry"))
        return f"timeline entry {entry.get('kind', '?')} at {entry.get('at', '?')} (record {seq})"
    return f"record {seq}"


def history_from_export(document: dict[str, Any]) -> CaseHistory:
    """The case history held by an export (its history records, run by run)."""
    runs: list[dict[str, Any]] = []
    for record in document.get("records") or []:
        if not isinstance(record, dict) or record.get("section") != "history":
            continue
        if not runs or (runs[-1]["workflow_id"], runs[-1]["run_id"]) != (
            record.get("workflow_id"),
            record.get("run_id"),
        ):
            runs.append(
                {
                    "workflow_id": record.get("workflow_id"),
                    "run_id": record.get("run_id"),
                    "workflow_type": record.get("workflow_type"),
                    "parent_workflow_id": record.get("parent_workflow_id"),
                    "events": [],
                }
            )
        runs[-1]["events"].append(record.get("event"))
    manifest = document.get("manifest") or {}
    return CaseHistory.from_json({"case_id": manifest.get("case_id"), "runs": runs})


def verify(text: str, expect_head: str | None = None) -> Verdict:
    """Check an export's chain, event order, manifest and timeline; name the first fault."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return Verdict(
            False, f"not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}"
        )
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return Verdict(False, f'not an Escalator export: "format" is not {FORMAT!r}')
    manifest = document.get("manifest")
    records = document.get("records")
    if not isinstance(manifest, dict) or not isinstance(records, list):
        return Verdict(False, 'the export lacks its "manifest" or its "records"')
    case_id = str(manifest.get("case_id"))
    previous = genesis(case_id)
    last_event: dict[tuple[Any, Any], int] = {}
    for position, record in enumerate(records, start=1):
        name = _name(record, position)
        if not isinstance(record, dict):
            return Verdict(False, f"{name}: not a record")
        if record.get("seq") != position:
            return Verdict(
                False,
                f"{name}: found at position {position}; records were removed or reordered",
            )
        if record.get("prev") != previous:
            return Verdict(
                False,
                f"{name}: does not follow the record before it (prev hash differs); "
                "a record was removed, inserted or reordered",
            )
        if record_hash(record) != record.get("hash"):
            return Verdict(False, f"{name}: content does not match its hash; it was edited")
        if record.get("section") == "history":
            run = (record.get("workflow_id"), record.get("run_id"))
            event = _dict(record.get("event"))
            expected = last_event.get(run, 0) + 1
            try:
                event_id = int(event.get("eventId", 0))
            except (TypeError, ValueError):
                event_id = -1
            if event_id != expected:
                return Verdict(False, f"{name}: event id {event_id} where {expected} was expected")
            last_event[run] = event_id
        previous = str(record["hash"])
    if manifest.get("head") != previous or manifest.get("records") != len(records):
        return Verdict(
            False,
            f"manifest: head or record count ({manifest.get('records')}) does not match the "
            f"records ({len(records)}); records were removed or appended",
        )
    if hashlib.sha256(canonical(manifest)).hexdigest() != document.get("manifest_sha256"):
        return Verdict(False, "manifest: content does not match manifest_sha256; it was edited")
    if manifest.get("genesis") != genesis(case_id):
        return Verdict(False, "manifest: genesis hash is not that of the case id")
    try:
        history = history_from_export(document)
    except HistoryFormatError as error:
        return Verdict(False, f"history: {error}")
    rebuilt = [entry.model_dump(mode="json") for entry in build_timeline(history)]
    exported = [r["entry"] for r in records if r.get("section") == "timeline"]
    for index, (want, have) in enumerate(zip(rebuilt, exported, strict=False), start=1):
        if want != have:
            return Verdict(
                False,
                f"timeline entry {index} ({have.get('kind')} at {have.get('at')}) differs from "
                f"what the history says ({want.get('kind')} at {want.get('at')})",
            )
    if len(rebuilt) != len(exported):
        return Verdict(
            False,
            f"timeline: {len(exported)} entries where the history gives {len(rebuilt)}",
        )
    if expect_head is not None and expect_head != previous:
        return Verdict(
            False, f"head {previous} is not the expected {expect_head}: the file was re-chained"
        )
    return Verdict(
        True,
        f"ok: {case_id}, {len(records)} records ({len(exported)} timeline entries, "
        f"{len(records) - len(exported)} history events in {len(last_event)} runs), "
        f"head {previous}",
        previous,
    )
