"""Helpers to start cases on the example policies, as the API does, in workflow tests.

A test takes a `Desk` (the `desk` fixture, or `shared_desk` on the shared server), skips its
server to a quiet local instant with `quiet_start`, and opens cases there with `open_case_at`.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from escalator.policy_store import publish
from models.case.resource import Case, CaseInput, CaseIntake, CaseResult
from models.policy import Policy
from models.tables.client_registry import AuthorisedContactRow, CoverageRow
from tests.workflow.clock import advance_to, next_quiet
from workflows.case import CaseWorkflow

POLICIES = Path(__file__).resolve().parents[2] / "escalator" / "policies"
# Test-only policies (fasttest: targets of minutes), beside the examples.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def published(session: Session, name: str) -> tuple[int, dict[str, Any]]:
    path = POLICIES / f"{name}.yaml"
    row = publish(session, (path if path.exists() else FIXTURES / f"{name}.yaml").read_text())
    return row.version, row.body


def example_policy(session: Session, name: str) -> Policy:
    return Policy.model_validate(published(session, name)[1])


def add_contract(
    session: Session, plan: str, starts_at: datetime, expires_at: datetime, org: str = "acme"
) -> None:
    """A support contract of `org` at `plan` in the client registry (entitlement checks)."""
    reference = f"SSC-{starts_at:%Y%m%d}"
    session.add(
        CoverageRow(
            org=org,
            kind="contract",
            plan=plan,
            reference=reference,
            starts_at=starts_at,
            expires_at=expires_at,
        )
    )
    session.commit()


def authorise(session: Session, org: str, email: str) -> None:
    known = session.exec(
        select(AuthorisedContactRow)
        .where(AuthorisedContactRow.org == org)
        .where(func.lower(AuthorisedContactRow.email) == email.lower())
    ).first()
    if known is None:
        session.add(AuthorisedContactRow(org=org, email=email))
        session.commit()


async def open_case(
    client: Client,
    session: Session,
    task_queue: str,
    *,
    policy: str,
    plan: str,
    received_at: datetime,
    history_limit: int = 10_000,
    authorised: bool = True,
    deliver: bool = True,
    **intake: Any,
) -> tuple[WorkflowHandle[CaseWorkflow, CaseResult], Case]:
    """Start a case as the API does; its contact is an authorised contact of its organisation
    unless `authorised=False` (policies may refer strangers elsewhere or bill them). Returns
    once its intake notices are delivered, unless `deliver=False`."""
    version, body = published(session, policy)
    values: dict[str, Any] = {
        "policy": policy,
        "plan": plan,
        "org": "acme",
        "subject": "Calls drop after 30 seconds",
        "description": "Every outbound call drops.",
        "contact": {"name": "Ada Admin", "email": "ada@acme.test", "phone": "+1 303 555 0100"},
    }
    values.update(intake)
    if authorised:
        authorise(session, values["org"], values["contact"]["email"])
    case_id = f"case-{uuid.uuid4().hex[:20]}"
    handle = await client.start_workflow(
        CaseWorkflow.run,
        CaseInput(
            case_id=case_id,
            intake=CaseIntake.model_validate(values),
            received_at=received_at,
            policy_version=version,
            policy=body,
            history_limit=history_limit,
        ),
        id=case_id,
        task_queue=task_queue,
    )
    case = await handle.execute_update("intake_recorded", result_type=Case)
    if deliver:
        await delivered(handle)
    return handle, case


@dataclass(frozen=True)
class Desk:
    """Where a workflow test opens its cases: a time-skipping server, the session on the client
    registry and the policy store, and the task queue a worker serves."""

    env: WorkflowEnvironment
    session: Session
    task_queue: str

    async def quiet_start(
        self,
        policy: str,
        weekday: int,
        wall: wall_time,
        *,
        days: int = 21,
        calendar: str = "business",
        early: timedelta = timedelta(0),
    ) -> tuple[Policy, datetime]:
        """Skip the server to `early` before the next `weekday` at `wall` in the policy's
        `calendar` whose next `days` days hold no holiday; the policy and that instant."""
        example = example_policy(self.session, policy)
        now = await self.env.get_current_time()
        start = next_quiet(example.calendar(calendar), now, weekday, wall, days)
        await advance_to(self.env, start - early)
        return example, start

    async def open_case_at(
        self, at: datetime, policy: str, plan: str, **intake: Any
    ) -> tuple[WorkflowHandle[CaseWorkflow, CaseResult], Case]:
        """A case received at `at` (see `open_case` for `authorised`, `deliver`, ...)."""
        return await open_case(
            self.env.client,
            self.session,
            self.task_queue,
            policy=policy,
            plan=plan,
            received_at=at,
            **intake,
        )


async def step(handle: WorkflowHandle[Any, Any], name: str, body: BaseModel | None = None) -> Case:
    """Apply a step by the name the API and the case service use (`"request-info"`).

    By name, not by method: temporalio types an async update declared with `name=` as
    returning its coroutine, so `execute_update(CaseWorkflow.respond, ...)` is mistyped."""
    args = [] if body is None else [body]
    case: Case = await handle.execute_update(name, args=args, result_type=Case)
    return case


async def delivered(handle: WorkflowHandle[CaseWorkflow, CaseResult], within: float = 60) -> None:
    """Wait (real time) until the case has sent every e-mail and page it queued: steps answer
    before their notices go out."""
    deadline = time.monotonic() + within
    while pending := await handle.query(CaseWorkflow.pending_notices):
        assert time.monotonic() < deadline, f"notices still pending after {within}s: {pending}"
        await asyncio.sleep(0.05)
