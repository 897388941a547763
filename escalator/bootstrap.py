"""Bring a database to a usable state: newest schema, and example policies when it has none."""

from sqlmodel import Session

from escalator.db import engine_from_url, migrate
from escalator.settings import Settings


def prepare_database(settings: Settings) -> None:
    migrate(settings.database_url)
    engine = engine_from_url(settings.database_url)
    try:
        from escalator.policy_store import publish_examples_if_absent

        with Session(engine) as session:
            publish_examples_if_absent(session, settings.policies_dir)
    finally:
        engine.dispose()
