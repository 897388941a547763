"""API keys: bearer tokens kept as SHA-256 hashes, with role and (for partners) organisation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("org", sa.String(128), nullable=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role IN ('partner', 'engineer', 'manager', 'auditor', 'admin')",
            name="ck_api_keys_role",
        ),
        sa.CheckConstraint(
            "(role = 'partner' AND org IS NOT NULL) OR (role <> 'partner' AND org IS NULL)",
            name="ck_api_keys_org",
        ),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
