"""The worker process: runs case workflows and their activities on the task queue."""

import asyncio
import compileall
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import RestrictedWorkflowAccessError

import workflows
from activities import all_activities
from escalator.infra.db import engine_from_url
from escalator.infra.logs import configure_logging, core_logging
from escalator.infra.settings import Settings, get_settings
from escalator.infra.temporal_client import connect_when_ready
from escalator.infra.temporal_search import wait_for_search_attributes
from workflows.catalog import ALL_WORKFLOWS
from workflows.sandbox import workflow_runner

log = logging.getLogger("escalator.worker")


def metrics_runtime(address: str) -> Runtime:
    """A Temporal runtime serving Prometheus metrics at `address`: the SDK's own (workflow
    tasks, activities, polls) and the cases' (workflows/case_metrics.py)."""
    return Runtime(
        telemetry=TelemetryConfig(
            logging=core_logging(),
            metrics=PrometheusConfig(bind_address=address, counters_total_suffix=True),
        )
    )


def cache_workflow_bytecode() -> bool:
    """Write the workflow modules' bytecode if it is missing or stale.

    The sandbox imports the workflow modules afresh for every case it starts. Without their
    bytecode on disk (PYTHONDONTWRITEBYTECODE, a fresh checkout) each import compiles them
    from source again: about a third of what a new case cost the worker (bench/RESULTS.md).
    False when the folder cannot be written: then each case compiles them.
    """
    return bool(compileall.compile_dir(Path(workflows.__file__).parent, quiet=1))


def build_worker(
    client: Client,
    engine: Engine,
    settings: Settings,
    executor: ThreadPoolExecutor,
    *,
    cache_workflows: bool = True,
    strict_sandbox: bool = False,
) -> Worker:
    """A worker with every workflow and activity; tests build theirs the same way.

    The workflow cache holds `ESCALATOR_WORKER_CACHE_SIZE` cases; the others replay from
    their history on their next task. Without the cache every task goes to the shared
    queue rather than to this worker's sticky one, as tests that stop a worker and start
    another need. `strict_sandbox` runs the case workflow's mixins inside the sandbox too
    (workflows/sandbox.py), as a test of their determinism does.
    """
    if not cache_workflow_bytecode():
        log.warning("cannot write the workflow modules' bytecode: every new case compiles them")
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=ALL_WORKFLOWS,
        activities=all_activities(engine, settings),
        activity_executor=executor,
        workflow_runner=workflow_runner(strict=strict_sandbox),
        # In the strict test a restricted call fails the case at once rather than retrying.
        workflow_failure_exception_types=[RestrictedWorkflowAccessError] if strict_sandbox else [],
        max_cached_workflows=settings.worker_cache_size if cache_workflows else 0,
    )


async def run_worker(settings: Settings | None = None) -> None:
    """Run until SIGINT or SIGTERM, then finish the tasks in hand and stop."""
    settings = settings or get_settings()
    configure_logging("worker", settings.log_format, settings.log_level)
    engine = engine_from_url(settings.database_url)
    address = settings.worker_metrics_address
    runtime = metrics_runtime(address) if address else None
    # However long it takes: a worker may start before the job that creates its namespace.
    client = await connect_when_ready(settings, runtime=runtime)
    # A case upserting an attribute the namespace lacks could not finish a workflow task.
    await wait_for_search_attributes(client)
    if address:
        log.info("worker metrics at http://%s/metrics", address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    with ThreadPoolExecutor(max_workers=16) as executor:
        async with build_worker(client, engine, settings, executor):
            log.info("worker polling task queue %r", settings.task_queue)
            await stop.wait()
    engine.dispose()


def main() -> None:
    asyncio.run(run_worker())


if __name__ == "__main__":
    main()
