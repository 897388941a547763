"""Indexes for the engineer's queues: open cases unassigned or of one assignee, and open
cases at one tier of a policy, each newest first.

Partial indexes over open cases only (resolved and closed ones, most of a read model, are
left out), so a queue's page is one short range scan in list order on SQLite and on
PostgreSQL (bench/queues.py). The queues' condition is the same text as the indexes'.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_CASES = "status NOT IN ('resolved', 'closed')"
QUEUE_INDEXES = {
    "ix_cases_open_assignee": ["assignee", "received_at", "id"],
    "ix_cases_open_tier": ["policy", "tier", "received_at", "id"],
}


def upgrade() -> None:
    for name, columns in QUEUE_INDEXES.items():
        where = sa.text(OPEN_CASES)
        op.create_index(name, "cases", columns, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name in QUEUE_INDEXES:
        op.drop_index(name, table_name="cases")
