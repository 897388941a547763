"""Parts shipments on the time-skipping server: the 15:00 cut-off in the site's local time,
next-business-day delivery across weekends and holidays, back-orders (ProTelecom Premier)."""

from datetime import time, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col
from temporalio.client import WorkflowUpdateFailedError

from activities.inventory import tracking_number
from models.case.resource import Case
from models.case.steps import ShipPart
from models.field.records import Delivered, RmaReturn, Shipment
from models.tables.inventory import ShipmentRow, StockRow
from tests.workflow.cases import example_policy, step
from tests.workflow.clock import advance_to, near, next_quiet
from tests.workflow.field_service import (
    Stack,
    local,
    open_field_case,
    settled_case,
)


def only_shipment(case: Case) -> Shipment:
    assert len(case.field_service.shipments) == 1
    return case.field_service.shipments[0]


async def test_cutoff_thursday_1459_and_1501(stack: Stack, session: Session) -> None:
    policy = example_policy(session, "protelecom")
    calendar = policy.calendar("business")
    thursday = next_quiet(calendar, await stack.env.get_current_time(), 3, time(14, 0))
    day = thursday.date()
    friday, monday = day + timedelta(days=1), day + timedelta(days=4)
    async with stack.worker() as worker:
        await advance_to(stack.env, thursday)
        early = await open_field_case(
            stack, session, worker, policy, "premier", region="north_america"
        )
        late = await open_field_case(
            stack, session, worker, policy, "premier", region="north_america"
        )
        part = ShipPart(sku="AV-CAM-PTZ", quantity=1, actor="e:owen")

        await advance_to(stack.env, local(day, 14, 59))
        case = await step(early, "ship-part", part)
        shipment = only_shipment(case)
        assert shipment.state == "scheduled"
        assert (shipment.ships_on, shipment.delivered_on) == (day, friday)
        assert shipment.warehouse == "North America (Memphis)"
        # The label is the activity's, derived from the shipment: the same on every retry.
        assert shipment.tracking_number == tracking_number(shipment.workflow_id)
        assert shipment.carrier == "Escalator Freight"
        # Nothing is delivered before it ships.
        with pytest.raises(WorkflowUpdateFailedError) as error:
            await stack.client.get_workflow_handle(shipment.workflow_id).execute_update(
                "delivered", Delivered(), result_type=Shipment
            )
        assert "only a shipped part can be delivered; this one is scheduled" in str(
            error.value.cause
        )

        await advance_to(stack.env, local(day, 15, 1))
        case = await step(late, "ship-part", part)
        assert (only_shipment(case).ships_on, only_shipment(case).delivered_on) == (friday, monday)

        # The early one left with the 15:00 pick-up the same day.
        case = await settled_case(early, lambda c: only_shipment(c).state == "shipped")
        assert only_shipment(case).shipped_at == local(day, 15, 0)
        row = session.get(ShipmentRow, shipment.workflow_id)
        assert row is not None and row.tracking_number == shipment.tracking_number

        # Delivered Friday morning: confirmed on the shipment's own workflow; the RMA opens.
        await advance_to(stack.env, local(friday, 10, 30))
        handle = stack.client.get_workflow_handle(shipment.workflow_id)
        confirmed = await handle.execute_update("delivered", Delivered(), result_type=Shipment)
        assert confirmed.state == "delivered" and confirmed.delivered_at is not None
        case = await settled_case(
            early,
            lambda c: (
                only_shipment(c).state == "delivered"
                and bool(c.field_service.rmas)
                and c.field_service.rmas[0].state == "awaiting_return"
            ),
        )
        rma = case.field_service.rmas[0]
        assert rma.id == only_shipment(case).rma_id and rma.window == "5d"
        # Five business days after Friday: the next Friday, end of business in New York.
        assert rma.due_at == local(friday + timedelta(days=7), 17, 0)

        # Delivered, its workflow waits for the RMA it opened (the defective part's return).
        assert (await handle.query("shipment", result_type=Shipment)).state == "delivered"
        rma_handle = stack.client.get_workflow_handle(rma.workflow_id)
        assert (await rma_handle.query("rma", result_type=RmaReturn)).due_at == rma.due_at


async def test_friday_before_a_monday_holiday_is_delivered_tuesday(
    stack: Stack, session: Session
) -> None:
    policy = example_policy(session, "protelecom")
    calendar = policy.calendar("business")
    now = await stack.env.get_current_time()
    friday = calendar.local_date(now) + timedelta(days=1)
    while not (
        friday.weekday() == 4
        and calendar.is_business_day(friday)
        and not calendar.is_business_day(friday + timedelta(days=3))
    ):
        friday += timedelta(days=1)
    monday, tuesday = friday + timedelta(days=3), friday + timedelta(days=4)
    assert monday.weekday() == 0 and calendar.is_business_day(tuesday)
    async with stack.worker() as worker:
        await advance_to(stack.env, local(friday, 11, 0))
        handle = await open_field_case(
            stack, session, worker, policy, "premier", region="north_america"
        )
        case = await step(handle, "ship-part", ShipPart(sku="AV-CODEC-H1", actor="e:pia"))
        shipment = only_shipment(case)
        assert (shipment.ships_on, shipment.delivered_on) == (friday, tuesday)
        # Not confirmed by the end of Tuesday: shown late, and the RMA's window waits.
        await advance_to(stack.env, local(tuesday, 17, 0) + timedelta(minutes=1))
        case = await settled_case(handle, lambda c: only_shipment(c).state == "delivery_late")
        assert case.field_service.rmas[0].state == "awaiting_replacement"
        assert case.field_service.rmas[0].due_at is None


async def test_out_of_stock_is_backordered_then_ships(
    stack: Stack, session: Session, engine: Engine
) -> None:
    policy = example_policy(session, "protelecom")
    calendar = policy.calendar("business")
    monday = next_quiet(calendar, await stack.env.get_current_time(), 0, time(9, 0))
    async with stack.worker() as worker:
        await advance_to(stack.env, monday)
        handle = await open_field_case(stack, session, worker, policy, "premier", region="europe")
        # The European warehouse has no FXO card.
        case = await step(handle, "ship-part", ShipPart(sku="ZX-FXO-4", actor="e:quinn"))
        shipment = only_shipment(case)
        assert shipment.state == "backordered"
        assert shipment.backordered_since is not None and shipment.ships_on is None
        assert "out of stock" in (shipment.detail or "")

        # Two cards arrive at 09:30; the hourly look finds one at 10:00 and ships it today.
        await advance_to(stack.env, local(monday.date(), 9, 30))
        with Session(engine) as other:
            other.execute(
                update(StockRow)
                .where(col(StockRow.warehouse_id) == "eu-venlo")
                .where(col(StockRow.sku) == "ZX-FXO-4")
                .values(available=2)
            )
            other.commit()
        await advance_to(stack.env, local(monday.date(), 10, 0) + timedelta(seconds=5))
        case = await settled_case(handle, lambda c: only_shipment(c).state == "scheduled")
        shipment = only_shipment(case)
        assert near(shipment.reserved_at, local(monday.date(), 10, 0))
        assert shipment.ships_on == monday.date()
        assert shipment.delivered_on == monday.date() + timedelta(days=1)
        assert shipment.warehouse == "Europe (Venlo)"
        with Session(engine) as other:
            stock = other.get(StockRow, ("eu-venlo", "ZX-FXO-4"))
            assert stock is not None and stock.available == 1


async def test_unknown_part_fails_visibly_and_regionless_case_is_refused(
    stack: Stack, session: Session
) -> None:
    policy = example_policy(session, "protelecom")
    async with stack.worker() as worker:
        handle = await open_field_case(stack, session, worker, policy, "premier", region="europe")
        case = await step(handle, "ship-part", ShipPart(sku="NOPE-1", actor="e:quinn"))
        shipment = only_shipment(case)
        assert shipment.state == "failed" and "not in the parts catalogue" in (
            shipment.detail or ""
        )

        regionless = await open_field_case(stack, session, worker, policy, "premier")
        with pytest.raises(WorkflowUpdateFailedError) as error:
            await step(regionless, "ship-part", ShipPart(sku="AV-CAM-PTZ", actor="e:quinn"))
        assert "has no region" in str(error.value.cause)
        # Premier Plus replaces parts through on-site visits only.
        plus = await open_field_case(
            stack, session, worker, policy, "premier_plus", region="europe"
        )
        with pytest.raises(WorkflowUpdateFailedError) as error:
            await step(plus, "ship-part", ShipPart(sku="AV-CAM-PTZ", actor="e:quinn"))
        assert "plan premier_plus has no parts replacement" in str(error.value.cause)
