"""When each timed action of a case falls due: pure planning over the policy and the state.

The workflow asks `plan_events` after every change, sleeps until the earliest
instant, and fires what is due. Each planned action has a key; the state
records fired keys, so an action never happens twice and a replay plans the
same actions at the same instants.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from models.case.state import CaseState
from models.policy import Policy, TargetTime
from models.policy.durations import Span
from models.policy.escalation import EscalationRule, EscalationStep
from models.time.sla_clock import SlaClock

EventKind = Literal["breach", "step", "wait_reminder", "wait_close", "uncovered_close", "finish"]
CLOSED_FOR_RULES = ("resolved", "closed")


@dataclass(frozen=True)
class Planned:
    key: str
    at: datetime
    kind: EventKind
    clock: str | None = None
    rule: EscalationRule | None = None
    step: EscalationStep | None = None


def span_target(policy: Policy, plan: str, span: Span) -> TargetTime:
    """A policy duration counted in the plan's calendar unless it names one (or is wall time)."""
    if span.duration.wall:
        return TargetTime(span.duration, "always")
    return TargetTime(span.duration, span.calendar or policy.plan(plan).calendar)


def span_due(policy: Policy, plan: str, span: Span, start: datetime) -> datetime:
    return policy.due_at(span_target(policy, plan, span), start)


def start_clock(policy: Policy, target: TargetTime, start: datetime) -> SlaClock:
    """A clock for `target`; "5d" becomes the business time to the close of the 5th day."""
    calendar = policy.calendar(target.calendar)
    duration = target.duration.timedelta
    if duration is None or target.duration.wall:
        duration = calendar.elapsed(start, policy.due_at(target, start))
    return SlaClock.start(calendar, duration, start)


def _trigger_at(
    policy: Policy, state: CaseState, rule: EscalationRule
) -> tuple[str, datetime] | None:
    """The rule's trigger instant and an episode id (a new tier clock is a new episode)."""
    trigger = rule.trigger
    if trigger.acknowledged_not_restored is not None:
        restoration = state.clocks.get("restoration")
        if state.acknowledged_at is None or (restoration and restoration.met_at is not None):
            return None
        if state.case.status in ("restored", *CLOSED_FOR_RULES):
            return None
        at = span_due(
            policy, state.case.plan, trigger.acknowledged_not_restored, state.acknowledged_at
        )
        return state.acknowledged_at.isoformat(), at
    assert trigger.target is not None and trigger.at is not None
    clock = state.clocks.get(trigger.target)
    if clock is None or clock.met_at is not None:
        return None
    due = clock.due_at(trigger.at / 100)
    if due is None:  # paused: waiting on the customer
        return None
    return clock.started_at.isoformat(), due


def _step_plans(
    policy: Policy, state: CaseState, rule: EscalationRule, episode: str, trigger_at: datetime
) -> list[Planned]:
    plans: list[Planned] = []
    previous = trigger_at
    for index, step in enumerate(rule.steps):
        key = f"rule:{rule.id}:{episode}:{index}"
        if key not in state.fired:
            at = (
                previous
                if step.after is None
                else span_due(policy, state.case.plan, step.after, previous)
            )
            if step.only_during is not None:
                at = policy.calendar(step.only_during).next_open(at)
            plans.append(Planned(key, at, "step", rule=rule, step=step))
            break  # the next step counts from this one's firing
        if step.repeat is not None:
            last_key = key
            for repeat in range(1, step.repeat.times + 1):
                repeat_key = f"{key}:repeat{repeat}"
                if repeat_key not in state.fired:
                    at = span_due(policy, state.case.plan, step.repeat.every, state.fired[last_key])
                    if step.only_during is not None:
                        at = policy.calendar(step.only_during).next_open(at)
                    plans.append(Planned(repeat_key, at, "step", rule=rule, step=step))
                    break
                last_key = repeat_key
        previous = state.fired[key]
    return plans


def plan_events(policy: Policy, state: CaseState) -> list[Planned]:
    """Every timed action not yet fired, with its instant (may be in the past: fire it now)."""
    case = state.case
    plans: list[Planned] = []
    open_case = case.status not in CLOSED_FOR_RULES
    if open_case and case.entitlement != "po_required":
        for kind, clock in state.clocks.items():
            key = f"breach:{kind}:{clock.started_at.isoformat()}"
            due = clock.due_at()
            if clock.met_at is None and due is not None and key not in state.fired:
                plans.append(Planned(key, due, "breach", clock=kind))
        for rule in policy.escalation:
            if not rule.applies_to(case.plan, case.severity, case.tier):
                continue
            triggered = _trigger_at(policy, state, rule)
            if triggered is not None:
                plans.extend(_step_plans(policy, state, rule, *triggered))
    wait = policy.customer_wait
    if case.status == "waiting_customer" and wait is not None and state.waiting_since:
        for index, reminder in enumerate(wait.reminders):
            key = f"wait{state.wait_number}:reminder{index}"
            if key not in state.fired:
                at = span_due(policy, case.plan, reminder, state.waiting_since)
                plans.append(Planned(key, at, "wait_reminder"))
        if wait.auto_close_after is not None:
            at = span_due(policy, case.plan, wait.auto_close_after, state.waiting_since)
            plans.append(Planned(f"wait{state.wait_number}:close", at, "wait_close"))
    entitlement = policy.entitlement
    if case.entitlement == "po_required" and case.status != "closed" and entitlement:
        if entitlement.close_uncovered_after is not None:
            at = span_due(policy, case.plan, entitlement.close_uncovered_after, case.received_at)
            plans.append(Planned("entitlement:close", at, "uncovered_close"))
    if case.status == "closed" and state.closed_at is not None:
        # The workflow ends once the case can no longer be reopened.
        end = reopen_deadline(policy, state) or state.closed_at
        plans.append(Planned(f"finish:{state.closed_at.isoformat()}", end, "finish"))
    return sorted(plans, key=lambda planned: (planned.at, planned.key))


def reopen_deadline(policy: Policy, state: CaseState) -> datetime | None:
    """Until when a closed case may be reopened; None when the policy allows no reopening."""
    if policy.reopen_window is None or state.closed_at is None:
        return None
    return span_due(policy, state.case.plan, policy.reopen_window, state.closed_at)
