"""CaseWorkflow: one durable workflow per support case, from intake to closure.

Decisions only: every side effect (ticket numbers, registry checks, e-mail,
pages, the read model) is an activity. The case id is the workflow id, the
policy version is pinned in the input, and every rule comes from that policy:
this file names no organisation.

The main loop asks `plan_events` (models/case/schedule.py) what is due next,
sleeps until then or until a step changes the case, and fires what is due.
Engineer steps are Updates whose validators (models/case/transitions.py)
refuse a step the case does not allow now, so it never enters history.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.client_registry import RegistryActivities
    from activities.projection import ProjectionActivities
    from activities.tickets import TicketActivities
    from models.audit.history import ArchiveRequest
    from models.case import transitions as rules
    from models.case.activity_inputs import (
        ContactRequest,
        EntitlementRequest,
        TicketRequest,
    )
    from models.case.resource import Case, CaseInput, CaseResult, Charge, Credit, Note
    from models.case.schedule import Planned, plan_events, start_clock
    from models.case.state import TIER_RESPONSE, CaseState
    from models.case.step_requests import is_keyed, step_digest
    from models.case.steps import (
        Acknowledge,
        AddNote,
        ApprovePo,
        Assign,
        Close,
        CustomerReply,
        DispatchOnsite,
        Escalate,
        ReceiveRma,
        Reopen,
        RequestInfo,
        Resolve,
        Respond,
        Restore,
        ShipPart,
        StepBody,
        Triage,
    )
    from models.field.deadlines import onsite_promise
    from models.field.records import (
        RECEIVED_SIGNAL,
        REPORT_SIGNAL,
        RMA_OPEN,
        CaseBrief,
        Dispatch,
        DispatchInput,
        FieldServiceReport,
        RmaReceipt,
        RmaReturn,
        Shipment,
        ShipmentInput,
    )
    from models.policy import Policy
    from models.policy.escalation import EscalationStep, TargetKind
    from models.policy.intake import given_by_intake
    from workflows import case_metrics, case_search, messages
    from workflows.archive import ArchiveCaseWorkflow, archive_workflow_id
    from workflows.case_notices import SENDERS_PATCH, CaseNotices

# Activities talk to local services; retry them patiently rather than lose a step.
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
_SHORT = timedelta(seconds=30)
TARGET_KINDS: tuple[TargetKind, ...] = ("response", "restoration", "resolution")
# Since EDGES_PATCH (workflows/case_notices.py), timed actions fire when their timer fires,
# not when the clock reads past them (`_live`), and a required field the intake already
# carries (its `filled_by`) counts as given: before, a case opened with a full description
# was charged for its problem_description. One patch for all three: each costs history events.
MIN_TIMER = timedelta(milliseconds=1)
# How long ship-part and receive-rma wait for their child's first answer: well inside the
# API's bound on a step (api/workflow_calls.py), so the step answers, the child carries on.
STEP_WAIT = timedelta(seconds=5)
# Cases that finish start an ArchiveCaseWorkflow (workflows/archive.py) as their last command.
ARCHIVE_PATCH = "archive-on-finish"
# Requesters who are not authorised contacts get the policy's message; `others: refer`
# closes their case as referred to their provider (before: every such case was billable).
CONTACT_POLICY_PATCH = "contact-others"


def _refuse(reason: str | None) -> None:
    if reason is not None:
        raise ValueError(reason)


@workflow.defn
class CaseWorkflow(CaseNotices):
    @workflow.init
    def __init__(self, case_input: CaseInput) -> None:
        # From the input here, not in `run`: an Update can reach a run that continued as new
        # in its first workflow task, before `run` starts, and its validator reads the state.
        # (No command changes, and refused Updates never enter history: replays are unchanged.)
        self._input = case_input
        self._policy = Policy.model_validate(case_input.policy)
        self._state: CaseState | None = (
            None if case_input.state is None else CaseState.model_validate(case_input.state)
        )
        self._changed = False
        self._finished = False
        self._notices_mode = None
        self._notices_closing = False
        self._senders_wait = False
        self._search = case_search.CaseSearch()

    # -- accessors -------------------------------------------------------------------------

    @property
    def state(self) -> CaseState:
        # A continued run has its state from __init__; a new case, once its intake has run.
        assert self._state is not None, "the case has not finished its intake yet; retry"
        return self._state

    @property
    def case(self) -> Case:
        return self.state.case

    @property
    def policy(self) -> Policy:
        return self._policy

    # -- the case's life -------------------------------------------------------------------

    @workflow.run
    async def run(self, case_input: CaseInput) -> CaseResult:
        # Asked first, so a run takes one path throughout (older histories: the old one).
        timers_drive = self._current_rules()
        senders = []
        if timers_drive:
            self._senders_wait = workflow.patched(SENDERS_PATCH)
            senders = [
                asyncio.create_task(self._deliver_notices(channel)) for channel in ("email", "page")
            ]
        if self._state is None:
            await self._intake(case_input)
        await self._live(timers_drive)
        # Field-service deadlines outlive the case's own: end only once none is left.
        await workflow.wait_condition(self.case.field_service.settled)
        await workflow.wait_condition(workflow.all_handlers_finished)
        # What the case still owes people goes out before it ends.
        self._notices_closing = True
        for sender in senders:
            await sender
        await self._start_archiver()
        return CaseResult(
            case_id=self.case.id,
            ticket_number=self.case.ticket_number,
            status=self.case.status,
            closed_at=self.state.closed_at,
        )

    async def _live(self, timers_drive: bool) -> None:
        """Fire each timed action when it falls due, until the case is final.

        Since EDGES_PATCH an action fires because the timer set for it fired, never because
        the clock says so: a worker replaying a cold case may see a timer fire in a workflow
        task whose clock is that of an earlier task (tests/audit/test_clock_independence.py).
        `horizon` is the instant the fired timer was set for; what falls due by then fires.
        """
        horizon: datetime | None = None
        while not self._finished:
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    self._input.model_copy(update={"state": self.state.model_dump(mode="json")})
                )
            now = workflow.now()
            plans = plan_events(self.policy, self.state)
            due_by = horizon if timers_drive else now
            if plans and due_by is not None and plans[0].at <= due_by:
                await self._fire(plans[0], timers_drive)
                continue
            horizon = None
            self._changed = False
            timeout = (plans[0].at - now) if plans else None
            if timers_drive and timeout is not None:
                # An overdue action gets a timer too: whether it is overdue depends on the clock.
                timeout = max(timeout, MIN_TIMER)
            try:
                await workflow.wait_condition(lambda: self._changed, timeout=timeout)
            except TimeoutError:
                horizon = plans[0].at if plans else None

    async def _start_archiver(self) -> None:
        """Hand the finished case to its archiver, which outlives this workflow (audit trail)."""
        if workflow.patched(ARCHIVE_PATCH):
            await workflow.start_child_workflow(
                ArchiveCaseWorkflow.run,
                ArchiveRequest(case_id=self.case.id),
                id=archive_workflow_id(self.case.id),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        length, limit = info.get_current_history_length(), self._input.history_limit
        due = info.is_continue_as_new_suggested() or length > limit
        # With notices in the outbox, the next run would send them again (idempotently) and
        # grow as fast: wait for them to go out, unless the history grows far past its limit.
        return due and (not self.state.outbox or length > 2 * limit)

    def _continue_as_new_wanted(self) -> bool:
        info = workflow.info()
        length = info.get_current_history_length()
        return info.is_continue_as_new_suggested() or length > self._input.history_limit

    async def _intake(self, case_input: CaseInput) -> None:
        intake, policy = case_input.intake, self.policy
        severity = intake.severity or policy.severity_for_subject(intake.subject)
        plan_calendar = policy.calendar(policy.plan(intake.plan).calendar)
        self._state = CaseState(
            case=Case(
                id=case_input.case_id,
                policy=intake.policy,
                policy_version=case_input.policy_version,
                plan=intake.plan,
                org=intake.org,
                severity=severity,
                tier=policy.entry_tier.id,
                channel=intake.channel,
                subject=intake.subject,
                contact=intake.contact,
                received_at=case_input.received_at,
                updated_at=workflow.now(),
            ),
            outside_hours=not plan_calendar.is_open(case_input.received_at),
            fields=dict(intake.fields),
        )
        self._start_target_clocks()
        self._start_tier_clock(policy.entry_tier.id, case_input.received_at)
        if policy.intake.ticket_assigned == "on_intake":
            await self._allocate_ticket()
        self._check_missing_fields()
        await self._check_contact()
        if self.case.status == "closed":
            # Referred to the requester's provider: no entitlement check, no acknowledgement.
            await self._project()
            self.state.intake_recorded = True
            return
        await self._check_entitlement()
        await self._project()
        self.state.intake_recorded = True
        case_metrics.count(
            case_metrics.CASES_OPENED, policy=self.policy.name, severity=self.case.severity or ""
        )

        await self._acknowledge_by_email()
        if self.case.missing_fields:
            await self._request_missing_fields()
        if policy.page_all(severity):
            await self._page_team(
                self._tier_team_id(), "all", "intake", f"{severity} case opened: {intake.subject}"
            )
        await self._project()

    # -- intake checks ---------------------------------------------------------------------

    async def _allocate_ticket(self) -> None:
        ticket = await workflow.execute_activity_method(
            TicketActivities.allocate_ticket_number,
            TicketRequest(case_id=self.case.id, prefix=self.policy.intake.ticket_prefix),
            start_to_close_timeout=_SHORT,
            retry_policy=_RETRY,
        )
        self._change(ticket_number=ticket)

    def _field_values(self) -> dict[str, str]:
        """What the requester gave: intake fields, plus what the contact block already says,
        and (since EDGES_PATCH) whatever the policy's `filled_by` takes from the intake."""
        contact = self.case.contact
        derived = {"contact_name": contact.name, "contact_email": contact.email}
        if contact.phone:
            derived["contact_phone"] = contact.phone
        if self._current_rules():
            sources: dict[str, str | None] = {
                "description": self._input.intake.description,
                "org": self.case.org,
                "subject": self.case.subject,
                "contact.name": contact.name,
                "contact.email": contact.email,
                "contact.phone": contact.phone,
            }
            derived |= given_by_intake(self.policy.intake.fields, sources)
        return derived | {k: v for k, v in self.state.fields.items() if v.strip()}

    def _check_missing_fields(self) -> None:
        given = self._field_values()
        missing = [name for name in self.policy.intake.required_fields if name not in given]
        update: dict[str, Any] = {"missing_fields": missing}
        charge = self.policy.intake.missing_info_charge
        if missing and charge is not None:
            update["charges"] = [
                *self.case.charges,
                Charge(
                    reason=f"information missing at first contact: {', '.join(missing)}",
                    amount=float(charge.amount),
                    currency=charge.currency,
                    at=self.case.received_at,
                ),
            ]
        self._change(**update)

    async def _check_contact(self) -> None:
        contacts = self.policy.intake.authorised_contacts
        if contacts is None or not contacts.required:
            return
        authorised = await workflow.execute_activity_method(
            RegistryActivities.is_authorised_contact,
            ContactRequest(org=self.case.org, email=self.case.contact.email),
            start_to_close_timeout=_SHORT,
            retry_policy=_RETRY,
        )
        if authorised:
            return
        who = f"{self.case.contact.email} is not an authorised contact of {self.case.org}"
        current_rules = workflow.patched(CONTACT_POLICY_PATCH)
        if contacts.others == "refer" and current_rules:
            self._close(workflow.now(), f"referred: {who}; sent back to their provider", "system")
        else:
            self._note(
                f"{who}: accepted, work is billable ({contacts.billing or contacts.others})",
                "system",
            )
            self._change(billable=True)
        if contacts.message and current_rules:
            await self._email_contact("contact", "About your request", contacts.message)

    async def _check_entitlement(self) -> None:
        entitlement = self.policy.entitlement
        if entitlement is None:
            return
        result = await workflow.execute_activity_method(
            RegistryActivities.check_entitlement,
            EntitlementRequest(
                org=self.case.org,
                plan=self.case.plan,
                opened_at=self.case.received_at,
                checks=list(entitlement.checks),
                match_plan_level=entitlement.match_plan_level,
                opened_before_expiry=entitlement.opened_before_expiry,
            ),
            start_to_close_timeout=_SHORT,
            retry_policy=_RETRY,
        )
        if result.outcome == "covered":
            self._change(entitlement="covered")
            self._note(f"entitlement: {result.detail}", "system")
            return
        expired = entitlement.expired_contract
        needs_po = expired is not None and expired.purchase_order_required
        self._change(entitlement="po_required" if needs_po else "not_covered")
        self._note(f"entitlement: not covered ({result.detail})", "system")
        if needs_po:
            # No work, so no clock runs, until a purchase order is approved.
            self._pause_clocks(workflow.now())
            self._touch()
        if entitlement.advise_if_not_covered:
            purchase = ", ".join(expired.purchase) if expired and expired.purchase else ""
            message = (
                f"Your request is not covered by an active contract or warranty: {result.detail}."
            )
            if needs_po:
                message += " Work proceeds once we receive an approved purchase order"
                message += f" ({purchase})." if purchase else "."
            await self._email_contact("entitlement", "Not covered by an active contract", message)

    async def _acknowledge_by_email(self) -> None:
        ack = self.policy.intake.acknowledgement
        await self._send(
            key="acknowledgement",
            kind="acknowledgement",
            to=self.case.contact.email,
            subject=ack.subject if ack else messages.ACK_SUBJECT,
            body=ack.body if ack else messages.ACK_BODY,
            context={
                "ticket_number": self.case.ticket_number,
                "case_id": self.case.id,
                "subject": self.case.subject,
                "org": self.case.org,
                "plan": self.case.plan,
                "severity": self.case.severity,
                "policy": self.case.policy,
                "contact_name": self.case.contact.name,
                "contact_email": self.case.contact.email,
                "received_at": self.case.received_at.isoformat(),
                "links": [link.model_dump(mode="json") for link in ack.links] if ack else [],
            },
        )

    async def _request_missing_fields(self) -> None:
        wanted = {field.name: field for field in self.policy.intake.fields}
        charge = self.policy.intake.missing_info_charge
        await self._send(
            key="missing-fields",
            kind="request_info",
            to=self.case.contact.email,
            subject=messages.CUSTOMER_SUBJECT,
            body=messages.MISSING_FIELDS_BODY,
            context={
                "ticket_number": self.case.ticket_number or "new request",
                "title": "Information needed",
                "fields": [
                    {"name": name, "description": wanted[name].description}
                    for name in self.case.missing_fields
                ],
                "charge": f"{charge.amount} {charge.currency}" if charge else None,
            },
        )

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

    # -- people ------------------------------------------------------------------------------

    def _tier_team_id(self) -> str:
        assert self.case.tier is not None
        return self.policy.tier(self.case.tier).team

    # -- state changes -------------------------------------------------------------------------

    def _change(self, **changes: Any) -> None:
        self.state.case = self.case.model_copy(update=changes)
        self._touch()

    def _touch(self) -> None:
        now = workflow.now()
        self.state.refresh_sla(now)
        self.state.case = self.case.model_copy(
            update={"updated_at": now, "revision": self.case.revision + 1}
        )
        self._changed = True

    def _wake(self) -> None:
        self._changed = True

    def _note(
        self, text: str, actor: str, auto_reply: bool = False, quoted: str | None = None
    ) -> None:
        note = Note(text=text, actor=actor, at=workflow.now(), auto_reply=auto_reply, quoted=quoted)
        self._change(notes=[*self.case.notes, note])

    def _enter_tier(self, tier: str, at: datetime, actor: str, reason: str) -> None:
        self._change(tier=tier)
        self._start_tier_clock(tier, at)
        self._note(f"escalated to {tier}: {reason}", actor)

    def _close(self, at: datetime, reason: str, actor: str) -> None:
        self.state.closed_at = at
        self._change(status="closed")
        self._note(reason, actor)
        self._follow_pages("resolve")

    async def _project(self) -> None:
        breached = any(key.startswith("breach:") for key in self.state.fired)
        self._search.keep_current(self.case, breached=breached)
        await workflow.execute_activity_method(
            ProjectionActivities.project_case,
            self.case,
            start_to_close_timeout=_SHORT,
            retry_policy=_RETRY,
        )

    async def _after_step(self, step: StepBody) -> Case:
        self._record_step_request(step)
        info = workflow.current_update_info()
        if info is not None:
            case_metrics.count(case_metrics.STEPS_APPLIED, policy=self.policy.name, step=info.name)
        await self._project()
        return self.case

    def _record_step_request(self, step: StepBody) -> None:
        """Remember what a keyed step (`Idempotency-Key`) ran, so a reuse of its key for another
        request can be told from a retry; kept across continue-as-new in the state."""
        info = workflow.current_update_info()
        if info is not None and is_keyed(info.id):
            self.state.step_requests.setdefault(info.id, step_digest(info.name, step))

    # -- queries and the intake handshake -----------------------------------------------------

    @workflow.query(name="case")
    def get_case(self) -> Case:
        return self.case

    @workflow.query(name="pending_notices")
    def pending_notices(self) -> list[str]:
        """The e-mails and pages the case has queued and not yet delivered, oldest first."""
        return [notice.describe() for notice in self._state.outbox] if self._state else []

    @workflow.query(name="step_request")
    def step_request(self, update_id: str) -> str | None:
        """The digest of the keyed step that ran as `update_id`, or None if none did."""
        return self.state.step_requests.get(update_id)

    @workflow.update(name="intake_recorded")
    async def intake_recorded(self) -> Case:
        """Answers once the case has its ticket number and its row, for `POST /cases`."""
        await workflow.wait_condition(lambda: self._state is not None)
        await workflow.wait_condition(lambda: self.state.intake_recorded)
        return self.case

    # -- engineer steps (Updates; validators refuse what the case does not allow now) ----------

    @workflow.update(name="acknowledge")
    async def acknowledge(self, step: Acknowledge) -> Case:
        now = workflow.now()
        self.state.acknowledged_at = now
        self._change(status="acknowledged")
        self._note("acknowledged", step.actor)
        self._follow_pages("acknowledge")
        return await self._after_step(step)

    @acknowledge.validator
    def _validate_acknowledge(self, step: Acknowledge) -> None:
        _refuse(rules.refuse_acknowledge(self.state))

    @workflow.update(name="triage")
    async def triage(self, step: Triage) -> Case:
        first_triage = self.case.status in ("new", "acknowledged")
        changes: dict[str, Any] = {"severity": step.severity, "priority": step.priority}
        if first_triage:
            changes["status"] = "triaged"
        self._change(**changes)
        self._start_target_clocks()
        self._note(f"triaged as {step.severity}", step.actor)
        if self.case.ticket_number is None:
            await self._allocate_ticket()
            if self.policy.intake.notify_ticket_number:
                await self._send(
                    key="ticket-number",
                    kind="ticket_number",
                    to=self.case.contact.email,
                    subject=messages.TICKET_SUBJECT,
                    body=messages.TICKET_BODY,
                    context={
                        "ticket_number": self.case.ticket_number,
                        "subject": self.case.subject,
                    },
                )
        if self.policy.page_all(step.severity):
            await self._page_team(
                self._tier_team_id(), "all", f"triage:{step.severity}", f"{step.severity} case"
            )
        self._touch()
        return await self._after_step(step)

    @triage.validator
    def _validate_triage(self, step: Triage) -> None:
        _refuse(rules.refuse_triage(self.state, self.policy, step))

    @workflow.update(name="assign")
    async def assign(self, step: Assign) -> Case:
        changes: dict[str, Any] = {"assignee": step.engineer}
        if self.case.status in ("new", "acknowledged", "triaged"):
            changes["status"] = "assigned"
        self._change(**changes)
        self._note(f"assigned to {step.engineer}", step.actor)
        return await self._after_step(step)

    @assign.validator
    def _validate_assign(self, step: Assign) -> None:
        _refuse(rules.refuse_assign(self.state))

    @workflow.update(name="respond")
    async def respond(self, step: Respond) -> Case:
        now = workflow.now()
        self._meet("response", now)
        self._meet(TIER_RESPONSE, now)
        if self.case.status in ("new", "acknowledged", "triaged", "assigned"):
            self._change(status="in_progress")
        self._note(f"responded: {step.message}", step.actor)
        await self._email_contact(
            f"respond:{self.case.revision}", "Status of your request", step.message
        )
        return await self._after_step(step)

    @respond.validator
    def _validate_respond(self, step: Respond) -> None:
        _refuse(rules.refuse_respond(self.state))

    @workflow.update(name="request-info")
    async def request_info(self, step: RequestInfo) -> Case:
        now = workflow.now()
        self.state.wait_number += 1
        self.state.waiting_since = now
        self.state.status_before_wait = self.case.status
        wait = self.policy.customer_wait
        if wait is None or wait.pause_targets:
            self._pause_clocks(now)
        self._change(status="waiting_customer")
        asked = f" ({', '.join(step.fields)})" if step.fields else ""
        self._note(f"asked the customer for information{asked}: {step.message}", step.actor)
        await self._email_contact(
            f"wait{self.state.wait_number}:request", "Information needed", step.message
        )
        return await self._after_step(step)

    @request_info.validator
    def _validate_request_info(self, step: RequestInfo) -> None:
        _refuse(rules.refuse_request_info(self.state, step))

    @workflow.update(name="customer-reply")
    async def customer_reply(self, step: CustomerReply) -> Case:
        now = workflow.now()
        self._resume_clocks(now)
        self.state.fields.update(step.fields)
        self.state.waiting_since = None
        self._change(status=self.state.status_before_wait or "in_progress")
        self._check_missing_fields_after_reply()
        self._note(f"customer replied: {step.message}", step.actor, quoted=step.quoted)
        return await self._after_step(step)

    def _check_missing_fields_after_reply(self) -> None:
        given = self._field_values()
        self._change(missing_fields=[f for f in self.case.missing_fields if f not in given])

    @customer_reply.validator
    def _validate_customer_reply(self, step: CustomerReply) -> None:
        _refuse(rules.refuse_customer_reply(self.state))

    @workflow.update(name="escalate")
    async def escalate(self, step: Escalate) -> Case:
        done = ", ".join(f"{k}: {v}" for k, v in step.checklist.items())
        self._enter_tier(
            step.to_tier, workflow.now(), step.actor, step.reason + (f" [{done}]" if done else "")
        )
        await self._notify_team(
            self._tier_team_id(),
            False,
            f"escalate:{self.case.revision}",
            f"case escalated to you by {step.actor}: {step.reason}",
        )
        return await self._after_step(step)

    @escalate.validator
    def _validate_escalate(self, step: Escalate) -> None:
        _refuse(rules.refuse_escalate(self.state, self.policy, step))

    @workflow.update(name="add-note")
    async def add_note(self, step: AddNote) -> Case:
        self._note(step.text, step.actor, auto_reply=step.auto_reply, quoted=step.quoted)
        return await self._after_step(step)

    @add_note.validator
    def _validate_add_note(self, step: AddNote) -> None:
        _refuse(rules.refuse_add_note(self.state))

    @workflow.update(name="approve-po")
    async def approve_po(self, step: ApprovePo) -> Case:
        self._resume_clocks(workflow.now())
        self._change(entitlement="po_approved")
        self._note(f"purchase order {step.po_number} approved", step.actor)
        return await self._after_step(step)

    @approve_po.validator
    def _validate_approve_po(self, step: ApprovePo) -> None:
        _refuse(rules.refuse_approve_po(self.state))

    @workflow.update(name="restore")
    async def restore(self, step: Restore) -> Case:
        self._meet("restoration", workflow.now())
        self._change(status="restored")
        self._note(f"service restored: {step.note}", step.actor)
        self._follow_pages("resolve")
        return await self._after_step(step)

    @restore.validator
    def _validate_restore(self, step: Restore) -> None:
        _refuse(rules.refuse_restore(self.state))

    @workflow.update(name="resolve")
    async def resolve(self, step: Resolve) -> Case:
        now = workflow.now()
        for kind in (*TARGET_KINDS, TIER_RESPONSE):
            self._meet(kind, now)
        self.state.resolved_at = now
        self._change(status="resolved", resolution=step.resolution)
        self._note(f"resolved: {step.resolution}", step.actor)
        self._follow_pages("resolve")
        return await self._after_step(step)

    @resolve.validator
    def _validate_resolve(self, step: Resolve) -> None:
        _refuse(rules.refuse_resolve(self.state))

    @workflow.update(name="close")
    async def close(self, step: Close) -> Case:
        self._close(workflow.now(), "closed", step.actor)
        return await self._after_step(step)

    @close.validator
    def _validate_close(self, step: Close) -> None:
        _refuse(rules.refuse_close(self.state))

    @workflow.update(name="reopen")
    async def reopen(self, step: Reopen) -> Case:
        self.state.closed_at = None
        self.state.resolved_at = None
        self._change(status="in_progress", resolution=None)
        self._note(f"reopened: {step.reason}", step.actor)
        return await self._after_step(step)

    @reopen.validator
    def _validate_reopen(self, step: Reopen) -> None:
        _refuse(rules.refuse_reopen(self.state, self.policy, workflow.now()))

    # -- field service: child workflows, each reporting back with the `field_service` signal --

    def _brief(self) -> CaseBrief:
        return CaseBrief(
            case_id=self.case.id,
            ticket_number=self.case.ticket_number,
            subject=self.case.subject,
            org=self.case.org,
            plan=self.case.plan,
            severity=self.case.severity,
            tier=self.case.tier,
            team=self._tier_team_id(),
            contact_email=self.case.contact.email,
        )

    def _region(self, step: ShipPart) -> str | None:
        return step.region or self._input.intake.region

    def _pinned_policy(self) -> dict[str, Any]:
        return self._input.policy

    @workflow.signal(name=REPORT_SIGNAL)
    async def field_service_report(self, report: FieldServiceReport) -> None:
        self._change(field_service=self.case.field_service.applied(report))
        if report.rma is not None and report.rma.state == "overdue":
            self._charge_overdue_rma(report.rma)
        await self._project()

    def _charge_overdue_rma(self, rma: RmaReturn) -> None:
        reason = f"RMA {rma.id} overdue: defective {rma.sku} x{rma.quantity} not returned"
        if any(charge.reason == reason for charge in self.case.charges):
            return
        self._note(f"{reason} by {rma.due_at.isoformat() if rma.due_at else '?'}", "system")
        if rma.billable and rma.charge_amount is not None and rma.charge_currency:
            charge = Charge(
                reason=reason,
                amount=rma.charge_amount,
                currency=rma.charge_currency,
                at=workflow.now(),
            )
            self._change(charges=[*self.case.charges, charge])

    @workflow.update(name="dispatch-onsite")
    async def dispatch_onsite(self, step: DispatchOnsite) -> Case:
        now, number = workflow.now(), len(self.case.field_service.dispatches) + 1
        promised_on, due_at = onsite_promise(self.policy, now)
        dispatch = Dispatch(
            id=f"D{number}",
            workflow_id=f"{self.case.id}:dispatch:{number}",
            site=step.site,
            contact=step.contact,
            requested_at=now,
            promised_on=promised_on,
            due_at=due_at,
        )
        self._change(
            field_service=self.case.field_service.applied(FieldServiceReport(dispatch=dispatch))
        )
        self._note(
            f"on-site dispatch {dispatch.id} to {step.site}: technician due by "
            f"{due_at.isoformat()}",
            step.actor,
        )
        # Abandoned, not terminated, when this run continues as new: the deadline is its own.
        await workflow.start_child_workflow(
            "OnSiteDispatchWorkflow",
            DispatchInput(brief=self._brief(), policy=self._pinned_policy(), dispatch=dispatch),
            id=dispatch.workflow_id,
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        return await self._after_step(step)

    @dispatch_onsite.validator
    def _validate_dispatch_onsite(self, step: DispatchOnsite) -> None:
        _refuse(rules.refuse_dispatch_onsite(self.state, self.policy))

    @workflow.update(name="ship-part")
    async def ship_part(self, step: ShipPart) -> Case:
        region = self._region(step)
        assert region is not None, "the validator refuses a shipment without a region"
        number = len(self.case.field_service.shipments) + 1
        shipment = Shipment(
            id=f"S{number}",
            workflow_id=f"{self.case.id}:shipment:{number}",
            sku=step.sku,
            quantity=step.quantity,
            region=region,
            confirmed_at=workflow.now(),
        )
        self._change(
            field_service=self.case.field_service.applied(FieldServiceReport(shipment=shipment))
        )
        self._note(f"hardware failure confirmed: {step.sku} x{step.quantity} ordered", step.actor)
        await workflow.start_child_workflow(
            "PartsShipmentWorkflow",
            ShipmentInput(
                brief=self._brief(),
                policy=self._pinned_policy(),
                shipment=shipment,
                rma_id=f"RMA-{self.case.ticket_number or self.case.id}-{number}",
                rma_workflow_id=f"{self.case.id}:rma:{number}",
            ),
            id=shipment.workflow_id,
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        # The engineer sees at once whether the part is reserved, back-ordered or unknown.
        try:
            await workflow.wait_condition(
                lambda: self._shipment_state(shipment.id) != "requested",
                timeout=STEP_WAIT,
            )
        except TimeoutError:
            pass
        return await self._after_step(step)

    def _shipment_state(self, shipment_id: str) -> str | None:
        found = [s for s in self.case.field_service.shipments if s.id == shipment_id]
        return found[0].state if found else None

    @ship_part.validator
    def _validate_ship_part(self, step: ShipPart) -> None:
        _refuse(rules.refuse_ship_part(self.state, self.policy, self._region(step)))

    @workflow.update(name="receive-rma")
    async def receive_rma(self, step: ReceiveRma) -> Case:
        rma = self.case.field_service.rma(step.rma_id)
        assert rma is not None, "the validator refuses unknown RMAs"
        receipt = RmaReceipt(
            tracking_number=step.tracking_number or "",
            received_at=workflow.now(),
            actor=step.actor,
        )
        await workflow.get_external_workflow_handle(rma.workflow_id).signal(
            RECEIVED_SIGNAL, receipt
        )
        self._note(f"defective part of {rma.id} received ({step.tracking_number})", step.actor)
        # The RMA workflow decides whether it came back in time; show its answer.
        try:
            await workflow.wait_condition(
                lambda: self._rma_state(rma.id) not in RMA_OPEN, timeout=STEP_WAIT
            )
        except TimeoutError:
            pass
        return await self._after_step(step)

    def _rma_state(self, rma_id: str) -> str | None:
        rma = self.case.field_service.rma(rma_id)
        return rma.state if rma else None

    @receive_rma.validator
    def _validate_receive_rma(self, step: ReceiveRma) -> None:
        _refuse(rules.refuse_receive_rma(self.state, self.policy, step))
