"""What the portal's queues and solution search read: each case's next due instant and its
resolution, kept by the projection (activities/projection.py) and filled here from the
document each case row already holds.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from models.case.due import next_due
from models.case.resource import Case

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cases", sa.Column("resolution", sa.Text(), nullable=True))
    # Breaching soonest: open cases by their nearest due instant.
    op.create_index("ix_cases_next_due", "cases", ["next_due_at", "id"])
    cases = sa.table(
        "cases",
        sa.column("id", sa.String()),
        sa.column("document", sa.JSON()),
        sa.column("next_due_at", sa.DateTime(timezone=True)),
        sa.column("resolution", sa.Text()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(cases.c.id, cases.c.document)).all()
    for case_id, document in rows:
        filled = _filled(document)
        if filled:
            connection.execute(cases.update().where(cases.c.id == case_id).values(**filled))


def _filled(document: Any) -> dict[str, Any]:
    """The two columns from a projected document; one that no longer parses is left empty."""
    if not isinstance(document, dict) or not document:
        return {}
    try:
        case = Case.model_validate(document)
    except ValueError:
        return {}
    return {"next_due_at": next_due(case), "resolution": case.resolution}


def downgrade() -> None:
    op.drop_index("ix_cases_next_due", table_name="cases")
    op.drop_column("cases", "resolution")
    op.drop_column("cases", "next_due_at")
