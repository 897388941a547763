"""SLA credits, one row per case and target: the amount the case earned, the month it counts
in, and who requested, approved or declined it (models/tables/credits.py). The projection
fills it as cases change; cases projected before it fill it at their next change.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As models/case/credit_states.py names them then.
STATES = ("accruing", "no_amount", "eligible", "requested", "approved", "declined", "granted")


def _instant(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "credits",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("ticket_number", sa.String(64), nullable=True),
        sa.Column("org", sa.String(128), nullable=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("amount", sa.Numeric(18, 4), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("minor_units", sa.Integer(), nullable=True),
        sa.Column("computation", sa.String(1000), nullable=True),
        sa.Column("upon_request", sa.Boolean(), nullable=False),
        _instant("earned_at", nullable=False),
        _instant("settled_at"),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=True),
        _instant("requested_at"),
        sa.Column("decided_by", sa.String(200), nullable=True),
        _instant("decided_at"),
        sa.Column("decline_reason", sa.String(1000), nullable=True),
        sa.CheckConstraint(
            "state IN (" + ", ".join(f"'{state}'" for state in STATES) + ")",
            name="ck_credits_state",
        ),
    )
    op.create_index("ix_credits_case_id", "credits", ["case_id"])
    op.create_index("ix_credits_month_org", "credits", ["month", "org"])
    op.create_index("ix_credits_org_earned", "credits", ["org", "earned_at"])


def downgrade() -> None:
    op.drop_table("credits")
