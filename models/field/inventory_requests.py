"""Inputs and results of the inventory activities; plain data both sides import."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class ReserveRequest(BaseModel):
    """Hold `quantity` units of `sku` in a warehouse of `region`, once per `key`."""

    key: str
    case_id: str
    sku: str
    quantity: int = Field(gt=0)
    region: str


class ReserveResult(BaseModel):
    # reserved; out_of_stock (back-ordered: retry later); unknown_part; no_warehouse.
    outcome: Literal["reserved", "out_of_stock", "unknown_part", "no_warehouse"]
    warehouse_id: str | None = None
    warehouse: str | None = None
    # The part's list price, charged when a defective part is not returned.
    list_price: float | None = None
    currency: str | None = None
    detail: str = ""


class ShipmentRecord(BaseModel):
    """Create or update a shipment row; the tracking number is derived from `id`."""

    id: str
    case_id: str
    reservation_key: str
    warehouse_id: str
    sku: str
    quantity: int
    state: str
    ships_on: date
    delivered_on: date
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None


class ShipmentLabel(BaseModel):
    carrier: str
    tracking_number: str


class RmaRecord(BaseModel):
    """Create or update an RMA row as its workflow sees it."""

    id: str
    case_id: str
    shipment_id: str
    sku: str
    quantity: int
    region: str
    state: str
    due_at: datetime | None = None
    received_at: datetime | None = None
    tracking_number: str | None = None
    billable: bool = False
