"""One realistic case per example policy, driven on a time-skipping server at chosen instants.

Used by the audit tests and by scripts/record_histories.py (which records the
histories in tests/histories/). The case arrives on a Monday 09:00 in its plan's
calendar, in a week without holidays, and goes through the whole life:

    +0:10 acknowledge   +0:20 triage   +0:30 assign   +0:40 request-info (if the policy has
    customer waits; the customer replies the next business day at 10:00, after the first
    reminder of a 9h policy)   then +0:10 escalate to the next tier with its checklist,
    +0:20 respond, +0:30 restore, +0:40 resolve, +0:50 close, and the workflow runs on until
    the reopen window has passed and it ends (the archiver then stores its history).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from models.case import Case, CaseResult
from models.policy import Policy
from models.registry import AuthorisedContactRow, CoverageRow
from models.steps import (
    Acknowledge,
    Assign,
    Close,
    CustomerReply,
    Escalate,
    RequestInfo,
    Resolve,
    Respond,
    Restore,
    Triage,
)
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


async def run_scenario(
    env: WorkflowEnvironment, session: Session, task_queue: str, policy_name: str
) -> Scenario:
    """Drive the policy's case to its end; returns the instants of its steps."""
    client: Client = env.client
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
        at + timedelta(minutes=30),
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
        at = start + timedelta(minutes=40)
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
    return scenario
