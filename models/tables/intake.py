"""Tables of inbound intake: every received e-mail as it arrived, the files cases carry, and
every Alertmanager webhook's alerts with what became of each.

Nothing received is dropped: each message is kept raw before it is parsed, with
what became of it (`status`) and why when nothing could (`reason`); each alert is
kept (its JSON) before any case is opened for it, with its state as it progresses.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from models.intake.alerts import ALERT_ITEM_STATES
from models.tables.core import DateTime

# What became of an inbound message.
INBOUND_STATUSES = ("received", "opened", "replied", "noted", "kept")


class InboundMessageRow(SQLModel, table=True):
    """One received e-mail (SMTP or `POST /intake/email`), raw, and its outcome."""

    __tablename__ = "inbound_messages"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(sa_type=DateTime(), index=True)
    # "smtp" or "http".
    via: str = Field(max_length=16)
    # The Message-ID header when there is one: a redelivery opens no second case.
    message_id: str | None = Field(default=None, index=True, max_length=998)
    sha256: str = Field(max_length=64)
    sender: str | None = Field(default=None, max_length=320)
    recipients: str | None = Field(default=None)
    subject: str | None = Field(default=None)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # received -> opened (a new case), replied (customer-reply), noted (a note on the case),
    # or kept (nothing could be done with it; `reason` says why, `GET /intake/messages` lists it).
    status: str = Field(default="received", index=True, max_length=16)
    reason: str | None = None
    case_id: str | None = Field(default=None, index=True, max_length=64)


class AttachmentRow(SQLModel, table=True):
    """A file that came with a case; over the size limit only its description is kept here."""

    __tablename__ = "case_attachments"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=64)
    inbound_message_id: int | None = Field(default=None, foreign_key="inbound_messages.id")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=255)
    size: int
    sha256: str = Field(max_length=64)
    stored: bool = True
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    received_at: datetime = Field(sa_type=DateTime())


ALERT_ITEM_STATE_CHECK = "state IN (" + ", ".join(f"'{s}'" for s in ALERT_ITEM_STATES) + ")"


class AlertReceiptRow(SQLModel, table=True):
    """One accepted Alertmanager webhook (`POST /intake/alerts`): its alerts are its items."""

    __tablename__ = "alert_receipts"

    id: int | None = Field(default=None, primary_key=True)
    policy: str = Field(max_length=64)
    # The version the webhook was checked against: a resumed alert opens its case on it.
    policy_version: int
    received_at: datetime = Field(sa_type=DateTime())
    # Who posted it, as a timeline names an actor (`engineer:alertmanager`).
    received_by: str = Field(max_length=200)
    count: int


class AlertReceiptItemRow(SQLModel, table=True):
    """One alert of a receipt (`position`: its index in the webhook's `alerts`) and its state:
    pending until its case is opened or noted (or it is skipped, or failed, with `reason`)."""

    __tablename__ = "alert_receipt_items"
    __table_args__ = (
        CheckConstraint(ALERT_ITEM_STATE_CHECK, name="ck_alert_receipt_items_state"),
        # What the API resumes when it starts: the receipts with pending items.
        Index("ix_alert_receipt_items_state", "state", "receipt_id"),
    )

    receipt_id: int = Field(foreign_key="alert_receipts.id", primary_key=True)
    position: int = Field(primary_key=True)
    fingerprint: str = Field(max_length=200)
    # The alert's own status: firing or resolved.
    status: str = Field(max_length=8)
    org: str = Field(max_length=128)
    state: str = Field(default="pending", max_length=8)
    case_id: str | None = Field(default=None, index=True, max_length=64)
    ticket_number: str | None = Field(default=None, max_length=32)
    reason: str | None = None
    updated_at: datetime = Field(sa_type=DateTime())
    # The alert as received: what a resumed item is worked from.
    alert: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
