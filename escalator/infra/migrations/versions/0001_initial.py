"""Initial schema: cases read model, policy versions, ticket numbers, outbound e-mail.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("ticket_number", sa.String(32), nullable=True),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(64), nullable=False),
        sa.Column("org", sa.String(128), nullable=False),
        sa.Column("severity", sa.String(32), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(64), nullable=True),
        sa.Column("assignee", sa.String(128), nullable=True),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
    )
    for column in ("ticket_number", "policy", "org", "severity", "status", "tier", "assignee"):
        op.create_index(f"ix_cases_{column}", "cases", [column])
    op.create_index("ix_cases_received_at", "cases", ["received_at"])

    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(128), nullable=True),
        sa.UniqueConstraint("name", "version", name="uq_policy_name_version"),
    )
    op.create_index("ix_policy_versions_name", "policy_versions", ["name"])

    op.create_table(
        "ticket_sequences",
        sa.Column("prefix", sa.String(16), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "tickets",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("ticket_number", sa.String(32), nullable=False, unique=True),
    )

    op.create_table(
        "outbound_messages",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbound_messages_case_id", "outbound_messages", ["case_id"])


def downgrade() -> None:
    op.drop_table("outbound_messages")
    op.drop_table("tickets")
    op.drop_table("ticket_sequences")
    op.drop_table("policy_versions")
    op.drop_table("cases")
