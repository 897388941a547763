"""The client registry without SQL: organisations and the partners acting for them, contacts
with their role and phone, systems at their sites, contracts and warranties of a system with
a monthly fee, and every change with who made it (models/tables/client_registry.py).

Existing contacts are lower-cased and kept once per organisation; existing coverage stays
the client's as a whole (no system).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _holidays() -> list[sa.Column[object]]:
    return [
        sa.Column("holidays_country", sa.String(8), nullable=True),
        sa.Column("holidays_subdivision", sa.String(16), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        *_holidays(),
        _instant("created_at"),
        _instant("updated_at"),
        sa.CheckConstraint("kind IN ('client', 'partner')", name="ck_organisations_kind"),
    )
    op.create_table(
        "partner_clients",
        sa.Column("partner", sa.String(128), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("client", sa.String(128), sa.ForeignKey("organisations.id"), primary_key=True),
    )
    op.create_table(
        "systems",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("org", sa.String(128), nullable=False),
        sa.Column("host_id", sa.String(128), nullable=False),
        sa.Column("system_type", sa.String(128), nullable=False),
        sa.Column("serial_numbers", sa.String(1000), nullable=False),
        sa.Column("software_release", sa.String(64), nullable=False),
        sa.Column("site", sa.String(500), nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("site_time_zone", sa.String(64), nullable=True),
        *_holidays(),
        _instant("created_at"),
        _instant("updated_at"),
    )
    op.create_index("ix_systems_org", "systems", ["org"])
    op.create_index("ix_systems_host_id", "systems", ["host_id"], unique=True)
    op.create_table(
        "registry_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _instant("at"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    op.create_index("ix_registry_changes_at", "registry_changes", ["at"])
    op.create_index("ix_registry_changes_entity", "registry_changes", ["entity", "entity_id", "at"])

    # One row per address and organisation, lower-cased, before the constraint holds them so.
    op.execute("UPDATE authorised_contacts SET email = LOWER(email)")
    op.execute(
        "DELETE FROM authorised_contacts WHERE id NOT IN"
        " (SELECT MIN(id) FROM authorised_contacts GROUP BY org, email)"
    )
    with op.batch_alter_table("authorised_contacts") as contacts:
        contacts.add_column(
            sa.Column("role", sa.String(16), nullable=False, server_default="other")
        )
        contacts.add_column(sa.Column("phone", sa.String(64), nullable=True))
        contacts.create_unique_constraint("uq_authorised_contacts_org_email", ["org", "email"])
        contacts.create_check_constraint(
            "ck_authorised_contacts_role", "role IN ('primary', 'backup', 'other')"
        )
    with op.batch_alter_table("coverage") as coverage:
        coverage.add_column(sa.Column("system_id", sa.Integer(), nullable=True))
        coverage.add_column(sa.Column("monthly_fee", sa.Numeric(14, 2), nullable=True))
        coverage.add_column(sa.Column("currency", sa.String(3), nullable=True))
        coverage.add_column(
            sa.Column("extended", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        coverage.create_foreign_key("fk_coverage_system_id", "systems", ["system_id"], ["id"])
        coverage.create_index("ix_coverage_system_id", ["system_id"])
        coverage.create_check_constraint("ck_coverage_kind", "kind IN ('contract', 'warranty')")


def downgrade() -> None:
    with op.batch_alter_table("coverage") as coverage:
        coverage.drop_constraint("ck_coverage_kind", type_="check")
        coverage.drop_index("ix_coverage_system_id")
        coverage.drop_constraint("fk_coverage_system_id", type_="foreignkey")
        for column in ("extended", "currency", "monthly_fee", "system_id"):
            coverage.drop_column(column)
    with op.batch_alter_table("authorised_contacts") as contacts:
        contacts.drop_constraint("ck_authorised_contacts_role", type_="check")
        contacts.drop_constraint("uq_authorised_contacts_org_email", type_="unique")
        contacts.drop_column("phone")
        contacts.drop_column("role")
    op.drop_table("registry_changes")
    op.drop_table("systems")
    op.drop_table("partner_clients")
    op.drop_table("organisations")
