"""Accounts of the portal: people with roles, single-use links, sessions, sign-in failures.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("handle", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("org", sa.String(128), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=True),
        _instant("created_at"),
        _instant("disabled_at", nullable=True),
        sa.CheckConstraint(
            "role IN ('partner', 'engineer', 'manager', 'auditor', 'admin')",
            name="ck_accounts_role",
        ),
        sa.CheckConstraint(
            "(role = 'partner' AND org IS NOT NULL) OR (role <> 'partner' AND org IS NULL)",
            name="ck_accounts_org",
        ),
    )
    op.create_table(
        "account_links",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        _instant("created_at"),
        _instant("expires_at"),
        _instant("used_at", nullable=True),
        sa.CheckConstraint("purpose IN ('invite', 'reset')", name="ck_account_links_purpose"),
    )
    op.create_index("ix_account_links_account_id", "account_links", ["account_id"])
    op.create_table(
        "web_sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        _instant("created_at"),
        _instant("expires_at"),
    )
    op.create_index("ix_web_sessions_account_id", "web_sessions", ["account_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        _instant("at"),
    )
    op.create_index("ix_sign_in_failures_email_at", "sign_in_failures", ["email", "at"])
    op.create_index("ix_sign_in_failures_client_at", "sign_in_failures", ["client", "at"])


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("web_sessions")
    op.drop_table("account_links")
    op.drop_table("accounts")
