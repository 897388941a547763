"""`escalator replay`, `escalator export` and `escalator verify`: the auditor's commands.

- `replay CASE_ID` / `replay --file HISTORY.json` / `replay --all [--since DATE]`: replay
  histories against the current workflow code; exit 1 on any non-determinism, naming the
  run and Temporal's account of the mismatch; exit 2 when a history cannot be read.
- `export CASE_ID --output FILE`: the case's timeline and history under a hash chain
  (escalator/export.py); prints the head hash, worth keeping apart from the file.
- `verify FILE [--expect-head HASH]`: exit 0 when the export holds, 1 naming the first bad
  record otherwise.

Cases are read from Temporal (`--temporal-address`, else ESCALATOR_TEMPORAL_ADDRESS) while
it has them, from the archive in the database (`--database-url`) afterwards.
"""

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from escalator.infra.history import CaseNotFound, load_case_history
from escalator.infra.settings import get_settings
from escalator.infra.temporal_client import connect
from models.audit.history import CaseHistory, HistoryFormatError
from models.tables.audit import CaseArchiveRow
from models.tables.core import CaseRow

if TYPE_CHECKING:
    from escalator.replay import RunReplay

CANNOT_READ = 2


def add_audit_commands(
    subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]",
) -> None:
    def connected(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--temporal-address", default=None, help="default: settings")
        parser.add_argument("--namespace", default=None, help="default: settings")
        parser.add_argument("--database-url", default=None, help="default: settings")
        return parser

    replay = connected(
        subparsers.add_parser(
            "replay", help="replay case histories against the current code; exit 1 if any differ"
        )
    )
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("case_id", nargs="?", metavar="CASE_ID")
    which.add_argument(
        "--file", type=Path, help="a history JSON file (ours, Temporal's, or an export)"
    )
    which.add_argument(
        "--all", action="store_true", help="every case of the read model and archive"
    )
    replay.add_argument(
        "--since", default=None, help="with --all: only cases closed at or after DATE (ISO 8601)"
    )
    replay.set_defaults(run=run_replay)

    export = connected(subparsers.add_parser("export", help="tamper-evident export of a case"))
    export.add_argument("case_id", metavar="CASE_ID")
    export.add_argument("--output", "-o", type=Path, required=True, metavar="FILE")
    export.set_defaults(run=run_export)

    verify = subparsers.add_parser("verify", help="check an export; exit 1 naming the first fault")
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.add_argument(
        "--expect-head", default=None, help="the head hash recorded when the export was made"
    )
    verify.set_defaults(run=run_verify)


async def _connect(args: argparse.Namespace) -> Client:
    settings = get_settings()
    return await connect(
        settings, address=args.temporal_address or None, namespace=args.namespace or None
    )


def _engine(args: argparse.Namespace) -> Engine:
    from escalator.infra.db import engine_from_url, migrate

    url = args.database_url or get_settings().database_url
    migrate(url)
    return engine_from_url(url)


def _print_verdict(history: CaseHistory, verdict_runs: "list[RunReplay]") -> bool:
    ok = True
    for run in verdict_runs:
        if run.error is None:
            print(
                f"ok    {run.workflow_id} run {run.run_id} "
                f"({run.workflow_type}, {run.events} events, from {history.source})"
            )
        else:
            ok = False
            print(
                f"FAIL  {run.workflow_id} run {run.run_id} ({run.workflow_type}, "
                f"{run.events} events, from {history.source}): {run.error}"
            )
    return ok


def _cases_to_replay(engine: Engine, since: datetime | None) -> list[str]:
    with Session(engine) as session:
        archived = select(CaseArchiveRow.case_id)
        rows = select(CaseRow.id)
        if since is not None:
            archived = archived.where(col(CaseArchiveRow.closed_at) >= since)
            # Closed cases whose last change (their closure) is at or after `since`.
            rows = rows.where(CaseRow.status == "closed", col(CaseRow.updated_at) >= since)
        ids = set(session.exec(archived)) | set(session.exec(rows))
    return sorted(ids)


def _read_history_file(path: Path) -> CaseHistory:
    from escalator.export import history_from_export

    document = json.loads(path.read_text())
    if isinstance(document, dict) and "records" in document:
        return history_from_export(document)
    return CaseHistory.from_json(document)


async def _replay(args: argparse.Namespace) -> int:
    from escalator.replay import replay_case

    if args.since is not None and not args.all:
        print("--since: only with --all", file=sys.stderr)
        return CANNOT_READ
    if args.file is not None:
        try:
            history = _read_history_file(args.file)
        except (OSError, json.JSONDecodeError, HistoryFormatError) as error:
            print(f"{args.file}: cannot read a history: {error}", file=sys.stderr)
            return CANNOT_READ
        verdict = await replay_case(history)
        return 0 if _print_verdict(history, verdict.runs) else 1
    since = None
    if args.since is not None:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            print(f"--since: not an ISO 8601 date or instant: {args.since!r}", file=sys.stderr)
            return CANNOT_READ
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    client = await _connect(args)
    engine = _engine(args)
    case_ids = _cases_to_replay(engine, since) if args.all else [args.case_id]
    failed = unreadable = 0
    for case_id in case_ids:
        try:
            history = await load_case_history(client, engine, case_id)
        except CaseNotFound:
            print(f"{case_id}: neither Temporal nor the archive has this case", file=sys.stderr)
            unreadable += 1
            continue
        verdict = await replay_case(history)
        failed += 0 if _print_verdict(history, verdict.runs) else 1
    engine.dispose()
    if args.all:
        print(
            f"{len(case_ids)} cases replayed: {failed} non-deterministic, {unreadable} unreadable"
        )
    if failed:
        return 1
    return CANNOT_READ if unreadable else 0


def run_replay(args: argparse.Namespace) -> int:
    return asyncio.run(_replay(args))


async def _export(args: argparse.Namespace) -> int:
    from escalator.export import build_export, dumps

    client = await _connect(args)
    engine = _engine(args)
    try:
        history = await load_case_history(client, engine, args.case_id)
    except CaseNotFound:
        print(f"{args.case_id}: neither Temporal nor the archive has this case", file=sys.stderr)
        return CANNOT_READ
    finally:
        engine.dispose()
    document = build_export(history)
    args.output.write_text(dumps(document))
    manifest = document["manifest"]
    print(
        f"exported {args.case_id} to {args.output}: {manifest['timeline_entries']} timeline "
        f"entries, {manifest['history_events']} history events (from {history.source})"
    )
    print(f"head {manifest['head']}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    return asyncio.run(_export(args))


def run_verify(args: argparse.Namespace) -> int:
    from escalator.export import verify

    try:
        text = args.file.read_text()
    except OSError as error:
        print(f"{args.file}: {error.strerror}", file=sys.stderr)
        return CANNOT_READ
    verdict = verify(text, args.expect_head)
    print(verdict.message, file=sys.stdout if verdict.ok else sys.stderr)
    return 0 if verdict.ok else 1
