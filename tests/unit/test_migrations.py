"""The migrations form one line and build the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers every table)
from escalator.infra.db import alembic_config, engine_from_url


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = engine_from_url(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = [
            diff
            for diff in compare_metadata(context, SQLModel.metadata)
            # Type spellings (VARCHAR vs AutoString) are not drift; tables, columns, indexes are.
            if not (isinstance(diff, list) or diff[0] == "modify_type")
        ]
    engine.dispose()
    assert differences == []
