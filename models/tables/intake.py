"""Tables of inbound intake: every received e-mail as it arrived, and the files cases carry.

Nothing received is dropped: each message is kept raw before it is parsed, with
what became of it (`status`) and why when nothing could (`reason`).
"""

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

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
