"""Which engineer step a case allows now, and why not: pure rules the workflow's validators call.

Each `refuse_*` returns None when the step is allowed, else the reason given
to the caller (HTTP 409); a refused step never enters the case history. `STEPS`
(at the end) puts each step's refusal beside the status it moves the case to.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from models.case.resource import CaseStatus
from models.case.schedule import reopen_deadline
from models.case.state import CaseState
from models.case.steps import Escalate, ReceiveRma, RequestInfo, Triage
from models.field.records import RMA_OPEN
from models.policy import Policy

OPEN_WORK = ("new", "acknowledged", "triaged", "assigned", "in_progress", "restored")
FINISHED = ("resolved", "closed")


def _finished(state: CaseState) -> str | None:
    status = state.case.status
    return f"the case is {status}" if status in FINISHED else None


def _blocked(state: CaseState) -> str | None:
    """Work waits for a purchase order when the contract has expired."""
    if state.case.entitlement == "po_required":
        return "the case is not covered: work waits for an approved purchase order (approve-po)"
    return None


def refuse_acknowledge(state: CaseState) -> str | None:
    if state.case.status != "new":
        return f"only a new case can be acknowledged; this one is {state.case.status}"
    return _blocked(state)


def refuse_triage(state: CaseState, policy: Policy, step: Triage) -> str | None:
    if reason := _finished(state) or _blocked(state):
        return reason
    if step.severity not in {severity.id for severity in policy.severities}:
        known = ", ".join(severity.id for severity in policy.severities)
        return f"policy {policy.name} has no severity {step.severity!r} (known: {known})"
    return None


def refuse_assign(state: CaseState) -> str | None:
    return _finished(state) or _blocked(state)


def refuse_respond(state: CaseState) -> str | None:
    if reason := _finished(state) or _blocked(state):
        return reason
    if state.case.status == "waiting_customer":
        return "the case is waiting on the customer; record their reply first (customer-reply)"
    return None


def refuse_request_info(state: CaseState, step: RequestInfo | None = None) -> str | None:
    if reason := _finished(state):
        return reason
    if state.case.status == "waiting_customer":
        return "the case is already waiting on the customer"
    return None


def refuse_customer_reply(state: CaseState) -> str | None:
    if state.case.status != "waiting_customer":
        return f"the case is not waiting on the customer (it is {state.case.status})"
    return None


def missing_checklist(policy: Policy, step: Escalate) -> list[str]:
    """Required checklist items of the target tier that are not done nor marked not applicable."""
    missing = []
    for item in policy.tier(step.to_tier).required_items:
        answer = step.checklist.get(item.id)
        done = answer is True or (item.applies_when is not None and answer == "n/a")
        if not done:
            missing.append(item.id)
    return missing


def refuse_escalate(state: CaseState, policy: Policy, step: Escalate) -> str | None:
    if reason := _finished(state) or _blocked(state):
        return reason
    tiers = {tier.id for tier in policy.tiers}
    if step.to_tier not in tiers:
        return f"policy {policy.name} has no tier {step.to_tier!r} (known: {', '.join(tiers)})"
    if step.to_tier == state.case.tier:
        return f"the case is already at tier {step.to_tier}"
    if missing := missing_checklist(policy, step):
        return f"the checklist of tier {step.to_tier} is not complete: {', '.join(missing)}"
    return None


def refuse_add_note(state: CaseState) -> str | None:
    return "the case is closed" if state.case.status == "closed" else None


def refuse_approve_po(state: CaseState) -> str | None:
    if state.case.entitlement != "po_required":
        return "the case does not wait for a purchase order"
    return None


def refuse_restore(state: CaseState) -> str | None:
    if reason := _finished(state) or _blocked(state):
        return reason
    if state.case.status == "restored":
        return "the service is already restored"
    return None


def refuse_resolve(state: CaseState) -> str | None:
    return _finished(state) or _blocked(state)


def refuse_close(state: CaseState) -> str | None:
    return "the case is already closed" if state.case.status == "closed" else None


def refuse_reopen(state: CaseState, policy: Policy, now: datetime) -> str | None:
    if state.case.status == "resolved":
        return None
    if state.case.status != "closed":
        return f"only a resolved or closed case can be reopened; this one is {state.case.status}"
    deadline = reopen_deadline(policy, state)
    if deadline is None:
        return f"policy {policy.name} does not allow reopening a closed case"
    if now >= deadline:
        return f"the reopen window ended at {deadline.isoformat()}"
    return None


def refuse_dispatch_onsite(state: CaseState, policy: Policy) -> str | None:
    if reason := _finished(state) or _blocked(state):
        return reason
    onsite = policy.field_service.onsite if policy.field_service else None
    if onsite is None:
        return f"policy {policy.name} offers no on-site dispatch"
    if state.case.plan not in onsite.plans:
        plans = ", ".join(onsite.plans)
        return f"plan {state.case.plan} has no on-site dispatch (only {plans})"
    return None


def refuse_ship_part(state: CaseState, policy: Policy, region: str | None) -> str | None:
    """`region`: the step's, else the case's; the warehouse and return window depend on it."""
    if reason := _finished(state) or _blocked(state):
        return reason
    service = policy.field_service
    parts = service.parts if service else None
    advance = service is not None and service.rma is not None and service.rma.advance_replacement
    if parts is None and not advance:
        return f"policy {policy.name} ships no replacement parts"
    if parts is not None and parts.plans is not None and state.case.plan not in parts.plans:
        return f"plan {state.case.plan} has no parts replacement (only {', '.join(parts.plans)})"
    if region is None:
        return "the case has no region: give the site's region (e.g. north_america, europe)"
    return None


def refuse_receive_rma(state: CaseState, policy: Policy, step: ReceiveRma) -> str | None:
    rma = state.case.field_service.rma(step.rma_id)
    if rma is None:
        known = ", ".join(r.id for r in state.case.field_service.rmas) or "none"
        return f"the case has no RMA {step.rma_id!r} (known: {known})"
    if rma.state not in RMA_OPEN:
        return f"RMA {rma.id} is already closed ({rma.state})"
    rules = policy.field_service.rma if policy.field_service else None
    if rules is not None and rules.tracking_number_required and not step.tracking_number:
        return "the return's tracking number is required (tracking_number)"
    return None


@dataclass(frozen=True)
class StepRule:
    """One engineer step: what refuses it, and where it moves the case's status."""

    # Called with the state first, then the step's own arguments (see the validators).
    refuse: Callable[..., str | None]
    # The status the step moves the case to; None: the step leaves the status as it is.
    to: CaseStatus | None = None
    # Only from these statuses (None: from any the step is allowed in).
    only_from: tuple[CaseStatus, ...] | None = None
    # Back to the status the case had before it waited on the customer, else `to`.
    resumes: bool = False


# By Update name (workflows/case_steps.py, workflows/case_field.py).
STEPS: dict[str, StepRule] = {
    "acknowledge": StepRule(refuse_acknowledge, to="acknowledged"),
    "triage": StepRule(refuse_triage, to="triaged", only_from=("new", "acknowledged")),
    "assign": StepRule(refuse_assign, to="assigned", only_from=("new", "acknowledged", "triaged")),
    "respond": StepRule(
        refuse_respond, to="in_progress", only_from=("new", "acknowledged", "triaged", "assigned")
    ),
    "request-info": StepRule(refuse_request_info, to="waiting_customer"),
    "customer-reply": StepRule(refuse_customer_reply, to="in_progress", resumes=True),
    "escalate": StepRule(refuse_escalate),
    "add-note": StepRule(refuse_add_note),
    "approve-po": StepRule(refuse_approve_po),
    "restore": StepRule(refuse_restore, to="restored"),
    "resolve": StepRule(refuse_resolve, to="resolved"),
    # The system's closures (referral, no reply, no purchase order) move it the same way.
    "close": StepRule(refuse_close, to="closed"),
    "reopen": StepRule(refuse_reopen, to="in_progress"),
    "dispatch-onsite": StepRule(refuse_dispatch_onsite),
    "ship-part": StepRule(refuse_ship_part),
    "receive-rma": StepRule(refuse_receive_rma),
}


def moved_to(step: str, state: CaseState) -> CaseStatus | None:
    """The status `step` moves the case to from where it is now; None: it stays."""
    rule = STEPS[step]
    if rule.to is None or (rule.only_from is not None and state.case.status not in rule.only_from):
        return None
    if rule.resumes:
        return state.status_before_wait or rule.to
    return rule.to


def _escalation_closed(state: CaseState, policy: Policy) -> str | None:
    if reason := _finished(state) or _blocked(state):
        return reason
    if all(tier.id == state.case.tier for tier in policy.tiers):
        return f"policy {policy.name} has no other tier to escalate to"
    return None


def _no_open_rma(state: CaseState) -> str | None:
    if not any(rma.state in RMA_OPEN for rma in state.case.field_service.rmas):
        return "the case has no open RMA"
    return None


# Each step's refusal that no body can lift: what `open_steps` asks. Where a step's own
# arguments decide too (a severity, a tier and its checklist, a region, an RMA), the
# validator still has the last word when the step is sent.
_REFUSED_WHATEVER_THE_BODY: dict[str, Callable[[CaseState, Policy, datetime], str | None]] = {
    "acknowledge": lambda state, _policy, _now: refuse_acknowledge(state),
    "triage": lambda state, _policy, _now: _finished(state) or _blocked(state),
    "assign": lambda state, _policy, _now: refuse_assign(state),
    "respond": lambda state, _policy, _now: refuse_respond(state),
    "request-info": lambda state, _policy, _now: refuse_request_info(state),
    "customer-reply": lambda state, _policy, _now: refuse_customer_reply(state),
    "escalate": lambda state, policy, _now: _escalation_closed(state, policy),
    "add-note": lambda state, _policy, _now: refuse_add_note(state),
    "approve-po": lambda state, _policy, _now: refuse_approve_po(state),
    "restore": lambda state, _policy, _now: refuse_restore(state),
    "resolve": lambda state, _policy, _now: refuse_resolve(state),
    "close": lambda state, _policy, _now: refuse_close(state),
    "reopen": refuse_reopen,
    "dispatch-onsite": lambda state, policy, _now: refuse_dispatch_onsite(state, policy),
    # The step may name the site's region when the case has none.
    "ship-part": lambda state, policy, _now: refuse_ship_part(state, policy, "given"),
    "receive-rma": lambda state, _policy, _now: _no_open_rma(state),
}


def open_steps(state: CaseState, policy: Policy, now: datetime) -> dict[str, str | None]:
    """Every step by name: None when the case may take it now (given a body its validator
    accepts), else the reason it is refused whatever the body. The portal offers the steps
    this allows; the validators refuse by the same rules."""
    return {name: rule(state, policy, now) for name, rule in _REFUSED_WHATEVER_THE_BODY.items()}
