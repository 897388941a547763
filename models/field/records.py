"""Field service records: on-site dispatches, part shipments, RMAs, and the workflows' inputs.

Each record is what its child workflow reports to the case and what the case's
`field_service` section shows; models/field/deadlines.py computes their deadlines.
"""

from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class SiteContact(BaseModel):
    """Who meets the technician at the site and hears of the visit."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    phone: str | None = Field(default=None, max_length=64)


DispatchState = Literal["booked", "late", "arrived", "completed"]
ShipmentState = Literal[
    "requested", "backordered", "scheduled", "shipped", "delivered", "delivery_late", "failed"
]
RmaState = Literal[
    "awaiting_replacement", "awaiting_return", "overdue", "received", "received_late"
]

# States after which a record changes no more.
DISPATCH_DONE: tuple[DispatchState, ...] = ("completed",)
SHIPMENT_DONE: tuple[ShipmentState, ...] = ("delivered", "failed")
RMA_OPEN: tuple[RmaState, ...] = ("awaiting_replacement", "awaiting_return", "overdue")


class Dispatch(BaseModel):
    """A technician sent to a site, promised by the end of a business day."""

    id: str
    workflow_id: str
    site: str
    contact: SiteContact
    requested_at: datetime
    promised_on: date
    # The end of the promised day in the on-site calendar: not arrived by then escalates.
    due_at: datetime
    state: DispatchState = "booked"
    technician: str | None = None
    arrived_at: datetime | None = None
    completed_at: datetime | None = None
    report: str | None = None
    escalated_at: datetime | None = None


class Shipment(BaseModel):
    """A replacement part: reserved, shipped under the cut-off, delivered, maybe back-ordered."""

    id: str
    workflow_id: str
    sku: str
    quantity: int
    region: str
    # When the engineer confirmed the failure (the cut-off is measured against it).
    confirmed_at: datetime
    state: ShipmentState = "requested"
    warehouse: str | None = None
    backordered_since: datetime | None = None
    reserved_at: datetime | None = None
    ships_on: date | None = None
    delivered_on: date | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    rma_id: str | None = None
    # Why it failed (unknown part, no warehouse for the region), for the engineer.
    detail: str | None = None


class RmaReturn(BaseModel):
    """The defective part's way back: a return window in business days, then overdue."""

    id: str
    workflow_id: str
    shipment_id: str
    sku: str
    quantity: int
    region: str
    window: str
    state: RmaState = "awaiting_replacement"
    # When the window started (replacement shipped or delivered, as the policy says).
    starts_at: datetime | None = None
    due_at: datetime | None = None
    reminders_at: list[datetime] = Field(default_factory=list)
    received_at: datetime | None = None
    tracking_number: str | None = None
    billable: bool = False
    # Charged when overdue: the policy's charge, else the part's list price.
    charge_amount: float | None = None
    charge_currency: str | None = None


class FieldService(BaseModel):
    """The case's `field_service` section: every record with its deadline and state."""

    dispatches: list[Dispatch] = Field(default_factory=list)
    shipments: list[Shipment] = Field(default_factory=list)
    rmas: list[RmaReturn] = Field(default_factory=list)

    def applied(self, report: "FieldServiceReport") -> "FieldService":
        """This section with the reported record replacing the one of the same id (or added)."""
        return FieldService(
            dispatches=_upsert(self.dispatches, report.dispatch),
            shipments=_upsert(self.shipments, report.shipment),
            rmas=_upsert(self.rmas, report.rma),
        )

    def settled(self) -> bool:
        """Nothing is left to happen: the case may end without orphaning a deadline."""
        return (
            all(d.state in DISPATCH_DONE for d in self.dispatches)
            and all(s.state in SHIPMENT_DONE for s in self.shipments)
            and all(r.state not in RMA_OPEN for r in self.rmas)
        )

    def rma(self, rma_id: str) -> "RmaReturn | None":
        return next((r for r in self.rmas if r.id == rma_id), None)


Record = TypeVar("Record", Dispatch, Shipment, RmaReturn)


def _upsert(records: list[Record], record: Record | None) -> list[Record]:
    if record is None:
        return list(records)
    if all(known.id != record.id for known in records):
        added = list(records)
        added.append(record)
        return added
    return [record if known.id == record.id else known for known in records]


class FieldServiceReport(BaseModel):
    """What a child workflow signals to its case: one record as it stands now."""

    dispatch: Dispatch | None = None
    shipment: Shipment | None = None
    rma: RmaReturn | None = None


class RmaReceipt(BaseModel):
    """The case tells the RMA workflow the defective part came back."""

    tracking_number: str
    received_at: datetime
    actor: str


# Signals between the case and its field-service workflows.
REPORT_SIGNAL = "field_service"
RECEIVED_SIGNAL = "received"
REPLACEMENT_SIGNAL = "replacement"


class CaseBrief(BaseModel):
    """What a field-service workflow needs of its case to report back and tell people."""

    case_id: str
    ticket_number: str | None
    subject: str
    org: str
    plan: str
    severity: str | None
    tier: str | None
    # The team of the case's tier: who hears when a field deadline is missed.
    team: str
    contact_email: str


class DispatchInput(BaseModel):
    brief: CaseBrief
    policy: dict[str, Any]
    dispatch: Dispatch


class ShipmentInput(BaseModel):
    brief: CaseBrief
    policy: dict[str, Any]
    shipment: Shipment
    # The RMA this shipment opens when the policy has an rma section.
    rma_id: str
    rma_workflow_id: str
    # How often a back-ordered part is looked for again.
    backorder_retry: timedelta = timedelta(hours=1)


class RmaInput(BaseModel):
    brief: CaseBrief
    policy: dict[str, Any]
    rma: RmaReturn


class ReplacementArrived(BaseModel):
    """The replacement shipped or was delivered (per the policy): the return window starts."""

    at: datetime


class Arrived(BaseModel):
    model_config = ConfigDict(extra="forbid")

    technician: str = Field(min_length=1, max_length=200)
    # Who reported it (the API sets it from the caller), so the child's history records it.
    actor: str = Field(default="system", max_length=200)


class Completed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report: str = Field(min_length=1, max_length=100_000)
    actor: str = Field(default="system", max_length=200)


class Delivered(BaseModel):
    """The carrier or the site confirms the replacement arrived (now, or at `at`)."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime | None = None
    actor: str = Field(default="system", max_length=200)
