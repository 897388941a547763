"""Engineer steps of CaseWorkflow: one Update each, with a validator.

A validator refuses what the case does not allow now (`models/case/transitions.py`,
its `STEPS` table: the refusal and the status the step moves the case to), so a
refused step never enters history. A handler records what the step did, queues what
it tells people and answers with the case. Field-service steps are in case_field.py.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.case.resource import Case
    from models.case.state import TIER_RESPONSE
    from models.case.steps import (
        Acknowledge,
        AddNote,
        ApprovePo,
        Assign,
        Close,
        CustomerReply,
        Escalate,
        Reopen,
        RequestInfo,
        Resolve,
        Respond,
        Restore,
        Triage,
    )
    from workflows import messages

from workflows.case_base import TARGET_KINDS
from workflows.case_intake import CaseIntake


class CaseSteps(CaseIntake):
    """The steps an engineer (or the customer's reply) takes on a case."""

    @workflow.update(name="acknowledge")
    async def acknowledge(self, step: Acknowledge) -> Case:
        now = workflow.now()
        self.state.acknowledged_at = now
        self._change(**self._moved("acknowledge"))
        self._note("acknowledged", step.actor)
        self._follow_pages("acknowledge")
        return await self._after_step(step)

    @acknowledge.validator
    def _validate_acknowledge(self, step: Acknowledge) -> None:
        self._refuse_step("acknowledge")

    @workflow.update(name="triage")
    async def triage(self, step: Triage) -> Case:
        self._change(severity=step.severity, priority=step.priority, **self._moved("triage"))
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
        self._refuse_step("triage", self.policy, step)

    @workflow.update(name="assign")
    async def assign(self, step: Assign) -> Case:
        self._change(assignee=step.engineer, **self._moved("assign"))
        self._note(f"assigned to {step.engineer}", step.actor)
        return await self._after_step(step)

    @assign.validator
    def _validate_assign(self, step: Assign) -> None:
        self._refuse_step("assign")

    @workflow.update(name="respond")
    async def respond(self, step: Respond) -> Case:
        now = workflow.now()
        self._meet("response", now)
        self._meet(TIER_RESPONSE, now)
        if moved := self._moved("respond"):
            self._change(**moved)
        self._note(f"responded: {step.message}", step.actor)
        await self._email_contact(
            f"respond:{self.case.revision}", "Status of your request", step.message
        )
        return await self._after_step(step)

    @respond.validator
    def _validate_respond(self, step: Respond) -> None:
        self._refuse_step("respond")

    @workflow.update(name="request-info")
    async def request_info(self, step: RequestInfo) -> Case:
        now = workflow.now()
        self.state.wait_number += 1
        self.state.waiting_since = now
        self.state.status_before_wait = self.case.status
        wait = self.policy.customer_wait
        if wait is None or wait.pause_targets:
            self._pause_clocks(now)
        self._change(**self._moved("request-info"))
        asked = f" ({', '.join(step.fields)})" if step.fields else ""
        self._note(f"asked the customer for information{asked}: {step.message}", step.actor)
        await self._email_contact(
            f"wait{self.state.wait_number}:request", "Information needed", step.message
        )
        return await self._after_step(step)

    @request_info.validator
    def _validate_request_info(self, step: RequestInfo) -> None:
        self._refuse_step("request-info", step)

    @workflow.update(name="customer-reply")
    async def customer_reply(self, step: CustomerReply) -> Case:
        now = workflow.now()
        self._resume_clocks(now)
        self.state.fields.update(step.fields)
        self.state.waiting_since = None
        self._change(**self._moved("customer-reply"))
        self._check_missing_fields_after_reply()
        self._note(f"customer replied: {step.message}", step.actor, quoted=step.quoted)
        return await self._after_step(step)

    @customer_reply.validator
    def _validate_customer_reply(self, step: CustomerReply) -> None:
        self._refuse_step("customer-reply")

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
        self._refuse_step("escalate", self.policy, step)

    @workflow.update(name="add-note")
    async def add_note(self, step: AddNote) -> Case:
        self._note(step.text, step.actor, auto_reply=step.auto_reply, quoted=step.quoted)
        return await self._after_step(step)

    @add_note.validator
    def _validate_add_note(self, step: AddNote) -> None:
        self._refuse_step("add-note")

    @workflow.update(name="approve-po")
    async def approve_po(self, step: ApprovePo) -> Case:
        self._resume_clocks(workflow.now())
        self._change(entitlement="po_approved")
        self._note(f"purchase order {step.po_number} approved", step.actor)
        return await self._after_step(step)

    @approve_po.validator
    def _validate_approve_po(self, step: ApprovePo) -> None:
        self._refuse_step("approve-po")

    @workflow.update(name="restore")
    async def restore(self, step: Restore) -> Case:
        now = workflow.now()
        self._meet("restoration", now)
        self._settle_credits("restoration", now)
        self._change(**self._moved("restore"))
        self._note(f"service restored: {step.note}", step.actor)
        self._follow_pages("resolve")
        return await self._after_step(step)

    @restore.validator
    def _validate_restore(self, step: Restore) -> None:
        self._refuse_step("restore")

    @workflow.update(name="resolve")
    async def resolve(self, step: Resolve) -> Case:
        now = workflow.now()
        for kind in (*TARGET_KINDS, TIER_RESPONSE):
            self._meet(kind, now)
        for kind in TARGET_KINDS:
            self._settle_credits(kind, now)
        self.state.resolved_at = now
        self._change(**self._moved("resolve"), resolution=step.resolution)
        self._note(f"resolved: {step.resolution}", step.actor)
        self._follow_pages("resolve")
        return await self._after_step(step)

    @resolve.validator
    def _validate_resolve(self, step: Resolve) -> None:
        self._refuse_step("resolve")

    @workflow.update(name="close")
    async def close(self, step: Close) -> Case:
        self._close(workflow.now(), "closed", step.actor)
        return await self._after_step(step)

    @close.validator
    def _validate_close(self, step: Close) -> None:
        self._refuse_step("close")

    @workflow.update(name="reopen")
    async def reopen(self, step: Reopen) -> Case:
        self.state.closed_at = None
        self.state.resolved_at = None
        self._change(**self._moved("reopen"), resolution=None)
        self._note(f"reopened: {step.reason}", step.actor)
        return await self._after_step(step)

    @reopen.validator
    def _validate_reopen(self, step: Reopen) -> None:
        self._refuse_step("reopen", self.policy, workflow.now())
