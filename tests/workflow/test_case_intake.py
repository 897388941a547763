"""The first slice of a case: ticket number, acknowledgement e-mail, read-model row."""

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.case import CaseInput, CaseIntake, Contact
from models.tables import CaseRow, OutboundMessageRow
from workflows.case import CaseWorkflow

POLICY = {"name": "zsupport", "intake": {"ticket_prefix": "ZSU"}, "plans": {"standard": {}}}


def intake(**overrides: object) -> CaseIntake:
    values: dict[str, object] = {
        "policy": "zsupport",
        "plan": "standard",
        "org": "acme",
        "subject": "Calls drop after 30 seconds",
        "description": "Every outbound call drops.",
        "contact": Contact(name="Ada Admin", email="ada@acme.test"),
    }
    values.update(overrides)
    return CaseIntake.model_validate(values)


async def start_case(env: WorkflowEnvironment, worker: Worker, case_id: str):  # type: ignore[no-untyped-def]
    return await env.client.start_workflow(
        CaseWorkflow.run,
        CaseInput(
            case_id=case_id,
            intake=intake(),
            received_at=datetime(2026, 11, 20, 16, 30, tzinfo=UTC),
            policy_version=1,
            policy=POLICY,
        ),
        id=case_id,
        task_queue=worker.task_queue,
    )


async def test_intake_allocates_ticket_acknowledges_and_projects(
    temporal_env: WorkflowEnvironment, worker: Worker, engine: Engine
) -> None:
    first = await start_case(temporal_env, worker, "case-intake-1")
    second = await start_case(temporal_env, worker, "case-intake-2")

    case_one = await first.execute_update(CaseWorkflow.intake_recorded)
    case_two = await second.execute_update(CaseWorkflow.intake_recorded)

    assert {case_one.ticket_number, case_two.ticket_number} == {"ZSU-000001", "ZSU-000002"}
    assert case_one.status == "new"
    assert case_one.received_at == datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    queried = await first.query(CaseWorkflow.get_case)
    assert queried.ticket_number == case_one.ticket_number

    with Session(engine) as session:
        row = session.get(CaseRow, "case-intake-1")
        assert row is not None
        assert row.ticket_number == case_one.ticket_number
        assert row.org == "acme"
        assert row.document["subject"] == "Calls drop after 30 seconds"
    # The acknowledgement is sent once per case, after the ticket number exists.
    await temporal_env.sleep(1)
    with Session(engine) as session:
        messages = session.exec(
            select(OutboundMessageRow).where(OutboundMessageRow.case_id == "case-intake-1")
        ).all()
    assert len(messages) == 1
    assert messages[0].kind == "acknowledgement"
    assert messages[0].to_address == "ada@acme.test"
    assert messages[0].subject.startswith(f"[{case_one.ticket_number}]")
    assert messages[0].status == "kept"
