"""Throwaway PostgreSQL databases for tests, on the server ESCALATOR_TEST_DATABASE_URL names.

URLs are changed through SQLAlchemy's URL object, never by splitting strings: a URL such as
`postgresql://postgres@/test?host=/var/run/postgresql&sslmode=disable` has slashes in its
query, and its socket directory and options must survive into every URL made from it.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from escalator.infra.db import migrate, normalise_url

# CREATE and DROP DATABASE cannot run in the database they name, nor in the one the test URL
# names if that is a test database itself; every server has this one.
MAINTENANCE_DATABASE = "postgres"
TEST_DATABASE_PREFIX = "escalator_test_"
# The parameters of every fixture that gives a test both databases; the mark lets
# tests/conftest.py count the tests that ran on PostgreSQL.
DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def with_database(url: str, name: str) -> str:
    """`url` naming database `name`; driver, credentials, host, port and query are kept."""
    return make_url(normalise_url(url)).set(database=name).render_as_string(hide_password=False)


def _execute_on_server(base_url: str, statement: str) -> None:
    admin = create_engine(
        with_database(base_url, MAINTENANCE_DATABASE), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def database_names(base_url: str) -> set[str]:
    """Every database on the server `base_url` points at."""
    admin = create_engine(with_database(base_url, MAINTENANCE_DATABASE))
    try:
        with admin.connect() as connection:
            rows = connection.execute(text("SELECT datname FROM pg_database"))
            return {row[0] for row in rows}
    finally:
        admin.dispose()


@contextmanager
def empty_postgres_database(base_url: str) -> Iterator[str]:
    """A new database with nothing in it (for a setup job to migrate), dropped afterwards."""
    name = f"{TEST_DATABASE_PREFIX}{uuid.uuid4().hex[:10]}"
    _execute_on_server(base_url, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(base_url, name)
    finally:
        _execute_on_server(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_postgres_database(base_url: str, template: str | None = None) -> Iterator[str]:
    """A new migrated database on the server `base_url` points at, dropped afterwards, also
    when the migration fails (a failed setup must not leave databases behind). With
    `template` (a migrated database of `migrated_template`) it is a copy of that, which takes
    a tenth of the time a migration does."""
    name = f"{TEST_DATABASE_PREFIX}{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    _execute_on_server(base_url, f'CREATE DATABASE "{name}"{copy}')
    try:
        url = with_database(base_url, name)
        if template is None:
            migrate(url)
        yield url
    finally:
        _execute_on_server(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_template(base_url: str) -> Iterator[str]:
    """The name of a database migrated to head, for `migrated_postgres_database` to copy;
    nothing may stay connected to it (PostgreSQL copies only an idle database)."""
    with migrated_postgres_database(base_url) as url:
        name = make_url(url).database
        assert name is not None
        yield name
