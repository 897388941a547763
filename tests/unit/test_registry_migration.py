"""Migration 0011 on a registry filled before it: contacts lower-cased and kept once per
organisation (with the role "other"), coverage kept as the client's as a whole."""

from pathlib import Path

from alembic import command
from sqlalchemy import text

from escalator.infra.db import alembic_config, engine_from_url


def test_existing_contacts_and_coverage_survive_the_registry_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite"
    command.upgrade(alembic_config(url), "0010")
    engine = engine_from_url(url)
    with engine.begin() as connection:
        for org, email in [
            ("acme", "Ada@Acme.test"),
            ("acme", "ada@acme.test"),
            ("globex", "ada@acme.test"),
        ]:
            connection.execute(
                text("INSERT INTO authorised_contacts (org, email, name) VALUES (:o, :e, 'Ada')"),
                {"o": org, "e": email},
            )
        connection.execute(
            text(
                "INSERT INTO coverage (org, kind, plan, reference, starts_at, expires_at) VALUES"
                " ('acme', 'contract', 'premium', 'C-1', '2026-01-01', '2027-01-01')"
            )
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        contacts = connection.execute(
            text("SELECT org, email, role, phone FROM authorised_contacts ORDER BY org")
        ).all()
        coverage = connection.execute(
            text("SELECT org, system_id, monthly_fee, extended FROM coverage")
        ).all()
    engine.dispose()
    assert [tuple(row) for row in contacts] == [
        ("acme", "ada@acme.test", "other", None),
        ("globex", "ada@acme.test", "other", None),
    ]
    assert [tuple(row) for row in coverage] == [("acme", None, None, 0)]
