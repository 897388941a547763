"""Record the histories in tests/histories/: one real case per example policy, run to its end.

    python scripts/record_histories.py [POLICY ...]   (default: all five)

They go to tests/histories/registry-facts/, the current generation: cases since that
patch take its path. tests/histories/*.json, notices-after-steps/, senders-after-planning/
and search-attributes/ are the generations before it, kept (and replayed) because cases
recorded then may still be running.

Each case is the scenario of tests/audit/scenarios.py, run by the real worker
(workflows, activities, sandbox, data converter) on a time-skipping Temporal test
server with a fresh SQLite read model. The file holds the history of every run of
the case workflow and of its child workflows (escalator/infra/history.py's JSON form),
exactly as Temporal recorded it. tests/audit/test_recorded_histories.py replays
each against the current code: a change that would break running cases fails CI.
Re-record only when a change is deliberately incompatible and behind no
`workflow.patched()` (it then cannot ship to running cases anyway).
"""

import asyncio
import json
import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from escalator.infra.db import engine_from_url, migrate  # noqa: E402
from escalator.infra.history import from_temporal  # noqa: E402
from escalator.infra.settings import Settings  # noqa: E402
from escalator.infra.temporal_search import start_time_skipping  # noqa: E402
from tests.audit.scenarios import POLICIES, run_scenario  # noqa: E402
from worker import build_worker  # noqa: E402
from workflows.archive import archive_workflow_id  # noqa: E402

OUT = ROOT / "tests" / "histories" / "registry-facts"


async def record(policy: str) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/escalator.db"
        migrate(url)
        engine = engine_from_url(url)
        env = await start_time_skipping()
        settings = Settings(
            database_url=url, task_queue=f"record-{uuid.uuid4().hex[:8]}", smtp_host=""
        )
        try:
            with ThreadPoolExecutor(max_workers=8) as executor, Session(engine) as session:
                async with build_worker(env.client, engine, settings, executor):
                    scenario = await run_scenario(env, session, settings.task_queue, policy)
                    assert scenario.handle is not None
                    case_id = scenario.handle.id
                    await env.client.get_workflow_handle(archive_workflow_id(case_id)).result()
                    history = await from_temporal(env.client, case_id)
                    assert history is not None
        finally:
            await env.shutdown()
            engine.dispose()
    document = history.to_json()
    document["recorded"] = {"policy": policy, "script": "scripts/record_histories.py"}
    path = OUT / f"{policy}.json"
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(history.runs)} runs, {history.event_count} events")
    return path


async def main(policies: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for policy in policies:
        await record(policy)


if __name__ == "__main__":
    chosen = sys.argv[1:] or list(POLICIES)
    unknown = sorted(set(chosen) - set(POLICIES))
    if unknown:
        sys.exit(f"unknown policies: {', '.join(unknown)} (known: {', '.join(POLICIES)})")
    asyncio.run(main(chosen))
