"""On-site dispatch on the time-skipping server (ProTelecom Premier Plus): requested Friday
afternoon, the technician is due by the end of Monday; nobody there by then pages the on-call."""

from datetime import time, timedelta

import pytest
from sqlmodel import Session
from temporalio.client import WorkflowUpdateFailedError

from models.case.steps import DispatchOnsite
from models.field.records import Arrived, Completed, Dispatch, SiteContact
from tests.workflow.cases import example_policy, step
from tests.workflow.clock import advance_to, near, next_quiet, scheduled
from tests.workflow.field_service import (
    Stack,
    local,
    open_field_case,
    settled_case,
)

SITE = DispatchOnsite(
    site="Boardroom 4, 200 Park Ave, New York",
    contact=SiteContact(name="Sam Site", email="sam.site@acme.test", phone="+1 212 555 0199"),
    actor="e:owen",
)


async def test_friday_afternoon_request_is_due_monday_and_escalates_when_missed(
    stack: Stack, session: Session
) -> None:
    policy = example_policy(session, "protelecom")
    calendar = policy.calendar("business")
    friday = next_quiet(calendar, await stack.env.get_current_time(), 4, time(15, 30))
    monday = friday.date() + timedelta(days=3)
    due = local(monday, 17, 0)
    async with stack.worker() as worker:
        await advance_to(stack.env, friday - timedelta(minutes=10))
        missed = await open_field_case(stack, session, worker, policy, "premier_plus")
        kept = await open_field_case(stack, session, worker, policy, "premier_plus")
        await advance_to(stack.env, friday)
        case = await step(missed, "dispatch-onsite", SITE)
        (dispatch,) = case.field_service.dispatches
        assert (dispatch.state, dispatch.promised_on, dispatch.due_at) == ("booked", monday, due)
        on_time = (await step(kept, "dispatch-onsite", SITE)).field_service
        assert on_time.dispatches[0].due_at == due
        assert any("sam.site@acme.test" in str(m["To"]) for m in stack.mailbox.messages)

        # One technician is there Monday morning; nobody comes to the other.
        await advance_to(stack.env, local(monday, 9, 15))
        kept_handle = stack.client.get_workflow_handle(on_time.dispatches[0].workflow_id)
        arrived = await kept_handle.execute_update(
            "arrived", Arrived(technician="Tess Moreau"), result_type=Dispatch
        )
        assert arrived.state == "arrived" and near(arrived.arrived_at, local(monday, 9, 15))
        await advance_to(stack.env, due + timedelta(minutes=1))
        case = await settled_case(missed, lambda c: c.field_service.dispatches[0].state == "late")
        assert near(case.field_service.dispatches[0].escalated_at, due)
        late_handle = stack.client.get_workflow_handle(dispatch.workflow_id)
        pages = [s for s in await scheduled(late_handle) if s.activity == "send_page"]
        assert len(pages) == 1 and near(pages[0].at, due)
        # The hotline's on-call (the case's tier team) was paged, about this visit only.
        assert len(stack.pages.events) == 1
        assert "not on site" in stack.pages.events[0]["payload"]["summary"]
        assert stack.pages.events[0]["payload"]["custom_details"]["team"] == "hotline"

        # Late, the visit still happens and completes; completing needs an arrival first.
        with pytest.raises(WorkflowUpdateFailedError) as error:
            await late_handle.execute_update("completed", Completed(report="x"))
        assert "technician arrived" in str(error.value.cause)
        await late_handle.execute_update("arrived", Arrived(technician="Umar Said"))
        done = await late_handle.execute_update(
            "completed", Completed(report="Codec replaced"), result_type=Dispatch
        )
        assert done.state == "completed" and done.technician == "Umar Said"
        case = await settled_case(
            missed, lambda c: c.field_service.dispatches[0].state == "completed"
        )
        assert case.field_service.dispatches[0].report == "Codec replaced"


async def test_dispatch_is_refused_where_the_policy_offers_none(
    stack: Stack, session: Session
) -> None:
    protelecom = example_policy(session, "protelecom")
    zsupport = example_policy(session, "zsupport")
    async with stack.worker() as worker:
        premier = await open_field_case(stack, session, worker, protelecom, "premier")
        with pytest.raises(WorkflowUpdateFailedError) as error:
            await step(premier, "dispatch-onsite", SITE)
        assert "plan premier has no on-site dispatch (only premier_plus)" in str(error.value.cause)
        managed = await open_field_case(stack, session, worker, zsupport, "managed")
        with pytest.raises(WorkflowUpdateFailedError) as error:
            await step(managed, "dispatch-onsite", SITE)
        assert "policy zsupport offers no on-site dispatch" in str(error.value.cause)
