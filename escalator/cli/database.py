"""What the commands that read or change tables share: a session on the migrated database."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlmodel import Session

from escalator.infra.db import engine_from_url, migrate
from escalator.infra.settings import get_settings


@contextmanager
def cli_session() -> Iterator[Session]:
    url = get_settings().database_url
    migrate(url)  # a no-op when `escalator up` already did it; makes a fresh checkout work too
    engine = engine_from_url(url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def format_instant(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if at else "-"


def print_table(table: list[tuple[object, ...]]) -> None:
    widths = [max(len(str(line[i])) for line in table) for i in range(len(table[0]))]
    for line in table:
        cells = (str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        print("  ".join(cells).rstrip())
