"""The throwaway PostgreSQL databases of tests/databases.py: URLs with a query string keep it,
and a migration that fails leaves no database behind."""

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import tests.databases
from tests.databases import database_names, migrated_postgres_database, with_database

POSTGRES_URL = os.environ.get("ESCALATOR_TEST_DATABASE_URL")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@/test?host=/socket/dir",
        "postgresql://postgres@127.0.0.1:5432/test?sslmode=disable",
        "postgresql://me:p%40ss%2Fword@/test?host=/var/run/postgresql&sslmode=require",
    ],
)
def test_only_the_database_name_changes(url: str) -> None:
    before = make_url(url)
    after = make_url(with_database(url, "escalator_test_abc"))

    assert after.database == "escalator_test_abc"
    assert after.query == before.query
    assert (after.username, after.password, after.host, after.port) == (
        before.username,
        before.password,
        before.host,
        before.port,
    )
    assert after.drivername == "postgresql+psycopg"


def test_a_socket_directory_is_kept_verbatim() -> None:
    url = with_database("postgresql://postgres@/test?host=/socket/dir", "other")
    assert make_url(url).query["host"] == "/socket/dir"
    assert make_url(url).database == "other"


@pytest.mark.skipif(not POSTGRES_URL, reason="ESCALATOR_TEST_DATABASE_URL names no PostgreSQL")
def test_a_failed_migration_drops_its_database(monkeypatch: pytest.MonkeyPatch) -> None:
    assert POSTGRES_URL is not None
    seen: dict[str, object] = {}

    def half_done_migration(url: str) -> None:
        # What a migration failing halfway does: the database exists and has been written to.
        name = make_url(url).database
        assert name is not None
        seen["name"] = name
        seen["existed"] = name in database_names(POSTGRES_URL)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE half_done (id integer)"))
        engine.dispose()
        raise RuntimeError("migration failed")

    monkeypatch.setattr(tests.databases, "migrate", half_done_migration)
    with pytest.raises(RuntimeError, match="migration failed"):
        with migrated_postgres_database(POSTGRES_URL):
            pytest.fail("a failed migration yields no database")

    assert seen["existed"] is True
    assert seen["name"] not in database_names(POSTGRES_URL)


@pytest.mark.skipif(not POSTGRES_URL, reason="ESCALATOR_TEST_DATABASE_URL names no PostgreSQL")
def test_a_migrated_database_is_dropped_after_use() -> None:
    assert POSTGRES_URL is not None
    with migrated_postgres_database(POSTGRES_URL) as url:
        name = make_url(url).database
        assert name in database_names(POSTGRES_URL)
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        engine.dispose()
    assert name not in database_names(POSTGRES_URL)
