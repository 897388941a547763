"""Clocks and timed actions of CaseWorkflow: target and tier clocks, and what fires on a timer.

The main loop (workflows/case.py `_live`) asks `plan_events` (models/case/schedule.py)
what falls due next and calls `_fire` when its timer fires: a breach, an escalation
rule's step (notify, page or escalate), a customer-wait reminder or closure, the
closure of an uncovered request, or the end of the case.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.case.credits import prorated
    from models.case.registry_facts import ContractFacts
    from models.case.resource import Credit
    from models.case.schedule import Planned, start_clock
    from models.case.state import TIER_RESPONSE
    from models.policy.escalation import EscalationStep
    from models.policy.service import CreditRule
    from workflows import case_metrics

from workflows.case_base import TARGET_KINDS, CaseBase

# Credits name their target and carry their amount: fixed at the breach, prorated from the
# case's recorded contract once the service is restored (before: a line of text).
CREDITS_PATCH = "credit-amounts"


class CaseClocks(CaseBase):
    """The SLA clocks of a case and the timed actions they drive."""

    # -- clocks ----------------------------------------------------------------------------

    def _start_target_clocks(self) -> None:
        """Response, restoration and resolution clocks from `received_at`, for the severity."""
        severity = self.case.severity
        if severity is None:
            return
        for kind in TARGET_KINDS:
            target = self.policy.target_for(
                self.case.plan, severity, kind, outside_hours=self.state.outside_hours
            )
            previous = self.state.clocks.get(kind)
            if target is None:
                self.state.clocks.pop(kind, None)
                continue
            clock = start_clock(self.policy, target, self.case.received_at)
            if previous is not None:
                # A new severity changes the target, not what already happened.
                clock.pauses = list(previous.pauses)
                clock.met_at = previous.met_at
            self.state.clocks[kind] = clock
            self.state.targets[kind] = str(target.duration)

    def _start_tier_clock(self, tier: str, at: datetime) -> None:
        target = self.policy.tier_response(self.case.plan, tier)
        if target is None:
            self.state.clocks.pop(TIER_RESPONSE, None)
            return
        self.state.clocks[TIER_RESPONSE] = start_clock(self.policy, target, at)
        self.state.targets[TIER_RESPONSE] = f"{target.duration} ({tier})"

    def _pause_clocks(self, at: datetime) -> None:
        for clock in self.state.clocks.values():
            if clock.met_at is None and not clock.paused:
                clock.pause(max(at, clock.started_at))

    def _resume_clocks(self, at: datetime) -> None:
        for clock in self.state.clocks.values():
            if clock.paused:
                clock.resume(at)

    def _meet(self, kind: str, at: datetime) -> None:
        clock = self.state.clocks.get(kind)
        if clock is not None and clock.met_at is None:
            clock.met(max(at, clock.started_at))

    # -- credits: what a missed target earns the client (models/case/credits.py) ----------

    def _credit_for(self, rule: CreditRule, kind: str) -> Credit:
        """The credit a breach earns. Since CREDITS_PATCH it names its target and carries an
        amount: a fixed one now, a prorated one once the service is restored."""
        amount = f"{rule.amount.amount} {rule.amount.currency}" if rule.amount else ""
        upon = " (upon written request)" if rule.upon_request else ""
        credit = Credit(
            reason=f"{kind} target missed",
            detail=f"{rule.basis} {amount}".strip() + upon,
            at=workflow.now(),
        )
        if not workflow.patched(CREDITS_PATCH):
            return credit
        credit = credit.model_copy(update={"target": kind, "upon_request": rule.upon_request})
        if rule.amount is not None:
            return credit.model_copy(
                update={
                    "amount": str(rule.amount.amount),
                    "currency": rule.amount.currency,
                    "computation": f"a fixed {rule.amount.amount} {rule.amount.currency}",
                }
            )
        period = "from receipt" if rule.period == "outage" else "beyond the deadline"
        return credit.model_copy(
            update={"detail": f"prorated monthly fee, {period} to restoration{upon}"}
        )

    def _settle_credits(self, kind: str, at: datetime) -> None:
        """Prorate the credits `kind`'s breach earned, now that its target is met at `at`."""
        open_credits = [c for c in self.case.credits if c.target == kind and c.computation is None]
        if not open_credits:
            return
        rule = next((r for r in self.policy.credits if r.target == kind), None)
        clock = self.state.clocks.get(kind)
        facts = self.state.registry
        contract = facts.contract if facts else None
        start = self.case.received_at
        if rule is not None and rule.period == "beyond_target" and clock is not None:
            start = clock.due_at() or start
        settled: list[Credit] = []
        for credit in self.case.credits:
            if credit in open_credits:
                credit = credit.model_copy(update=self._prorated(contract, start, at))
            settled.append(credit)
        self._change(credits=settled)

    def _prorated(
        self, contract: ContractFacts | None, start: datetime, end: datetime
    ) -> dict[str, Any]:
        """The amount and its computation; the client's month is in its registry zone, else
        in that of its plan's calendar."""
        if contract is None or contract.monthly_fee is None or contract.currency is None:
            return {"computation": "no monthly fee of the case's system is in the registry"}
        facts = self.state.registry
        plan_zone = self.policy.calendar_spec(self.policy.plan(self.case.plan).calendar).timezone
        zone_name = (facts.org_time_zone if facts else None) or plan_zone
        amount, how = prorated(
            Decimal(contract.monthly_fee),
            contract.currency,
            contract.minor_units if contract.minor_units is not None else 2,
            start,
            end,
            zone_name,
        )
        return {"amount": str(amount), "currency": contract.currency, "computation": how}

    def _enter_tier(self, tier: str, at: datetime, actor: str, reason: str) -> None:
        self._change(tier=tier)
        self._start_tier_clock(tier, at)
        self._note(f"escalated to {tier}: {reason}", actor)

    # -- timed actions -----------------------------------------------------------------------

    async def _fire(self, planned: Planned, timers_drive: bool) -> None:
        now = workflow.now()
        # A timer may fire in a task whose clock lags it: the action happened when it fell due.
        self.state.fired[planned.key] = max(now, planned.at) if timers_drive else now
        if planned.kind == "breach":
            await self._breach(planned)
        elif planned.kind == "step":
            assert planned.rule is not None and planned.step is not None
            trigger = planned.rule.trigger
            if trigger.target is not None and trigger.at is not None and trigger.at < 100:
                case_metrics.count(
                    case_metrics.SLA_WARNINGS, policy=self.policy.name, target=trigger.target
                )
            await self._run_step(planned.key, planned.rule.id, planned.step)
        elif planned.kind == "wait_reminder":
            await self._email_contact(
                planned.key,
                "Reminder: we are waiting for your reply",
                "We are still waiting for the information we asked for. "
                "Please reply keeping the ticket number in the subject.",
            )
        elif planned.kind == "wait_close":
            wait = self.policy.customer_wait
            after = wait.auto_close_after if wait else None
            self._close(now, f"auto-closed: no reply from the customer within {after}", "system")
            await self._email_contact(
                planned.key,
                "Case closed for lack of reply",
                f"We closed this case because we received no reply within {after}.",
            )
        elif planned.kind == "uncovered_close":
            self._close(now, "auto-closed: no purchase order for an uncovered request", "system")
        elif planned.kind == "finish":
            self._finished = True
        self._touch()
        await self._project()

    async def _breach(self, planned: Planned) -> None:
        assert planned.clock is not None
        kind = planned.clock
        self._note(f"{kind} target breached", "system")
        case_metrics.count(case_metrics.SLA_BREACHES, policy=self.policy.name, target=kind)
        # Each credit rule of the missed target (state only: no command, replays unchanged).
        for rule in self.policy.credits:
            if rule.target == kind:
                self._change(credits=[*self.case.credits, self._credit_for(rule, kind)])
        if self.policy.page_all(self.case.severity):
            await self._page_team(
                self._tier_team_id(),
                "all",
                planned.key,
                f"{kind} target breached on {self.case.severity} case: {self.case.subject}",
            )

    async def _run_step(self, key: str, rule_id: str, step: EscalationStep) -> None:
        title = f"escalation rule {rule_id}"
        if step.notify is not None:
            await self._notify_team(step.notify, step.round_robin, key, title)
        elif step.page is not None:
            await self._page_team(step.page, step.page_who, key, f"{title}: {self.case.subject}")
        elif step.escalate is not None and step.escalate != self.case.tier:
            self._enter_tier(step.escalate, workflow.now(), "system", f"by {title}")
            await self._notify_team(
                self._tier_team_id(), False, key, f"case escalated to you ({title})"
            )
