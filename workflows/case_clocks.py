"""Clocks and timed actions of CaseWorkflow: target and tier clocks, and what fires on a timer.

The main loop (workflows/case.py `_live`) asks `plan_events` (models/case/schedule.py)
what falls due next and calls `_fire` when its timer fires: a breach, an escalation
rule's step (notify, page or escalate), a customer-wait reminder or closure, the
closure of an uncovered request, or the end of the case.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.case.resource import Credit
    from models.case.schedule import Planned, start_clock
    from models.case.state import TIER_RESPONSE
    from models.policy.escalation import EscalationStep
    from workflows import case_metrics

from workflows.case_base import TARGET_KINDS, CaseBase


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
                amount = f"{rule.amount.amount} {rule.amount.currency}" if rule.amount else ""
                self._change(
                    credits=[
                        *self.case.credits,
                        Credit(
                            reason=f"{kind} target missed",
                            detail=f"{rule.basis} {amount}".strip()
                            + (" (upon written request)" if rule.upon_request else ""),
                            at=workflow.now(),
                        ),
                    ]
                )
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
