"""Every call that waits on a case's workflow answers within its bound, on a real dev server.

With no worker polling, Temporal holds a Query for 30 s and an Update for as long as the
client waits: `rpc_timeout` bounds one poll, not the call. The API gives up after
ESCALATOR_WORKFLOW_WAIT_SECONDS with a 503 and `Retry-After` that says what the caller
may assume, and a keyed retry once a worker is back applies the step exactly once.
"""

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from temporalio.worker import Worker

from activities import all_activities
from escalator.infra.settings import get_settings
from tests.audit.changed_case import UncheckedContactsWorkflow
from tests.live_stack import ROOT, LiveStack, live_stack
from tests.workflow.cases import delivered
from workflows.catalog import ALL_WORKFLOWS
from workflows.sandbox import workflow_runner

BOUND = 3.0
INTAKE = {
    "policy": "zsupport",
    "plan": "managed",
    "org": "acme",
    "severity": "standard",
    "subject": "Phones reboot every hour",
    "description": "All handsets reboot on the hour since Monday.",
    "contact": {"name": "Ada Admin", "email": "ada@acme.test"},
}


def bound(monkeypatch: pytest.MonkeyPatch, seconds: float) -> Iterator[None]:
    monkeypatch.setenv("ESCALATOR_WORKFLOW_WAIT_SECONDS", str(seconds))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def short_bound(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from bound(monkeypatch, BOUND)


@pytest.fixture
def replay_bound(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Long enough for a fresh worker to start and replay the case (it fails doing so)."""
    yield from bound(monkeypatch, 8)


async def timed(stack: LiveStack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    began = time.monotonic()
    response = await stack.api.request(method, path, **kwargs)
    # The bound, plus what the API itself needs on a loaded machine.
    assert time.monotonic() - began < BOUND + 5, f"{method} {path} took too long"
    return response


def notes_saying(case: dict[str, Any], text: str) -> int:
    return sum(1 for note in case["notes"] if note["text"] == text)


async def test_with_no_worker_every_call_answers_503_in_time_and_keyed_retries_apply_once(
    short_bound: None,
) -> None:
    async with live_stack() as stack:
        stack.publish(ROOT / "escalator" / "policies" / "zsupport.yaml")
        engineer = stack.headers("engineer")
        stack.engineers("grace")
        # Nothing has polled the task queue yet.
        health = await stack.api.get("/healthz")
        assert health.status_code == 503 and health.json()["worker"] == "down"
        assert "Retry-After" in health.headers
        ready = await stack.api.get("/readyz")
        assert ready.status_code == 503 and "Retry-After" in ready.headers
        assert ready.json() == {"namespace": "ok", "schema": "ok", "worker": "down"}
        async with stack.worker():
            opened = await stack.api.post(
                "/cases", json=INTAKE, headers=engineer | {"Idempotency-Key": "one"}
            )
            assert opened.status_code == 201, opened.text
            assert (await stack.api.get("/healthz")).json()["worker"] == "ok"
            assert (await stack.api.get("/readyz")).status_code == 200
        case_id = opened.json()["id"]

        # The worker is gone: a read, a keyed step, a new case; each a 503 within the bound.
        read = await timed(stack, "GET", f"/cases/{case_id}", headers=engineer)
        assert read.status_code == 503 and read.headers["Retry-After"] == "5"
        assert f"case {case_id} did not answer a read within 3 s" in read.json()["detail"]
        note = {"json": {"text": "called the customer"}}
        keyed = engineer | {"Idempotency-Key": "note-1"}
        step = await timed(stack, "POST", f"/cases/{case_id}/add-note", headers=keyed, **note)
        assert step.status_code == 503, step.text
        assert step.json()["detail"].startswith(f"case {case_id} did not answer")
        assert "retry it, with the same Idempotency-Key" in step.json()["detail"]
        # Without a key the step is sent: it may still apply.
        unkeyed = await timed(
            stack, "POST", f"/cases/{case_id}/assign", headers=engineer, json={"engineer": "grace"}
        )
        assert unkeyed.status_code == 503, unkeyed.text
        assert "not yet applied and may still apply" in unkeyed.json()["detail"]
        second = await timed(
            stack,
            "POST",
            "/cases",
            json=INTAKE | {"subject": "Voicemail is silent"},
            headers=engineer | {"Idempotency-Key": "two"},
        )
        assert second.status_code == 503, second.text
        assert second.json()["case_id"].startswith("case-")
        assert "accepted and will open" in second.json()["detail"]

        # A worker again: the retries get their answers, and nothing happened twice.
        async with stack.worker():
            again = await stack.api.post(
                f"/cases/{case_id}/add-note", headers=keyed, json={"text": "called the customer"}
            )
            assert again.status_code == 200, again.text
            once_more = await stack.api.post(
                f"/cases/{case_id}/add-note", headers=keyed, json={"text": "called the customer"}
            )
            assert notes_saying(once_more.json(), "called the customer") == 1
            reopened = await stack.api.post(
                "/cases",
                json=INTAKE | {"subject": "Voicemail is silent"},
                headers=engineer | {"Idempotency-Key": "two"},
            )
            assert reopened.status_code == 200, reopened.text
            assert reopened.json()["id"] == second.json()["case_id"]
            assert reopened.json()["ticket_number"].startswith("ZSU-")


async def test_a_case_whose_workflow_no_longer_runs_on_this_code_is_reported(
    replay_bound: None, caplog: pytest.LogCaptureFixture
) -> None:
    async with live_stack() as stack:
        stack.publish(ROOT / "escalator" / "policies" / "zsupport.yaml")
        engineer = stack.headers("engineer")
        # Recorded by other code (it never checks the requester with the registry) ...
        changed = [
            UncheckedContactsWorkflow,
            *(w for w in ALL_WORKFLOWS if w.__name__ != "CaseWorkflow"),
        ]
        with ThreadPoolExecutor(8) as executor:
            async with Worker(
                stack.client,
                task_queue=stack.settings.task_queue,
                workflows=changed,
                activities=all_activities(stack.engine, stack.settings),
                activity_executor=executor,
                workflow_runner=workflow_runner(),
                max_cached_workflows=0,
            ):
                opened = await stack.api.post("/cases", json=INTAKE, headers=engineer)
                assert opened.status_code == 201, opened.text
                # Its intake's e-mails sent: the case rests, with no task left for the next
                # worker but the read (the answer may come before them: local activities).
                await delivered(stack.client.get_workflow_handle(opened.json()["id"]))
        case_id = opened.json()["id"]
        # ... and read where the current code runs it: its history does not replay.
        with caplog.at_level(logging.ERROR, logger="escalator.api.workflows"):
            async with stack.worker(worker_cache_size=0):
                read = await stack.api.get(f"/cases/{case_id}", headers=engineer)
        assert read.status_code == 503, read.text
        detail = read.json()["detail"]
        assert "does not run on the current code" in detail and "Nondeterminism" in detail
        assert any(record.__dict__.get("alert") == "case_stuck" for record in caplog.records)
        metrics = (await stack.api.get("/metrics")).text
        assert "escalator_cases_stuck_total 1.0" in metrics
