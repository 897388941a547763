"""Inventory tables: parts, warehouses, stock, reservations, shipments and RMAs.

Stock moves only through `activities/inventory.py`; a reservation takes units
with one conditional UPDATE, so two cases cannot both get the last one.
"""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from models.tables.core import DateTime


class PartRow(SQLModel, table=True):
    """A catalogue entry; the list price is what an unreturned defective part costs."""

    __tablename__ = "parts"

    sku: str = Field(primary_key=True, max_length=64)
    description: str = Field(max_length=500)
    list_price: float = Field(ge=0)
    currency: str = Field(max_length=3)


class WarehouseRow(SQLModel, table=True):
    """A warehouse ships to the sites of one region, on its own business calendar."""

    __tablename__ = "warehouses"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    region: str = Field(index=True, max_length=64)
    # A calendar spec (models/time/calendar_spec.py): time zone, shipping hours, holidays.
    calendar: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))


class StockRow(SQLModel, table=True):
    """Units of one part in one warehouse that no reservation holds."""

    __tablename__ = "stock"
    __table_args__ = (CheckConstraint("available >= 0", name="ck_stock_available"),)

    warehouse_id: str = Field(primary_key=True, foreign_key="warehouses.id", max_length=64)
    sku: str = Field(primary_key=True, foreign_key="parts.sku", max_length=64)
    available: int = 0


class ReservationRow(SQLModel, table=True):
    """Units held for one shipment (keyed by its workflow id), or its back-order."""

    __tablename__ = "reservations"

    key: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, max_length=64)
    sku: str = Field(foreign_key="parts.sku", max_length=64)
    quantity: int = Field(gt=0)
    region: str = Field(max_length=64)
    # reserved, backordered or shipped.
    status: str = Field(index=True, max_length=16)
    warehouse_id: str | None = Field(default=None, foreign_key="warehouses.id", max_length=64)
    created_at: datetime = Field(sa_type=DateTime())
    updated_at: datetime = Field(sa_type=DateTime())


class ShipmentRow(SQLModel, table=True):
    """A part on its way to a site, with the carrier's tracking number."""

    __tablename__ = "shipments"

    id: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, max_length=64)
    warehouse_id: str = Field(foreign_key="warehouses.id", max_length=64)
    sku: str = Field(foreign_key="parts.sku", max_length=64)
    quantity: int = Field(gt=0)
    carrier: str = Field(max_length=64)
    tracking_number: str = Field(unique=True, max_length=64)
    state: str = Field(max_length=16)
    ships_on: date
    delivered_on: date
    shipped_at: datetime | None = Field(default=None, sa_type=DateTime())
    delivered_at: datetime | None = Field(default=None, sa_type=DateTime())


class RmaRow(SQLModel, table=True):
    """A defective part the customer must send back, and whether it came back in time."""

    __tablename__ = "rmas"

    id: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, max_length=64)
    shipment_id: str = Field(max_length=200)
    sku: str = Field(foreign_key="parts.sku", max_length=64)
    quantity: int = Field(gt=0)
    region: str = Field(max_length=64)
    state: str = Field(index=True, max_length=24)
    due_at: datetime | None = Field(default=None, sa_type=DateTime())
    received_at: datetime | None = Field(default=None, sa_type=DateTime())
    tracking_number: str | None = Field(default=None, max_length=64)
    billable: bool = False
