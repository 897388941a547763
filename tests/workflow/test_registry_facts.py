"""What the client registry says when a case opens, and what the case does with it, on the
time-skipping server at exact instants: the client's own business hours on a shared plan,
entitlement of the system the case names, the site's zone and holidays for parts, and the
contact's standing (models/case/registry_facts.py)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, delete
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from models.case.resource import Case, CaseResult
from models.case.steps import ShipPart
from models.tables.client_registry import (
    AuthorisedContactRow,
)
from tests.workflow.cases import Desk, example_policy, open_case, step
from tests.workflow.clock import advance_to
from tests.workflow.field_service import Stack, all_fields, settled_case
from tests.workflow.registry_rows import contract, organisation, system
from workflows.case import CaseWorkflow

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def read_model_url(database_url: str) -> str:
    """On SQLite and on PostgreSQL: the registry is read where production keeps it."""
    return database_url


async def test_a_client_in_chicago_is_due_in_chicago_business_hours_on_the_shared_plan(
    own_env: WorkflowEnvironment, session: Session, desk: Desk
) -> None:
    """Z-Support's business calendar counts in each client's zone: at 08:30 in Chicago a
    Chicago client's case arrives inside business hours (2 h response), where the policy's
    own Denver hours (07:30 there) would count it outside them (12 business hours)."""
    organisation(session, "windy", "America/Chicago", "US-IL")
    session.add(AuthorisedContactRow(org="windy", email="ada@windy.test", role="primary"))
    session.commit()
    policy = example_policy(session, "zsupport")
    now = await own_env.get_current_time()
    monday = now.astimezone(CHICAGO).date() + timedelta(days=7 - now.astimezone(CHICAGO).weekday())
    while any(
        not policy.calendar("business").is_open(datetime.combine(day, time(12), CHICAGO))
        for day in (monday, monday + timedelta(days=1))
    ):
        monday += timedelta(days=7)
    received = datetime.combine(monday, time(8, 30), CHICAGO)
    await advance_to(own_env, received)
    contact = {"name": "Ada", "email": "ada@windy.test"}
    _, case = await desk.open_case_at(
        received, "zsupport", "managed", org="windy", severity="standard", contact=contact
    )
    assert case.sla["response"].due_at == datetime.combine(monday, time(10, 30), CHICAGO)
    assert case.sla["response"].target == "2h"
    assert case.billable is False

    # A client the registry does not place keeps the policy's zone: outside Denver's hours.
    _, elsewhere = await desk.open_case_at(
        received, "zsupport", "managed", org="acme", severity="standard"
    )
    assert elsewhere.sla["response"].target == "12h"


async def test_entitlement_is_the_named_system_s_opened_before_its_expiry(
    temporal_env: WorkflowEnvironment, session: Session, shared_desk: Desk
) -> None:
    """E-MetroTel names the system by host ID: the contract of that system decides. Expired
    yesterday: work waits for a purchase order; expiring tomorrow: covered; no such system:
    not covered."""
    example_policy(session, "emetrotel")
    received = await temporal_env.get_current_time()
    lapsed = system(session, "acme", "HOST-OLD")
    current = system(session, "acme", "HOST-NEW")
    year = timedelta(days=365)
    contract(session, "acme", lapsed, "standard", received - year, received - timedelta(days=1))
    contract(session, "acme", current, "standard", received - year, received + timedelta(days=1))

    async def opened_for(host_id: str) -> Case:
        fields = {"host_id": host_id, "end_customer": "Acme", "system_type": "UCX250"}
        _, case = await shared_desk.open_case_at(
            received, "emetrotel", "standard", severity="standard", fields=fields
        )
        return case

    assert (await opened_for("HOST-OLD")).entitlement == "po_required"
    assert (await opened_for("HOST-NEW")).entitlement == "covered"
    nowhere = await opened_for("HOST-NOWHERE")
    assert nowhere.entitlement != "covered"
    assert "acme has no system with host ID HOST-NOWHERE" in nowhere.notes[-1].text


async def test_a_backup_contact_is_authorised_until_removed(
    temporal_env: WorkflowEnvironment, session: Session, shared_desk: Desk
) -> None:
    session.add(AuthorisedContactRow(org="acme", email="bob@acme.test", role="backup"))
    session.commit()
    received = await temporal_env.get_current_time()
    bob = {"name": "Bob", "email": "bob@acme.test"}
    _, case = await shared_desk.open_case_at(
        received, "zsupport", "managed", contact=bob, authorised=False
    )
    assert case.billable is False
    session.execute(
        delete(AuthorisedContactRow).where(col(AuthorisedContactRow.email) == "bob@acme.test")
    )
    session.commit()
    _, case = await shared_desk.open_case_at(
        received, "zsupport", "managed", contact=bob, authorised=False
    )
    assert case.billable is True


async def test_a_part_for_a_berlin_site_ships_by_berlin_s_cutoff_and_holidays(
    stack: Stack, session: Session
) -> None:
    """ProTelecom's cut-off is 15:00 local time: for a system at a Berlin site, Berlin's
    15:00 and Berlin's holidays (Good Friday and Easter Monday, no holidays in New York)."""
    policy = example_policy(session, "protelecom")
    organisation(session, "acme", "America/New_York", "US")
    berlin = system(
        session,
        "acme",
        "HOST-BER",
        site="Alexanderplatz 1, Berlin",
        region="europe",
        site_time_zone="Europe/Berlin",
        holidays_country="DE",
        holidays_subdivision="BE",
    )
    contract(
        session,
        "acme",
        berlin,
        "premier",
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2028, 1, 1, tzinfo=UTC),
    )
    thursday = date(2027, 3, 25)  # before Good Friday (26) and Easter Monday (29)
    async with stack.worker() as worker:
        await advance_to(stack.env, datetime.combine(thursday, time(14, 0), BERLIN))
        handles = []
        for _ in range(2):
            handle, _case = await _opened(stack, session, worker.task_queue, policy.name)
            handles.append(handle)
        part = ShipPart(sku="AV-CAM-PTZ", quantity=1, actor="e:owen")
        await advance_to(stack.env, datetime.combine(thursday, time(14, 59), BERLIN))
        early = await step(handles[0], "ship-part", part)
        (shipment,) = early.field_service.shipments
        assert shipment.region == "europe"
        assert (shipment.ships_on, shipment.delivered_on) == (thursday, date(2027, 3, 30))
        # 15:01 in Berlin is 10:01 in New York: the policy's own zone would ship it today.
        await advance_to(stack.env, datetime.combine(thursday, time(15, 1), BERLIN))
        late = await step(handles[1], "ship-part", part)
        (shipment,) = late.field_service.shipments
        assert (shipment.ships_on, shipment.delivered_on) == (date(2027, 3, 30), date(2027, 3, 31))
        await settled_case(handles[0], lambda c: c.field_service.shipments[0].state == "shipped")


async def _opened(
    stack: Stack, session: Session, task_queue: str, policy: str
) -> tuple[WorkflowHandle[CaseWorkflow, CaseResult], Case]:
    """A Premier case about the Berlin system (by its host ID), received now."""
    return await open_case(
        stack.client,
        session,
        task_queue,
        policy=policy,
        plan="premier",
        received_at=await stack.env.get_current_time(),
        fields={**all_fields(example_policy(session, policy)), "host_id": "HOST-BER"},
    )
