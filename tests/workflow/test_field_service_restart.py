"""A worker stopped in the middle of each field-service workflow and a new one started on the
same server: the new worker replays the histories and every deadline still fires on time."""

from datetime import time, timedelta

from sqlmodel import Session

from models.case.steps import DispatchOnsite, ReceiveRma, ShipPart
from models.field.records import Delivered, Shipment, SiteContact
from tests.workflow.cases import example_policy, step
from tests.workflow.clock import advance_to, near, next_quiet, scheduled
from tests.workflow.field_service import (
    Stack,
    local,
    open_field_case,
    settled_case,
)


async def test_dispatch_survives_a_worker_restart(stack: Stack, session: Session) -> None:
    policy = example_policy(session, "protelecom")
    friday = next_quiet(
        policy.calendar("business"), await stack.env.get_current_time(), 4, time(15, 30)
    )
    due = local(friday.date() + timedelta(days=3), 17, 0)
    await advance_to(stack.env, friday)
    async with stack.worker(stopped_midway=True) as worker:
        handle = await open_field_case(stack, session, worker, policy, "premier_plus")
        visit = DispatchOnsite(
            site="Lab 2",
            contact=SiteContact(name="Sam Site", email="sam.site@acme.test"),
            actor="e:owen",
        )
        case = await step(handle, "dispatch-onsite", visit)
    # The first worker is gone; another takes over the booked visit.
    async with stack.worker():
        await advance_to(stack.env, due + timedelta(minutes=1))
        case = await settled_case(handle, lambda c: c.field_service.dispatches[0].state == "late")
        dispatch = case.field_service.dispatches[0]
        assert dispatch.due_at == due and near(dispatch.escalated_at, due)
        pages = await scheduled(stack.client.get_workflow_handle(dispatch.workflow_id))
        assert [near(p.at, due) for p in pages if p.activity == "send_page"] == [True]


async def test_shipment_and_rma_survive_worker_restarts(stack: Stack, session: Session) -> None:
    policy = example_policy(session, "protelecom")
    thursday = next_quiet(
        policy.calendar("business"), await stack.env.get_current_time(), 3, time(14, 0)
    )
    day = thursday.date()
    friday = day + timedelta(days=1)
    await advance_to(stack.env, thursday)
    async with stack.worker(stopped_midway=True) as worker:
        handle = await open_field_case(
            stack, session, worker, policy, "premier", region="north_america"
        )
        await advance_to(stack.env, local(day, 14, 59))
        case = await step(handle, "ship-part", ShipPart(sku="AV-MIC-ARRAY", actor="e:owen"))
        shipment = case.field_service.shipments[0]
        assert shipment.state == "scheduled" and shipment.ships_on == day

    # Restart while the shipment waits for its pick-up.
    async with stack.worker(stopped_midway=True):
        await advance_to(stack.env, local(friday, 9, 0))
        case = await settled_case(handle, lambda c: c.field_service.shipments[0].state == "shipped")
        assert case.field_service.shipments[0].shipped_at == local(day, 15, 0)
        assert case.field_service.shipments[0].tracking_number == shipment.tracking_number
        await stack.client.get_workflow_handle(shipment.workflow_id).execute_update(
            "delivered", Delivered(), result_type=Shipment
        )
        case = await settled_case(
            handle,
            lambda c: bool(c.field_service.rmas) and c.field_service.rmas[0].due_at is not None,
        )
        rma = case.field_service.rmas[0]
        due = local(friday + timedelta(days=7), 17, 0)
        assert rma.due_at == due and rma.state == "awaiting_return"

    # Restart while the RMA waits for its first reminder.
    async with stack.worker():
        await advance_to(stack.env, rma.reminders_at[0] + timedelta(minutes=1))
        sent = await scheduled(stack.client.get_workflow_handle(rma.workflow_id))
        reminders = [s for s in sent if s.key.endswith(":reminder0")]
        assert len(reminders) == 1 and near(reminders[0].at, rma.reminders_at[0])
        case = await step(
            handle,
            "receive-rma",
            ReceiveRma(rma_id=rma.id, tracking_number="1Z999AA10123456784", actor="e:vic"),
        )
        assert case.field_service.rmas[0].state == "received"
        # Nothing was lost or done twice across the restarts.
        keys = [s.key for s in await scheduled(stack.client.get_workflow_handle(rma.workflow_id))]
        assert keys == [f"{case.id}:{rma.id}:opened", f"{case.id}:{rma.id}:reminder0"]
        assert case.field_service.shipments[0].state == "delivered" and not case.charges
