"""Entitlement against the registry, the purchase-order gate, and tickets numbered on triage."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from activities.client_registry import RegistryActivities
from escalator.infra.db import engine_from_url
from models.case.activity_inputs import EntitlementRequest
from models.case.steps import ApprovePo, Triage
from models.tables.client_registry import AuthorisedContactRow, CoverageRow
from tests.workflow.cases import Desk, add_contract, delivered, example_policy, step
from tests.workflow.clock import advance_to, scheduled
from tests.workflow.conftest import Wired

OPENED = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)


def request(opened_at: datetime, plan: str = "premium") -> EntitlementRequest:
    return EntitlementRequest(
        org="acme",
        plan=plan,
        opened_at=opened_at,
        checks=["contract", "warranty"],
        match_plan_level=True,
        opened_before_expiry=True,
    )


def test_covered_only_when_opened_before_expiry_at_the_plan_level(database_url: str) -> None:
    engine: Engine = engine_from_url(database_url)
    expires = OPENED + timedelta(hours=1)
    with Session(engine) as session:
        session.add(
            CoverageRow(
                org="acme",
                kind="contract",
                plan="premium",
                reference="SSC-1",
                starts_at=OPENED - timedelta(days=365),
                expires_at=expires,
            )
        )
        session.add(
            CoverageRow(
                org="other",
                kind="warranty",
                plan=None,
                reference="W-9",
                starts_at=OPENED - timedelta(days=1),
                expires_at=OPENED + timedelta(days=300),
            )
        )
        session.commit()
    check = RegistryActivities(engine).check_entitlement
    assert check(request(OPENED)).outcome == "covered"
    assert check(request(expires - timedelta(seconds=1))).outcome == "covered"
    # Opened at or after the expiry instant: the contract no longer covers it.
    late = check(request(expires))
    assert late.outcome == "expired" and late.reference == "SSC-1"
    # A contract at another level does not entitle to this plan; another org's warranty neither.
    assert check(request(OPENED, plan="premium_plus")).outcome == "none"
    engine.dispose()


async def test_purchase_order_resumes_the_clocks(
    own_env: WorkflowEnvironment, wired: Wired, session: Session, desk: Desk
) -> None:
    received = await own_env.get_current_time()
    add_contract(session, "premium", received - timedelta(days=400), received - timedelta(days=35))
    handle, case = await desk.open_case_at(received, "emetrotel", "premium", severity="standard")
    assert case.entitlement == "po_required" and case.sla["response"].paused
    await advance_to(own_env, received + timedelta(hours=3))
    approved = await step(handle, "approve-po", ApprovePo(po_number="PO-7731", actor="manager:lee"))
    assert approved.entitlement == "po_approved"
    assert not approved.sla["response"].paused and approved.sla["response"].due_at is not None
    assert approved.notes[-1].actor == "manager:lee" and "PO-7731" in approved.notes[-1].text
    # The requester was told at once that the request is not covered.
    assert any("Not covered" in subject for subject in wired.mailbox.subjects())


async def test_ticket_numbered_on_triage_is_sent_to_the_requester(
    own_env: WorkflowEnvironment, wired: Wired, desk: Desk
) -> None:
    handle, case = await desk.open_case_at(await own_env.get_current_time(), "maltarea", "partner")
    assert case.ticket_number is None and case.severity is None
    triaged = await step(handle, "triage", Triage(severity="sev2", actor="e:marija"))
    assert triaged.ticket_number is not None and triaged.status == "triaged"
    assert triaged.sla["response"].target == "2h"
    await delivered(handle)
    keys = [item.key.removeprefix(f"{handle.id}:") for item in await scheduled(handle)]
    assert "ticket-number" in keys
    notice = [m for m in wired.mailbox.messages if triaged.ticket_number in str(m["Subject"])]
    assert notice, wired.mailbox.subjects()


async def test_requesters_who_are_not_authorised_contacts(
    own_env: WorkflowEnvironment, wired: Wired, session: Session, desk: Desk
) -> None:
    now = await own_env.get_current_time()
    session.add(AuthorisedContactRow(org="acme", email="it@acme.test", name="Acme IT"))
    session.commit()
    # Maltarea supports partners' help desks: anyone else is referred to their provider.
    _, case = await desk.open_case_at(now, "maltarea", "partner", severity="sev3", authorised=False)
    assert case.status == "closed" and case.notes[-1].text.startswith("referred:")
    referral = example_policy(session, "maltarea").intake.authorised_contacts
    assert referral is not None and referral.message is not None
    bodies = [str(m.get_payload()) for m in wired.mailbox.messages]
    assert any(referral.message.split(".")[0] in body for body in bodies)
    # An authorised contact of the same organisation gets a case that stays open.
    _, listed = await desk.open_case_at(
        now,
        "maltarea",
        "partner",
        severity="sev3",
        authorised=False,
        contact={"name": "Acme IT", "email": "IT@acme.test"},
    )
    assert listed.status == "new" and not listed.billable
    # Z-Support accepts anyone, charges the work, and says so.
    _, billable = await desk.open_case_at(
        now, "zsupport", "managed", severity="standard", authorised=False
    )
    assert billable.billable and billable.status == "new"
    keys = [
        item.key.removeprefix(f"{billable.id}:")
        for item in await scheduled(own_env.client.get_workflow_handle(billable.id))
    ]
    assert keys[:2] == ["contact", "acknowledgement"]
