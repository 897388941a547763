"""RmaReturnWorkflow: the defective part's return, from its window to receipt or overdue.

Opened by the replacement's shipment. The window starts when the replacement
ships or is delivered (the policy says which); until then the RMA stays open
with no deadline. Reminders go to the customer before the deadline; at the
deadline the RMA is overdue: the policy's team hears of it, and the case records
a billable charge. Only receipt of the part (`receive-rma` on the case) closes it.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.inventory import InventoryActivities
    from models.field.deadlines import rma_deadline, rma_policy, rma_reminders
    from models.field.inventory_requests import RmaRecord
    from models.field.records import (
        RECEIVED_SIGNAL,
        REPLACEMENT_SIGNAL,
        FieldServiceReport,
        ReplacementArrived,
        RmaInput,
        RmaReceipt,
        RmaReturn,
    )
    from models.policy import Policy
    from workflows import field_notices as notices
    from workflows.refusals import refused


@workflow.defn(name="RmaReturnWorkflow")
class RmaReturnWorkflow:
    def __init__(self) -> None:
        self._rma: RmaReturn | None = None
        self._input: RmaInput | None = None
        self._receipt: RmaReceipt | None = None
        # Kept apart from the record: a signal may arrive before `run` has the record.
        self._replacement_at: datetime | None = None
        self._out = notices.Outgoing()

    @property
    def rma(self) -> RmaReturn:
        if self._rma is None:  # a Query before `run` started
            raise refused("the workflow has not started yet; retry")
        return self._rma

    @workflow.run
    async def run(self, request: RmaInput) -> RmaReturn:
        self._input, self._rma = request, request.rma
        self._out.current()
        policy = Policy.model_validate(request.policy)
        await self._change()
        await workflow.wait_condition(
            lambda: self._replacement_at is not None or self._receipt is not None
        )
        if self._receipt is None:
            await self._open_window(policy, request)
            for index, at in enumerate(self.rma.reminders_at):
                if await self._received_before(at):
                    break
                await self._remind(request, index)
            if not await self._received_before(self.rma.due_at):
                await self._overdue(policy, request)
                await workflow.wait_condition(lambda: self._receipt is not None)
        await self._close()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._out.drain()
        return self.rma

    async def _received_before(self, at: datetime | None) -> bool:
        """Wait until `at` or the part's receipt, whichever comes first."""
        assert at is not None
        return await self._out.until(lambda: self._receipt is not None, at)

    async def _open_window(self, policy: Policy, request: RmaInput) -> None:
        starts = self._replacement_at
        assert starts is not None
        due = rma_deadline(policy, self.rma.region, starts)
        await self._change(
            state="awaiting_return",
            starts_at=starts,
            due_at=due,
            reminders_at=rma_reminders(policy, due, workflow.now()),
        )
        await self._out.send(
            notices.email(
                request.brief,
                f"{self.rma.id}:opened",
                "rma_opened",
                request.brief.contact_email,
                f"Return the defective part: {self.rma.id}",
                f"Please return the defective {self.rma.sku} (x{self.rma.quantity}) under "
                f"{self.rma.id} by {due.isoformat()} ({self.rma.window} business days), "
                "and send us the shipment's tracking number.",
            )
        )

    async def _remind(self, request: RmaInput, index: int) -> None:
        due = self.rma.due_at
        assert due is not None
        await self._out.send(
            notices.email(
                request.brief,
                f"{self.rma.id}:reminder{index}",
                "rma_reminder",
                request.brief.contact_email,
                f"Reminder: {self.rma.id} is due {due.isoformat()}",
                f"We have not received the defective {self.rma.sku} of {self.rma.id} yet. "
                f"Please return it by {due.isoformat()} with a tracking number.",
            )
        )

    async def _overdue(self, policy: Policy, request: RmaInput) -> None:
        rules = rma_policy(policy)
        await self._change(state="overdue", billable=rules.overdue.billable)
        if rules.overdue.notify is not None:
            await self._out.send(
                notices.notify_team(
                    policy,
                    request.brief,
                    rules.overdue.notify,
                    f"{self.rma.id}:overdue",
                    f"RMA {self.rma.id} overdue",
                    f"The defective {self.rma.sku} (x{self.rma.quantity}) was due back "
                    f"{self.rma.due_at.isoformat() if self.rma.due_at else ''}"
                    + (" and is billable." if rules.overdue.billable else "."),
                )
            )

    async def _close(self) -> None:
        receipt = self._receipt
        assert receipt is not None
        on_time = self.rma.due_at is None or receipt.received_at <= self.rma.due_at
        await self._change(
            state="received" if on_time else "received_late",
            received_at=receipt.received_at,
            tracking_number=receipt.tracking_number,
        )

    async def _change(self, **changes: object) -> None:
        """Record the RMA row, then tell the case."""
        assert self._input is not None
        self._rma = self.rma.model_copy(update=changes)
        rma = self.rma
        await workflow.execute_activity_method(
            InventoryActivities.record_rma,
            RmaRecord(
                id=rma.id,
                case_id=self._input.brief.case_id,
                shipment_id=rma.shipment_id,
                sku=rma.sku,
                quantity=rma.quantity,
                region=rma.region,
                state=rma.state,
                due_at=rma.due_at,
                received_at=rma.received_at,
                tracking_number=rma.tracking_number,
                billable=rma.billable,
            ),
            start_to_close_timeout=notices.SHORT,
            retry_policy=notices.RETRY,
        )
        await notices.report(self._input.brief, FieldServiceReport(rma=rma))

    @workflow.query(name="rma")
    def get_rma(self) -> RmaReturn:
        return self.rma

    @workflow.signal(name=REPLACEMENT_SIGNAL)
    def replacement(self, arrived: ReplacementArrived) -> None:
        if self._replacement_at is None:
            self._replacement_at = arrived.at

    @workflow.signal(name=RECEIVED_SIGNAL)
    def received(self, receipt: RmaReceipt) -> None:
        if self._receipt is None:
            self._receipt = receipt
