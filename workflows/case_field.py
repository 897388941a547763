"""Field service of CaseWorkflow: on-site dispatch, replacement parts and RMA returns.

Each is a child workflow (workflows/onsite_dispatch.py, parts_shipment.py,
rma_return.py) started by a step and abandoned, not terminated, when the case
continues as new: its deadline is its own. Children report back with the
`field_service` signal; the case keeps their records in `case.field_service`.
"""

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from models.case.resource import Case, Charge
    from models.case.steps import DispatchOnsite, ReceiveRma, ShipPart
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
    from workflows.refusals import refused

from workflows.case_base import CaseBase

# How long ship-part and receive-rma wait for their child's first answer: well inside the
# API's bound on a step (api/workflow_calls.py), so the step answers, the child carries on.
STEP_WAIT = timedelta(seconds=5)


class CaseFieldService(CaseBase):
    """The field-service steps and the reports of the children they start."""

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
        """The step's, else the case's, else that of the registry's site of its system."""
        system = self.state.registry.system if self._state and self.state.registry else None
        return step.region or self._input.intake.region or (system.region if system else None)

    def _site_policy(self) -> Policy:
        """The case's policy with its field-service calendars in the site's zone and holidays,
        when the registry knew the case's system and its site (the parts cut-off and the
        technician's next business day are the site's, not the policy's)."""
        system = self.state.registry.system if self.state.registry else None
        return self.policy.with_calendars(system.calendars) if system else self.policy

    def _pinned_policy(self) -> dict[str, Any]:
        """What the children run by: the policy as pinned (cases opened before the registry
        facts), else as the case localised it, its field-service calendars to the site."""
        if self.state.registry is None:
            return self._input.policy
        return self._site_policy().to_body()

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

    # -- steps (Updates; validators refuse what the case does not allow now) ---------------------

    @workflow.update(name="dispatch-onsite")
    async def dispatch_onsite(self, step: DispatchOnsite) -> Case:
        now, number = workflow.now(), len(self.case.field_service.dispatches) + 1
        promised_on, due_at = onsite_promise(self._site_policy(), now)
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
        self._refuse_step("dispatch-onsite", self.policy)

    @workflow.update(name="ship-part")
    async def ship_part(self, step: ShipPart) -> Case:
        region = self._region(step)
        if region is None:  # the validator has refused it already
            raise refused("the case has no region: give the site's region")
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
        self._refuse_step("ship-part", self.policy, self._region(step))

    @workflow.update(name="receive-rma")
    async def receive_rma(self, step: ReceiveRma) -> Case:
        rma = self.case.field_service.rma(step.rma_id)
        if rma is None:  # the validator has refused it already
            raise refused(f"the case has no RMA {step.rma_id!r}")
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
        self._refuse_step("receive-rma", self.policy, step)
