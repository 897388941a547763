"""RMA returns on the time-skipping server: 5 business days in North America, 10 in Europe
(ProTelecom), 5 for Z-Support; reminders and overdue at exact instants, receipt just in time."""

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from models.case.resource import Case
from models.case.steps import ReceiveRma, ShipPart
from models.field.records import Delivered, RmaReturn, Shipment
from models.policy import Policy
from models.tables.inventory import RmaRow
from tests.workflow.cases import example_policy, step
from tests.workflow.clock import advance_to, near, next_quiet, scheduled
from tests.workflow.field_service import (
    DENVER,
    NEW_YORK,
    Stack,
    local,
    open_field_case,
    settled_case,
)


def the_rma(case: Case) -> RmaReturn:
    assert len(case.field_service.rmas) == 1
    return case.field_service.rmas[0]


async def replaced_on_wednesday(
    stack: Stack, handle: WorkflowHandle[Any, Any], tuesday: datetime, sku: str, zone: Any
) -> Case:
    """Failure confirmed Tuesday 10:00 (ships Tuesday), delivery confirmed Wednesday 11:00."""
    await advance_to(stack.env, tuesday)
    case = await step(handle, "ship-part", ShipPart(sku=sku, actor="e:vic"))
    shipment = case.field_service.shipments[0]
    wednesday = tuesday.date() + timedelta(days=1)
    assert (shipment.ships_on, shipment.delivered_on) == (tuesday.date(), wednesday)
    await advance_to(stack.env, local(wednesday, 11, 0, zone))
    await stack.client.get_workflow_handle(shipment.workflow_id).execute_update(
        "delivered", Delivered(), result_type=Shipment
    )
    return await settled_case(
        handle, lambda c: bool(c.field_service.rmas) and the_rma(c).state == "awaiting_return"
    )


async def protelecom_tuesday(stack: Stack, session: Session) -> tuple[Policy, datetime]:
    """ProTelecom, and a Tuesday 10:00 New York time with three quiet weeks after it."""
    policy = example_policy(session, "protelecom")
    calendar = policy.calendar("business")
    tuesday = next_quiet(calendar, await stack.env.get_current_time(), 1, time(10, 0))
    await advance_to(stack.env, tuesday - timedelta(minutes=5))
    return policy, tuesday


async def test_north_america_five_days_reminders_then_overdue_and_charge(
    stack: Stack, session: Session
) -> None:
    policy, tuesday = await protelecom_tuesday(stack, session)
    async with stack.worker() as worker:
        handle = await open_field_case(
            stack, session, worker, policy, "premier", region="north_america"
        )
        case = await replaced_on_wednesday(stack, handle, tuesday, "AV-CODEC-H1", NEW_YORK)
        rma = the_rma(case)
        wednesday = tuesday.date() + timedelta(days=1)
        due = local(wednesday + timedelta(days=7), 17, 0)
        assert rma.window == "5d" and rma.due_at == due
        assert near(rma.starts_at, local(wednesday, 11, 0))
        # "2d" and "1d" before: the Monday and Tuesday before, at the deadline's time of day.
        reminders = [local(wednesday + timedelta(days=5), 17, 0), due - timedelta(days=1)]
        assert rma.reminders_at == reminders

        await advance_to(stack.env, due + timedelta(minutes=1))
        case = await settled_case(handle, lambda c: the_rma(c).state == "overdue")
        rma_handle = stack.client.get_workflow_handle(rma.workflow_id)
        sent = {
            s.key.removeprefix(f"{case.id}:{rma.id}:"): s.at for s in await scheduled(rma_handle)
        }
        assert near(sent["reminder0"], reminders[0]) and near(sent["reminder1"], reminders[1])
        assert near(sent["overdue:notify:logistics"], due)
        # The policy's charge, once, and the logistics team told.
        charges = [c for c in case.charges if c.reason.startswith(f"RMA {rma.id} overdue")]
        assert [(c.amount, c.currency) for c in charges] == [(500.0, "USD")]
        assert near(charges[0].at, due)
        assert the_rma(case).billable
        assert any("rma@protelecom.example" in str(m["To"]) for m in stack.mailbox.messages)
        with Session(stack.engine) as other:
            row = other.get(RmaRow, rma.id)
            assert row is not None and row.state == "overdue" and row.billable

        # Late receipt closes it as late; the charge stays.
        case = await step(
            handle,
            "receive-rma",
            ReceiveRma(rma_id=rma.id, tracking_number="1Z999AA10123456784", actor="e:vic"),
        )
        assert the_rma(case).state == "received_late"
        assert the_rma(case).tracking_number == "1Z999AA10123456784"
        assert len([c for c in case.charges if c.reason.startswith(f"RMA {rma.id}")]) == 1
        with pytest.raises(WorkflowUpdateFailedError) as error:
            await step(
                handle,
                "receive-rma",
                ReceiveRma(rma_id=rma.id, tracking_number="1Z999AA10123456784", actor="e:vic"),
            )
        assert "already closed (received_late)" in str(error.value.cause)


async def test_europe_ten_days_receipt_a_minute_before_the_deadline(
    stack: Stack, session: Session
) -> None:
    policy, tuesday = await protelecom_tuesday(stack, session)
    async with stack.worker() as worker:
        handle = await open_field_case(stack, session, worker, policy, "premier", region="europe")
        case = await replaced_on_wednesday(stack, handle, tuesday, "AV-CAM-PTZ", NEW_YORK)
        rma = the_rma(case)
        wednesday = tuesday.date() + timedelta(days=1)
        due = local(wednesday + timedelta(days=14), 17, 0)
        assert rma.window == "10d" and rma.due_at == due
        assert case.field_service.shipments[0].warehouse == "Europe (Venlo)"

        await advance_to(stack.env, due - timedelta(minutes=1))
        case = await step(
            handle,
            "receive-rma",
            ReceiveRma(rma_id=rma.id, tracking_number="JD014600006281234567", actor="e:vic"),
        )
        closed = the_rma(case)
        assert closed.state == "received" and near(closed.received_at, due - timedelta(minutes=1))
        await advance_to(stack.env, due + timedelta(days=1))
        case = await settled_case(handle, lambda c: the_rma(c).state == "received")
        assert not case.charges and not the_rma(case).billable
        assert not any("rma@protelecom.example" in str(m["To"]) for m in stack.mailbox.messages)


async def test_zsupport_five_days_tracking_number_required_overdue_at_list_price(
    stack: Stack, session: Session
) -> None:
    policy = example_policy(session, "zsupport")
    calendar = policy.calendar("business")
    tuesday = next_quiet(calendar, await stack.env.get_current_time(), 1, time(10, 0))
    await advance_to(stack.env, tuesday - timedelta(minutes=5))
    async with stack.worker() as worker:
        handle = await open_field_case(
            stack, session, worker, policy, "managed", region="north_america"
        )
        # No parts section: an advance replacement under the default 15:00 cut-off, Denver time.
        case = await replaced_on_wednesday(stack, handle, tuesday, "ZX-MX-BOARD", DENVER)
        rma = the_rma(case)
        wednesday = tuesday.date() + timedelta(days=1)
        due = local(wednesday + timedelta(days=7), 17, 0, DENVER)
        assert rma.window == "5d" and rma.due_at == due
        assert rma.reminders_at == [local(wednesday + timedelta(days=5), 17, 0, DENVER)]

        with pytest.raises(WorkflowUpdateFailedError) as error:
            await step(handle, "receive-rma", ReceiveRma(rma_id=rma.id, actor="e:avery"))
        assert "tracking number is required" in str(error.value.cause)

        await advance_to(stack.env, due + timedelta(seconds=30))
        case = await settled_case(handle, lambda c: the_rma(c).state == "overdue")
        # The policy sets no amount: the unreturned board is billed at its list price.
        charges = [c for c in case.charges if c.reason.startswith(f"RMA {rma.id} overdue")]
        assert [(c.amount, c.currency) for c in charges] == [(1500.0, "USD")]
        assert any("helpdesk@zsupport.example" in str(m["To"]) for m in stack.mailbox.messages)
        keys = [s.key for s in await scheduled(stack.client.get_workflow_handle(rma.workflow_id))]
        assert keys == [
            f"{case.id}:{rma.id}:opened",
            f"{case.id}:{rma.id}:reminder0",
            f"{case.id}:{rma.id}:overdue:notify:helpdesk",
        ]
