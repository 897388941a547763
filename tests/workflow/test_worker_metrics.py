"""The worker's /metrics: the SDK's own and what cases did, counted once per thing done."""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from models.case.steps import AddNote
from tests.receivers import free_port
from tests.workflow.cases import delivered, example_policy, open_case, step
from tests.workflow.clock import advance_to
from tests.workflow.conftest import Wired
from worker import build_worker, metrics_runtime
from workflows.case import CaseWorkflow


def total(text: str, name: str, **labels: str) -> float:
    """The sum of `name`'s samples carrying `labels` (the SDK adds its own: namespace, task
    queue, workflow type)."""
    wanted = set(labels.items())
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and wanted <= set(sample.labels.items())
    )


async def metrics_client(env: WorkflowEnvironment, address: str) -> Client:
    """A client on `env` whose workers serve their metrics at `address`."""
    return await Client.connect(
        env.client.service_client.config.target_host,
        namespace=env.client.namespace,
        data_converter=pydantic_data_converter,
        runtime=metrics_runtime(address),
    )


async def test_cases_opened_and_steps_applied_are_counted_once(
    own_env: WorkflowEnvironment, wired: Wired, engine: Engine, session: Session
) -> None:
    example_policy(session, "zsupport")
    address = f"127.0.0.1:{free_port()}"
    client = await metrics_client(own_env, address)
    settings = wired.settings.model_copy(update={"task_queue": f"metrics-{uuid.uuid4().hex[:8]}"})
    with ThreadPoolExecutor(max_workers=4) as executor:
        # No cache: every task replays the case's history, which must count nothing again.
        async with build_worker(client, engine, settings, executor, cache_workflows=False):
            handle, _ = await open_case(
                client,
                session,
                settings.task_queue,
                policy="zsupport",
                plan="managed",
                severity="standard",
                received_at=await own_env.get_current_time(),
            )
            for text in ("called the customer", "left a voicemail"):
                await step(handle, "add-note", AddNote(text=text, actor="e:avery"))
            deadline = time.monotonic() + 10
            while True:
                async with httpx.AsyncClient() as http:
                    scraped = (await http.get(f"http://{address}/metrics")).text
                opened = total(
                    scraped, "escalator_cases_opened_total", policy="zsupport", severity="standard"
                )
                if opened or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)

    assert opened == 1
    assert total(scraped, "escalator_steps_applied_total", policy="zsupport", step="add-note") == 2
    # The SDK's own metrics come through the same exporter.
    assert "temporal_workflow_completed" in scraped or "temporal_workflow_task" in scraped


async def test_warnings_breaches_and_failed_notices_are_counted_by_policy_and_kind(
    own_env: WorkflowEnvironment, wired: Wired, engine: Engine, session: Session
) -> None:
    address = f"127.0.0.1:{free_port()}"
    client = await metrics_client(own_env, address)
    # The contact's mailbox refuses everything: each e-mail to it fails for good (a 550).
    wired.mailbox.refuse.add("ada@acme.test")
    settings = wired.settings.model_copy(update={"task_queue": f"metrics-{uuid.uuid4().hex[:8]}"})
    start = await own_env.get_current_time()
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(client, engine, settings, executor, cache_workflows=False):
            handle, _ = await open_case(
                client,
                session,
                settings.task_queue,
                policy="fasttest",
                plan="fast",
                severity="critical",
                received_at=start,
            )
            # Response: warned at 1 minute (50%), breached at 2; restoration breached at 3.
            await advance_to(own_env, start + timedelta(minutes=4))
            await delivered(handle)
            case = await handle.query(CaseWorkflow.get_case)
            async with httpx.AsyncClient() as http:
                scraped = (await http.get(f"http://{address}/metrics")).text

    failed = [note for note in case.notes if note.text.startswith("notice failed: e-mail")]
    assert failed, "the contact's e-mails failed"
    assert total(scraped, "escalator_notices_failed_total", channel="email") == len(failed)
    assert total(scraped, "escalator_notices_failed_total", channel="page") == 0
    warnings = "escalator_sla_warnings_total"
    assert total(scraped, warnings, policy="fasttest", target="response") == 1
    assert total(scraped, warnings, policy="fasttest") == 1
    breaches = "escalator_sla_breaches_total"
    assert total(scraped, breaches, policy="fasttest", target="response") == 1
    assert total(scraped, breaches, policy="fasttest", target="restoration") == 1
