"""The bare baseline's worker as its own process, so its CPU and memory can be read apart:

.venv/bin/python -m bench.bare_worker --address 127.0.0.1:7233 --task-queue bench-bare
"""

import argparse
import asyncio
import signal

from temporalio.worker import Worker

from bench.bare_case import BareCaseWorkflow, bare_step
from escalator.infra.settings import Settings
from escalator.infra.temporal_client import connect
from workflows.sandbox import workflow_runner


async def serve(address: str, task_queue: str) -> None:
    client = await connect(Settings(temporal_address=address))
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    # The same sandbox as Escalator's worker: the comparison is of the work, not the runner.
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[BareCaseWorkflow],
        activities=[bare_step],
        workflow_runner=workflow_runner(),
    ):
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--task-queue", required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.address, args.task_queue))


if __name__ == "__main__":
    main()
