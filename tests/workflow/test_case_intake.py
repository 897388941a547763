"""Intake of a case: ticket number, required fields and their charge, acknowledgement."""

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from models.tables.client_registry import AuthorisedContactRow
from models.tables.core import CaseRow, OutboundMessageRow
from tests.workflow.cases import Desk
from workflows.case import CaseWorkflow

ALL_FIELDS = {
    "company_name": "Acme",
    "serial_numbers": "B-1, A-2",
    "software_version": "17.0.4",
    "problem_description": "Calls drop; reproducible",
    "internal_ticket_number": "ACME-7",
}


async def test_intake_allocates_tickets_acknowledges_and_projects(
    temporal_env: WorkflowEnvironment, engine: Engine, session: Session, shared_desk: Desk
) -> None:
    session.add(AuthorisedContactRow(org="acme", email="ada@acme.test", name="Ada Admin"))
    session.commit()
    # Received now on the server, not at a fixed date: a case received in the past is already
    # overdue, and its escalation e-mails would join the acknowledgement.
    received = await temporal_env.get_current_time()
    first, case_one = await shared_desk.open_case_at(
        received, "zsupport", "managed", severity="standard", fields=ALL_FIELDS
    )
    _, case_two = await shared_desk.open_case_at(
        received, "zsupport", "managed", severity="standard", fields=ALL_FIELDS
    )

    assert {case_one.ticket_number, case_two.ticket_number} == {"ZSU-000001", "ZSU-000002"}
    assert case_one.status == "new" and case_one.tier == "helpdesk"
    assert case_one.missing_fields == [] and case_one.charges == []
    assert case_one.billable is False
    assert (await first.query(CaseWorkflow.get_case)).ticket_number == case_one.ticket_number
    with Session(engine) as db:
        row = db.get(CaseRow, case_one.id)
        assert row is not None and row.ticket_number == case_one.ticket_number
        assert row.document["subject"] == "Calls drop after 30 seconds"
    await temporal_env.sleep(1)
    with Session(engine) as db:
        messages = db.exec(
            select(OutboundMessageRow).where(OutboundMessageRow.case_id == case_one.id)
        ).all()
    assert [m.kind for m in messages] == ["acknowledgement"]
    assert messages[0].to_address == "ada@acme.test"
    ticket = case_one.ticket_number
    assert ticket is not None and ticket in messages[0].subject


async def test_missing_fields_are_charged_and_requested_and_strangers_billable(
    temporal_env: WorkflowEnvironment, engine: Engine, shared_desk: Desk
) -> None:
    _, case = await shared_desk.open_case_at(
        await temporal_env.get_current_time(),
        "zsupport",
        "managed",
        severity="standard",
        authorised=False,
        fields={"software_version": "17.0.4"},
    )
    # The organisation and the description give company_name and problem_description
    # (`filled_by`): only what is truly missing is asked for and charged.
    assert case.missing_fields == ["serial_numbers", "internal_ticket_number"]
    (charge,) = case.charges
    assert (charge.amount, charge.currency) == (100.0, "USD")
    assert charge.reason.endswith(": serial_numbers, internal_ticket_number")
    assert case.billable is True  # ada@acme.test is no authorised contact here
    await temporal_env.sleep(1)
    with Session(engine) as db:
        kinds = {m.kind for m in db.exec(select(OutboundMessageRow)).all()}
    assert {"acknowledgement", "request_info", "customer_message"} <= kinds
