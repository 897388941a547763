"""The throwaway PostgreSQL databases of tests/databases.py: URLs with a query string keep it,
and a migration that fails leaves no database behind."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import tests.databases
from tests.databases import (
    database_names,
    migrated_postgres_database,
    migrated_template,
    with_database,
)


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


@pytest.mark.postgresql
def test_a_failed_migration_drops_its_database(
    monkeypatch: pytest.MonkeyPatch, postgres_server: str
) -> None:
    seen: dict[str, object] = {}

    def half_done_migration(url: str) -> None:
        # What a migration failing halfway does: the database exists and has been written to.
        name = make_url(url).database
        assert name is not None
        seen["name"] = name
        seen["existed"] = name in database_names(postgres_server)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE half_done (id integer)"))
        engine.dispose()
        raise RuntimeError("migration failed")

    monkeypatch.setattr(tests.databases, "migrate", half_done_migration)
    with pytest.raises(RuntimeError, match="migration failed"):
        with migrated_postgres_database(postgres_server):
            pytest.fail("a failed migration yields no database")

    assert seen["existed"] is True
    assert seen["name"] not in database_names(postgres_server)


@pytest.mark.postgresql
def test_a_migrated_database_is_dropped_after_use(postgres_server: str) -> None:
    with migrated_postgres_database(postgres_server) as url:
        name = make_url(url).database
        assert name in database_names(postgres_server)
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        engine.dispose()
    assert name not in database_names(postgres_server)


@pytest.mark.postgresql
def test_a_copy_of_the_template_is_migrated_and_independent(postgres_server: str) -> None:
    with migrated_template(postgres_server) as template:
        with migrated_postgres_database(postgres_server, template=template) as url:
            engine = create_engine(url)
            with engine.begin() as connection:
                assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                connection.execute(text("CREATE TABLE only_in_the_copy (id integer)"))
            engine.dispose()
        # The template is untouched, so the next copy starts from head again.
        with migrated_postgres_database(postgres_server, template=template) as url:
            engine = create_engine(url)
            with engine.connect() as connection:
                tables = connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE tablename = 'only_in_the_copy'")
                ).all()
            engine.dispose()
            assert tables == []
