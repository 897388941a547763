"""Bring a database to a usable state: newest schema; example policies and seed inventory
when it has none."""

from sqlmodel import Session

from escalator.infra.db import engine_from_url, migrate
from escalator.infra.settings import Settings


def prepare_database(settings: Settings) -> None:
    migrate(settings.database_url)
    engine = engine_from_url(settings.database_url)
    try:
        from escalator.inventory_seed import load_inventory_seed
        from escalator.policy_store import publish_examples_if_absent

        with Session(engine) as session:
            publish_examples_if_absent(session, settings.policies_dir)
            # Parts and warehouses for field service, when the inventory is empty.
            load_inventory_seed(session)
    finally:
        engine.dispose()
