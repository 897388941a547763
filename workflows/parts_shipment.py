"""PartsShipmentWorkflow: a replacement part from reservation to confirmed delivery.

Reserves stock in a warehouse of the site's region (back-ordered and looked for
again while none is free), dates the shipment from the cut-off in the policy's
local time, prints the carrier label, opens the RMA for the defective part when
the policy has one, ships at the cut-off of the ship day and waits for the
delivery to be confirmed (`delivered` update); unconfirmed by the end of the
promised day it is shown late, and the RMA's window does not start. It ends
with its RMA.
"""

from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.inventory import InventoryActivities
    from models.field.deadlines import delivery_deadline, ship_instant, shipment_dates
    from models.field.inventory_requests import ReserveRequest, ReserveResult, ShipmentRecord
    from models.field.records import (
        REPLACEMENT_SIGNAL,
        Delivered,
        FieldServiceReport,
        ReplacementArrived,
        RmaInput,
        RmaReturn,
        Shipment,
        ShipmentInput,
    )
    from models.policy import Policy
    from workflows import field_notices as notices
    from workflows.refusals import refused


@workflow.defn(name="PartsShipmentWorkflow")
class PartsShipmentWorkflow:
    def __init__(self) -> None:
        self._shipment: Shipment | None = None
        self._input: ShipmentInput | None = None
        self._warehouse_id: str | None = None
        self._rma: ChildWorkflowHandle[Any, Any] | None = None
        self._timers_drive = False

    @property
    def shipment(self) -> Shipment:
        if self._shipment is None:  # a Query before `run` started
            raise refused("the workflow has not started yet; retry")
        return self._shipment

    @workflow.run
    async def run(self, request: ShipmentInput) -> Shipment:
        self._input, self._shipment = request, request.shipment
        self._timers_drive = workflow.patched(notices.FIELD_PATCH)
        policy = Policy.model_validate(request.policy)
        reserved = await self._reserve(request)
        if reserved is None:
            return self.shipment
        await self._schedule(policy, request, reserved)
        rma = policy.field_service.rma if policy.field_service else None
        if rma is not None:
            await self._open_rma(request, reserved)
        pickup = ship_instant(policy, self._dates()[0], workflow.now())
        if self._timers_drive:
            # Through a timer even when due: whether it is due depends on the task's clock.
            await workflow.sleep(max(pickup - workflow.now(), notices.MIN_TIMER))
        elif pickup > workflow.now():
            await workflow.sleep(pickup - workflow.now())
        await self._record(request, state="shipped", shipped_at=pickup)
        if rma is not None and rma.starts == "replacement_shipped":
            await self._start_return_window(request, self.shipment.shipped_at)
        late_at = delivery_deadline(policy, self._dates()[1])
        try:
            await workflow.wait_condition(
                lambda: self.shipment.delivered_at is not None,
                timeout=max(late_at - workflow.now(), timedelta(seconds=1)),
            )
        except TimeoutError:
            await self._change(state="delivery_late")
            await workflow.wait_condition(lambda: self.shipment.delivered_at is not None)
        await self._record(request, state="delivered")
        if rma is not None and rma.starts == "replacement_delivered":
            await self._start_return_window(request, self.shipment.delivered_at)
        if self._rma is not None:
            # The shipment's story ends with its RMA: the defective part back or written off.
            await self._rma
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.shipment

    # -- steps -----------------------------------------------------------------------------------

    async def _reserve(self, request: ShipmentInput) -> ReserveResult | None:
        """Hold stock; while none is free the part is back-ordered and looked for again."""
        shipment = request.shipment
        while True:
            result = await workflow.execute_activity_method(
                InventoryActivities.reserve_stock,
                ReserveRequest(
                    key=shipment.workflow_id,
                    case_id=request.brief.case_id,
                    sku=shipment.sku,
                    quantity=shipment.quantity,
                    region=shipment.region,
                ),
                start_to_close_timeout=notices.SHORT,
                retry_policy=notices.RETRY,
            )
            if result.outcome == "reserved":
                return result
            if result.outcome != "out_of_stock":
                await self._change(state="failed", detail=result.detail)
                return None
            if self.shipment.state != "backordered":
                await self._change(
                    state="backordered", backordered_since=workflow.now(), detail=result.detail
                )
            await workflow.sleep(request.backorder_retry)

    async def _schedule(self, policy: Policy, request: ShipmentInput, held: ReserveResult) -> None:
        now = workflow.now()
        # A back-ordered part counts from when stock was found, not from the confirmation.
        confirmed = self.shipment.confirmed_at if self.shipment.backordered_since is None else now
        ships_on, delivered_on = shipment_dates(policy, confirmed)
        self._shipment = self.shipment.model_copy(
            update={
                "reserved_at": now,
                "warehouse": held.warehouse,
                "ships_on": ships_on,
                "delivered_on": delivered_on,
                "detail": None,
            }
        )
        self._warehouse_id = held.warehouse_id
        await self._record(request, state="scheduled")

    async def _record(self, request: ShipmentInput, **changes: object) -> None:
        """Write the shipment row (its label comes back), then tell the case."""
        self._shipment = self.shipment.model_copy(update=changes)
        shipment = self.shipment
        ships_on, delivered_on = self._dates()
        assert self._warehouse_id is not None
        label = await workflow.execute_activity_method(
            InventoryActivities.record_shipment,
            ShipmentRecord(
                id=shipment.workflow_id,
                case_id=request.brief.case_id,
                reservation_key=shipment.workflow_id,
                warehouse_id=self._warehouse_id,
                sku=shipment.sku,
                quantity=shipment.quantity,
                state=shipment.state,
                ships_on=ships_on,
                delivered_on=delivered_on,
                shipped_at=shipment.shipped_at,
                delivered_at=shipment.delivered_at,
            ),
            start_to_close_timeout=notices.SHORT,
            retry_policy=notices.RETRY,
        )
        await self._change(carrier=label.carrier, tracking_number=label.tracking_number)

    async def _open_rma(self, request: ShipmentInput, held: ReserveResult) -> None:
        """The RMA exists from now on, so the customer knows its number; its window starts later."""
        policy = Policy.model_validate(request.policy)
        rma_rules = policy.field_service.rma if policy.field_service else None
        assert rma_rules is not None
        shipment = self.shipment
        window = rma_rules.return_window(shipment.region)
        charge = rma_rules.overdue.charge
        rma = RmaReturn(
            id=request.rma_id,
            workflow_id=request.rma_workflow_id,
            shipment_id=shipment.id,
            sku=shipment.sku,
            quantity=shipment.quantity,
            region=shipment.region,
            window=str(window),
            charge_amount=float(charge.amount)
            if charge
            else (held.list_price or 0.0) * shipment.quantity,
            charge_currency=charge.currency if charge else held.currency,
        )
        # Abandoned, not terminated, should this shipment be ended by hand.
        self._rma = await workflow.start_child_workflow(
            "RmaReturnWorkflow",
            RmaInput(brief=request.brief, policy=request.policy, rma=rma),
            id=request.rma_workflow_id,
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        await self._change(rma_id=rma.id)

    async def _start_return_window(self, request: ShipmentInput, at: datetime | None) -> None:
        assert at is not None
        handle = workflow.get_external_workflow_handle(request.rma_workflow_id)
        await handle.signal(REPLACEMENT_SIGNAL, ReplacementArrived(at=at))

    # -- state -----------------------------------------------------------------------------------

    def _dates(self) -> tuple[date, date]:
        ships_on, delivered_on = self.shipment.ships_on, self.shipment.delivered_on
        assert ships_on is not None and delivered_on is not None, "dated when scheduled"
        return ships_on, delivered_on

    async def _change(self, **changes: object) -> None:
        assert self._input is not None
        self._shipment = self.shipment.model_copy(update=changes)
        await notices.report(self._input.brief, FieldServiceReport(shipment=self.shipment))

    @workflow.query(name="shipment")
    def get_shipment(self) -> Shipment:
        return self.shipment

    @workflow.update(name="delivered")
    async def delivered(self, step: Delivered) -> Shipment:
        self._shipment = self.shipment.model_copy(
            update={"delivered_at": step.at or workflow.now()}
        )
        await workflow.wait_condition(lambda: self.shipment.state == "delivered")
        return self.shipment

    @delivered.validator
    def _validate_delivered(self, step: Delivered) -> None:
        shipment = self._shipment
        if shipment is None or shipment.state not in ("shipped", "delivery_late"):
            state = shipment.state if shipment else "not started"
            raise refused(f"only a shipped part can be delivered; this one is {state}")
        if shipment.delivered_at is not None:
            raise refused("the delivery is already confirmed")
        at = step.at
        if at is not None and (at > workflow.now() or at < (shipment.shipped_at or at)):
            raise refused("at: a delivery happens after shipping and not in the future")
