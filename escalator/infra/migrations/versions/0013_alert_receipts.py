"""Alert receipts: every accepted Alertmanager webhook, and each of its alerts (as received)
with its state as it is worked, so an alert storm answers at once and nothing accepted is
lost (models/tables/intake.py). The API resumes receipts with pending items as it starts.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models/intake/alerts.py names them then.
STATES = ("pending", "opened", "noted", "skipped", "failed")


def upgrade() -> None:
    op.create_table(
        "alert_receipts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "alert_receipt_items",
        sa.Column(
            "receipt_id",
            sa.Integer(),
            sa.ForeignKey("alert_receipts.id"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(200), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("org", sa.String(128), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("ticket_number", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "state IN (" + ", ".join(f"'{state}'" for state in STATES) + ")",
            name="ck_alert_receipt_items_state",
        ),
    )
    op.create_index("ix_alert_receipt_items_state", "alert_receipt_items", ["state", "receipt_id"])
    op.create_index("ix_alert_receipt_items_case_id", "alert_receipt_items", ["case_id"])


def downgrade() -> None:
    op.drop_table("alert_receipt_items")
    op.drop_table("alert_receipts")
