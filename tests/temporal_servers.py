"""Time-skipping test servers shared across tests, started on first use."""

from temporalio.testing import WorkflowEnvironment

from escalator.infra.temporal_search import start_time_skipping


class TemporalServers:
    """Shared time-skipping servers by name, each started when first asked for."""

    def __init__(self) -> None:
        self._started: dict[str, WorkflowEnvironment] = {}

    async def get(self, name: str) -> WorkflowEnvironment:
        if name not in self._started:
            self._started[name] = await start_time_skipping()
        return self._started[name]

    async def shutdown(self) -> None:
        for env in self._started.values():
            await env.shutdown()
