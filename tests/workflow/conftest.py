"""A time-skipping server of its own for tests that skip days: on the shared one, cases left
running by earlier tests (whose workers are gone) hold time still."""

from collections.abc import AsyncIterator

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from escalator.temporal_server import temporal_test_server


@pytest.fixture
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=temporal_test_server()
    )
    yield env
    await env.shutdown()
