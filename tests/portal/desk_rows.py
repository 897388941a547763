"""Read-model rows for the help desk's list and solutions tests: the lists read `CaseRow`
only, so cases in every state and age are written as the projection writes them; one case
per test is also opened for real, through the case service."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from models.tables.core import CaseRow

NOW = datetime.now(UTC)


def add_rows(engine: Engine, *rows: dict[str, Any]) -> None:
    """Cases in the read model: each dict overrides a plain open Z-Support case of acme."""
    with Session(engine) as session:
        for number, overrides in enumerate(rows):
            received = overrides.pop("received_at", NOW - timedelta(hours=number + 1))
            values: dict[str, Any] = {
                "policy": "zsupport",
                "policy_version": 1,
                "plan": "managed",
                "org": "acme",
                "status": "in_progress",
                "channel": "api",
                "received_at": received,
                "updated_at": overrides.pop("updated_at", received),
                **overrides,
            }
            session.add(CaseRow(**values))
        session.commit()


async def row_when(
    temporal_env: WorkflowEnvironment, engine: Engine, case_id: str, **wanted: Any
) -> CaseRow:
    """The case's row once the projection wrote the values `wanted` (the projection runs
    as an activity after each change)."""
    for _ in range(100):
        with Session(engine) as session:
            row = session.get(CaseRow, case_id)
            if row is not None and all(getattr(row, k) == v for k, v in wanted.items()):
                return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {case_id} never had {wanted}")
