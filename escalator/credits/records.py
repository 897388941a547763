"""Credits as the service answers them: amounts as exact decimal text in the currency's minor
units ("14.58"), instants in UTC."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from models.case.credit_states import CreditState
from models.tables.credits import CreditRow


class SlaCredit(BaseModel):
    """A credit a missed target earned a client, and where it stands."""

    id: str = Field(description="CASE_ID:target")
    case_id: str
    ticket_number: str | None
    org: str
    policy: str
    target: str = Field(description="The missed target: restoration, response, ...")
    state: CreditState
    amount: str | None = Field(
        description='Exact, in the currency\'s minor units ("14.58"); none while accruing'
    )
    currency: str | None
    computation: str | None = Field(description="How the amount was computed, in words")
    upon_request: bool = Field(description="Paid only when the client asks in writing")
    month: str = Field(description="YYYY-MM: the client's month it counts in")
    earned_at: datetime = Field(description="When the target was missed")
    settled_at: datetime | None = Field(description="When the amount was decided")
    requested_by: str | None
    requested_at: datetime | None
    decided_by: str | None = Field(description="Who approved or declined it")
    decided_at: datetime | None
    decline_reason: str | None


def money(amount: Decimal, minor_units: int) -> str:
    """`amount` with exactly `minor_units` digits after the point ("14.58", "972")."""
    return str(amount.quantize(Decimal(1).scaleb(-minor_units)))


def credit(row: CreditRow) -> SlaCredit:
    fields = row.model_dump(exclude={"amount", "minor_units", "state"})
    amount = None
    if row.amount is not None:
        amount = money(row.amount, row.minor_units if row.minor_units is not None else 2)
    state: CreditState = row.state  # type: ignore[assignment]  # the table's check holds it
    return SlaCredit(**fields, amount=amount, state=state)
