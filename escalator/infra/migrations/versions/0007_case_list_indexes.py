"""Indexes for the case list: newest first within an organisation, a status, or breached.

`GET /cases` orders by (received_at, id) descending and pages by that cursor; with one
index per filter the database either scans the received_at index and skips rows of
other organisations, or sorts every row of the organisation. These indexes serve both
the filter and the order (bench/list_cases.py, bench/RESULTS.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTING_INDEXES = {
    "ix_cases_org_received": ["org", "received_at", "id"],
    "ix_cases_status_received": ["status", "received_at", "id"],
    "ix_cases_breached_received": ["breached", "received_at", "id"],
}


def upgrade() -> None:
    for name, columns in LISTING_INDEXES.items():
        op.create_index(name, "cases", columns)


def downgrade() -> None:
    for name in LISTING_INDEXES:
        op.drop_index(name, table_name="cases")
