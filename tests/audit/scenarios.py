"""One realistic case per example policy, driven on a time-skipping server at chosen instants.

Used by the audit tests and by scripts/record_histories.py (which records the
histories in tests/histories/). The case arrives on a Monday 09:00 in its plan's
calendar, in a week without holidays, and goes through the whole life:

    +0:10 acknowledge, +0:20 triage, +0:29 assign (before a 30m target falls due); with
    customer waits +0:40 request-info and a reply the next day at 10:00 local (steps below
    count from then), else the steps below count from +0:37 (off the round minutes where
    targets fall due: the test server mishandles an Update landing in the workflow task of a
    timer firing at the same instant); then +0:10 escalate to the next tier with its
    checklist, +0:20 respond, (protelecom: +0:25 ship a part, delivered the next day 10:00,
    its RMA returned at 10:10, and the steps below count from that day 10:00), +0:30 restore,
    +0:40 resolve, +0:50 close; the workflow runs until the reopen window has passed and it
    ends (the archiver then stores its history).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any

from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from escalator.inventory_seed import load_inventory_seed
from models.case.resource import Case, CaseResult
from models.case.steps import (
    Acknowledge,
    Assign,
    Close,
    CustomerReply,
    Escalate,
    ReceiveRma,
    RequestInfo,
    Resolve,
    Respond,
    Restore,
    ShipPart,
    Triage,
)
from models.field.records import Delivered, Shipment
from models.policy import Policy
from models.tables.client_registry import AuthorisedContactRow, CoverageRow
from models.time.business_time import BusinessCalendar
from tests.workflow.cases import example_policy, open_case
from tests.workflow.clock import advance_to, next_quiet
from workflows.case import CaseWorkflow

POLICIES = ("zsupport", "emetrotel", "maxony", "protelecom", "maltarea")
ENGINEER = "engineer:ada"
CONTACT = {"name": "Ada Admin", "email": "ada@acme.test", "phone": "+1 303 555 0100"}


@dataclass
class Scenario:
    policy: Policy
    plan: str
    severity: str
    start: datetime
    handle: WorkflowHandle[CaseWorkflow, CaseResult] | None = None
    # Instant of each step, by step name, as driven.
    steps: dict[str, datetime] = field(default_factory=dict)
    # The case as each step returned it.
    cases: dict[str, Case] = field(default_factory=dict)
    # Real time the drive took. The server's clock is the instants skipped to plus real time
    # passed since, so no event of the case lands further than this from its planned instant.
    real_time: timedelta = timedelta(0)


def _plan_and_severity(policy: Policy) -> tuple[str, str]:
    """The first plan with a response target, and its first severity that has one."""
    for plan in policy.plans:
        for severity in policy.severities:
            if policy.target_for(plan, severity.id, "response") is not None:
                return plan, severity.id
    raise AssertionError(f"policy {policy.name} has no response target")


def _next_tier(policy: Policy, current: str) -> tuple[str, dict[str, bool | str]] | None:
    level = policy.tier(current).level
    higher = sorted((t for t in policy.tiers if t.level > level), key=lambda t: t.level)
    if not higher:
        return None
    tier = higher[0]
    return tier.id, {item.id: True for item in tier.checklist}


def _registry(session: Session, policy: Policy, plan: str, start: datetime) -> None:
    """The requester is an authorised contact with an active contract at the plan's level."""
    session.add(AuthorisedContactRow(org="acme", email=CONTACT["email"], name=CONTACT["name"]))
    for kind in ("contract", "warranty"):
        session.add(
            CoverageRow(
                org="acme",
                kind=kind,
                plan=plan,
                reference=f"{kind.upper()}-1",
                starts_at=start - timedelta(days=365),
                expires_at=start + timedelta(days=365),
            )
        )
    session.commit()
    load_inventory_seed(session)
    session.commit()


async def _settled(
    handle: WorkflowHandle[CaseWorkflow, CaseResult], check: Callable[[Case], bool]
) -> Case:
    for _ in range(200):
        case = await handle.query(CaseWorkflow.get_case)
        if check(case):
            return case
        await asyncio.sleep(0.05)
    raise AssertionError("the case did not settle")


async def _field_service(
    env: WorkflowEnvironment,
    scenario: Scenario,
    step: Callable[[str, datetime, Any, Any], Awaitable[None]],
    at: datetime,
    calendar: BusinessCalendar,
) -> datetime:
    """A part shipped before the 15:00 cut-off, delivered the next morning, its RMA returned:
    three child workflows (shipment, RMA) whose histories belong to the case."""
    assert scenario.handle is not None
    await step(
        "ship-part",
        at + timedelta(minutes=25),
        CaseWorkflow.ship_part,
        ShipPart(actor=ENGINEER, sku="AV-CAM-PTZ", quantity=1),
    )
    shipment = scenario.cases["ship-part"].field_service.shipments[0]
    next_day = calendar.at_local(calendar.local_date(at) + timedelta(days=1), time(10, 0))
    await advance_to(env, next_day)
    await env.client.get_workflow_handle(shipment.workflow_id).execute_update(
        "delivered", Delivered(), result_type=Shipment
    )
    case = await _settled(scenario.handle, lambda c: bool(c.field_service.rmas))
    rma = case.field_service.rmas[0]
    await step(
        "receive-rma",
        next_day + timedelta(minutes=10),
        CaseWorkflow.receive_rma,
        ReceiveRma(actor=ENGINEER, rma_id=rma.id, tracking_number="1Z999AA10123456784"),
    )
    return next_day


async def run_scenario(
    env: WorkflowEnvironment, session: Session, task_queue: str, policy_name: str
) -> Scenario:
    """Drive the policy's case to its end; returns the instants of its steps."""
    client: Client = env.client
    began = monotonic()
    policy = example_policy(session, policy_name)
    plan, severity = _plan_and_severity(policy)
    calendar = policy.calendar(policy.plan(plan).calendar)
    now = await env.get_current_time()
    start = next_quiet(calendar, now, 0, time(9, 0), 21).astimezone(UTC)
    _registry(session, policy, plan, start)
    await advance_to(env, start)
    fields = {
        name: f"{name.replace('_', ' ')} given"
        for name in policy.intake.required_fields
        if not name.startswith("contact_")
    }
    handle, case = await open_case(
        client,
        session,
        task_queue,
        policy=policy_name,
        plan=plan,
        received_at=start,
        severity=severity,
        fields=fields,
        contact=CONTACT,
        subject="Calls drop after 30 seconds",
        region="north_america",
    )
    scenario = Scenario(policy, plan, severity, start, handle)
    scenario.cases["open"] = case
    at = start

    async def step(name: str, instant: datetime, update: object, body: object) -> None:
        await advance_to(env, instant)
        scenario.steps[name] = instant
        scenario.cases[name] = await handle.execute_update(update, body)  # type: ignore[call-overload]

    await step(
        "acknowledge",
        at + timedelta(minutes=10),
        CaseWorkflow.acknowledge,
        Acknowledge(actor=ENGINEER),
    )
    await step(
        "triage",
        at + timedelta(minutes=20),
        CaseWorkflow.triage,
        Triage(actor=ENGINEER, severity=severity, priority="high"),
    )
    await step(
        "assign",
        at + timedelta(minutes=29),
        CaseWorkflow.assign,
        Assign(actor=ENGINEER, engineer="ada"),
    )
    if policy.customer_wait is not None:
        await step(
            "request-info",
            at + timedelta(minutes=40),
            CaseWorkflow.request_info,
            RequestInfo(
                actor=ENGINEER, fields=["call_examples"], message="Please send call examples."
            ),
        )
        next_day = calendar.at_local(calendar.local_date(start) + timedelta(days=1), time(10, 0))
        at = next_day.astimezone(UTC)
        await step(
            "customer-reply",
            at,
            CaseWorkflow.customer_reply,
            CustomerReply(
                actor="contact:ada@acme.test",
                message="Calls to +1 303 555 0199 drop at 30 s.",
                fields={"call_examples": "2026 calls to +1 303 555 0199"},
            ),
        )
    else:
        # Off the round minutes where targets fall due (the test server mishandles an Update
        # landing in the workflow task of a timer firing at the same instant).
        at = start + timedelta(minutes=37)
    tier = _next_tier(policy, scenario.cases["assign"].tier or policy.entry_tier.id)
    if tier is not None:
        await step(
            "escalate",
            at + timedelta(minutes=10),
            CaseWorkflow.escalate,
            Escalate(
                actor=ENGINEER, to_tier=tier[0], reason="needs the next tier", checklist=tier[1]
            ),
        )
    await step(
        "respond",
        at + timedelta(minutes=20),
        CaseWorkflow.respond,
        Respond(actor=ENGINEER, message="We are on it."),
    )
    if policy_name == "protelecom":
        at = await _field_service(env, scenario, step, at, calendar)
    await step(
        "restore",
        at + timedelta(minutes=30),
        CaseWorkflow.restore,
        Restore(actor=ENGINEER, note="trunk reset"),
    )
    await step(
        "resolve",
        at + timedelta(minutes=40),
        CaseWorkflow.resolve,
        Resolve(actor=ENGINEER, resolution="SIP trunk timer corrected"),
    )
    await step("close", at + timedelta(minutes=50), CaseWorkflow.close, Close(actor=ENGINEER))
    await handle.result()
    scenario.real_time = timedelta(seconds=monotonic() - began)
    return scenario
