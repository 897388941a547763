"""SLA credits, one row per case and target: what the case earned (kept by the projection,
activities/credit_projection.py) and what people decided about it (escalator/credits/).
States and who sets them: models/case/credit_states.py.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Index, Numeric
from sqlmodel import Field, SQLModel

from models.case.credit_states import CREDIT_STATES
from models.tables.core import DateTime

STATE_CHECK = "state IN (" + ", ".join(f"'{state}'" for state in CREDIT_STATES) + ")"


class CreditRow(SQLModel, table=True):
    """A credit a missed target earned the client, and where it stands."""

    __tablename__ = "credits"
    __table_args__ = (
        CheckConstraint(STATE_CHECK, name="ck_credits_state"),
        Index("ix_credits_month_org", "month", "org"),
        Index("ix_credits_org_earned", "org", "earned_at"),
    )

    # CASE_ID:target (models/case/credit_states.py `credits_with_ids`).
    id: str = Field(primary_key=True, max_length=128)
    case_id: str = Field(index=True, max_length=64)
    ticket_number: str | None = Field(default=None, max_length=64)
    org: str = Field(max_length=128)
    policy: str = Field(max_length=64)
    # The missed target: response, restoration, resolution or tier_response.
    target: str = Field(max_length=32)
    # Exact, in the currency's minor units (`minor_units` digits after the point).
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4)))
    currency: str | None = Field(default=None, max_length=3)
    minor_units: int | None = None
    # How the amount was computed, in words a client can check (names the month and zone).
    computation: str | None = Field(default=None, max_length=1000)
    # Paid only when the client asks in writing.
    upon_request: bool = False
    # When the target was missed, and when the amount (or the lack of one) was decided.
    earned_at: datetime = Field(sa_type=DateTime())
    settled_at: datetime | None = Field(default=None, sa_type=DateTime())
    # YYYY-MM: the month of the case's receipt in the client's registry zone (UTC without one).
    month: str = Field(max_length=7)
    state: str = Field(max_length=16)
    # Who asked for it (`partner:acme-desk`), and when.
    requested_by: str | None = Field(default=None, max_length=200)
    requested_at: datetime | None = Field(default=None, sa_type=DateTime())
    # Who approved or declined it, when, and why a decline.
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime())
    decline_reason: str | None = Field(default=None, max_length=1000)
