"""Inventory for field service: parts, warehouses, stock, reservations, shipments, RMAs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parts",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("list_price", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
    )
    op.create_table(
        "warehouses",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("calendar", sa.JSON(), nullable=False),
    )
    op.create_index("ix_warehouses_region", "warehouses", ["region"])
    op.create_table(
        "stock",
        sa.Column("warehouse_id", sa.String(64), sa.ForeignKey("warehouses.id"), primary_key=True),
        sa.Column("sku", sa.String(64), sa.ForeignKey("parts.sku"), primary_key=True),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.CheckConstraint("available >= 0", name="ck_stock_available"),
    )
    op.create_table(
        "reservations",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), sa.ForeignKey("parts.sku"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("warehouse_id", sa.String(64), sa.ForeignKey("warehouses.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reservations_case_id", "reservations", ["case_id"])
    op.create_index("ix_reservations_status", "reservations", ["status"])
    op.create_table(
        "shipments",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("warehouse_id", sa.String(64), sa.ForeignKey("warehouses.id"), nullable=False),
        sa.Column("sku", sa.String(64), sa.ForeignKey("parts.sku"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("tracking_number", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ships_on", sa.Date(), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_shipments_case_id", "shipments", ["case_id"])
    op.create_table(
        "rmas",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("shipment_id", sa.String(200), nullable=False),
        sa.Column("sku", sa.String(64), sa.ForeignKey("parts.sku"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tracking_number", sa.String(64), nullable=True),
        sa.Column("billable", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_rmas_case_id", "rmas", ["case_id"])
    op.create_index("ix_rmas_state", "rmas", ["state"])


def downgrade() -> None:
    for table in ("rmas", "shipments", "reservations", "stock", "warehouses", "parts"):
        op.drop_table(table)
