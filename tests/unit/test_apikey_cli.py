"""`escalator apikey create | list | revoke`, and the api_keys table its migration creates."""

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel
from temporalio.client import Client

from api.app import create_app
from escalator.cli import main
from escalator.infra.db import engine_from_url
from escalator.infra.settings import Settings, get_settings
from models.tables.core import ApiKeyRow


@pytest.fixture(autouse=True)
def cli_database(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[None]:
    """The CLI reads its database from the environment, as it does for an operator."""
    monkeypatch.setenv("ESCALATOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["apikey", *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def status_with(engine: Engine, token: str) -> int:
    """What `GET /cases` answers to this token (the listing needs only the database)."""
    # Nothing listens on port 1: this request never needs Temporal.
    client = await Client.connect("127.0.0.1:1", lazy=True)
    app = create_app(Settings(), engine=engine, client=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            response = await api.get("/cases", headers={"Authorization": f"Bearer {token}"})
            return response.status_code


async def test_a_created_token_authenticates_until_revoked(
    capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    code, out, err = run(capsys, "create", "--role", "engineer", "--name", "ada")

    assert code == 0
    token = out.strip()
    assert token.startswith("esc_") and "\n" not in token  # alone on stdout, for $(...)
    assert "cannot be shown again" in err
    assert await status_with(engine, token) == 200

    code, out, _err = run(capsys, "revoke", "1")
    assert code == 0 and "revoked" in out
    assert await status_with(engine, token) == 401
    assert run(capsys, "revoke", "1")[0] == 0  # revoking twice changes nothing


def test_list_shows_keys_but_never_their_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    partner = run(capsys, "create", "--role", "partner", "--org", "acme")[1].strip()
    auditor = run(capsys, "create", "--role", "auditor", "--name", "eve")[1].strip()

    code, out, _err = run(capsys, "list")

    assert code == 0
    header, *lines = out.splitlines()
    assert header.split() == ["ID", "NAME", "ROLE", "ORG", "PREFIX", "CREATED", "REVOKED"]
    assert [line.split()[:4] for line in lines] == [
        ["1", "acme", "partner", "acme"],
        ["2", "eve", "auditor", "-"],
    ]
    assert partner[:12] + "..." in out and auditor[:12] + "..." in out
    assert partner not in out and auditor not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "partner"], "--org is required for the partner role"),
        (["--role", "engineer", "--org", "acme"], "--org is for partner keys only"),
    ],
)
def test_create_refuses_a_wrong_organisation_with_exit_2(
    capsys: pytest.CaptureFixture[str], session: Session, argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "create", *argv)

    assert code == 2
    assert out == ""
    assert message in err
    assert session.get(ApiKeyRow, 1) is None


def test_unknown_role_and_unknown_key(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["apikey", "create", "--role", "superuser"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err

    code, _out, err = run(capsys, "revoke", "42")
    assert code == 1
    assert "no API key 42" in err


def test_migration_matches_the_table_and_enforces_partner_orgs(database_url: str) -> None:
    # On SQLite, and on PostgreSQL when ESCALATOR_TEST_DATABASE_URL names one.
    engine = engine_from_url(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in differences if "api_keys" in repr(d)] == []

    now = datetime.now(UTC)
    with Session(engine) as session:
        for role, org in (("partner", None), ("engineer", "acme"), ("root", None)):
            session.add(
                ApiKeyRow(
                    name="x", role=role, org=org, prefix="esc_", token_sha256=role, created_at=now
                )
            )
            with pytest.raises(IntegrityError):
                session.commit()
            session.rollback()
    engine.dispose()
