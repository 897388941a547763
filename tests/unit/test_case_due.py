"""The nearest due instant a case owes, and migration 0009 filling it for cases projected
before the column existed."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import text

from escalator.infra.db import alembic_config, engine_from_url
from models.case.due import next_due
from models.case.resource import Case, SlaTarget

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)


def case(status: str = "acknowledged", **sla: SlaTarget) -> Case:
    return Case.model_validate(
        {
            "id": "case-1",
            "policy": "zsupport",
            "policy_version": 1,
            "plan": "managed",
            "org": "acme",
            "status": status,
            "channel": "api",
            "subject": "s",
            "contact": {"name": "Ada", "email": "ada@acme.test"},
            "received_at": T0,
            "updated_at": T0,
            "sla": sla,
            "resolution": "swapped the PSU" if status == "resolved" else None,
        }
    )


def test_the_nearest_running_target_is_due_next() -> None:
    response = SlaTarget(target="2h", due_at=T0 + timedelta(hours=2))
    restoration = SlaTarget(target="4h", due_at=T0 + timedelta(hours=4))
    assert next_due(case(response=response, restoration=restoration)) == response.due_at
    met = response.model_copy(update={"met_at": T0})
    assert next_due(case(response=met, restoration=restoration)) == restoration.due_at
    paused = restoration.model_copy(update={"paused": True})
    assert next_due(case(response=met, restoration=paused)) is None
    # A breached target is still owed: it sorts first.
    breached = response.model_copy(update={"breached": True})
    assert next_due(case(response=breached, restoration=restoration)) == response.due_at
    assert next_due(case("resolved", response=response)) is None


def test_migration_0009_fills_the_columns_from_each_projected_document(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite"
    command.upgrade(alembic_config(url), "0008")
    engine = engine_from_url(url)
    due = SlaTarget(target="2h", due_at=T0 + timedelta(hours=2))
    documents = {
        "case-open": case(response=due).model_dump_json(),
        "case-done": case("resolved", response=due).model_dump_json(),
        "case-odd": '{"not": "a case"}',
    }
    with engine.begin() as connection:
        for case_id, document in documents.items():
            connection.execute(
                text(
                    "INSERT INTO cases (id, policy, policy_version, plan, org, status, subject,"
                    " channel, received_at, updated_at, breached, document, revision) VALUES"
                    " (:id, 'zsupport', 1, 'managed', 'acme', 'new', 's', 'api', :t, :t, 0,"
                    " :document, 1)"
                ),
                {"id": case_id, "t": T0.isoformat(), "document": document},
            )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        rows = dict(
            (row[0], row[1:])
            for row in connection.execute(text("SELECT id, next_due_at, resolution FROM cases"))
        )
    engine.dispose()
    assert rows["case-open"][0] is not None and rows["case-open"][0].startswith("2026-12-07 11:00")
    assert rows["case-done"] == (None, "swapped the PSU")
    assert rows["case-odd"] == (None, None)
