"""The case page's charges and credits (api/templates/case_money.html): what the case charged,
and each credit it earned with where it stands in the credits table, read through the credit
service (escalator/credits/) as the viewer may see it.

The case page loads it with the case (`load_case_view`, in a thread): it reads the database
only for a case that earned credits, one primary-key lookup per credit.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from escalator import credits
from models.case.credit_states import CreditState, credits_with_ids, earned_state
from models.case.resource import Case, Charge, Credit


@dataclass(frozen=True)
class ChargeLine:
    """A charge as the page shows it: its amount as the policy wrote it ("100.00")."""

    reason: str
    amount: str
    currency: str
    charge: Charge


@dataclass(frozen=True)
class CaseCredit:
    """A credit the case earned (`earned`, the case's own account of it) and its row in the
    credits table (`record`; None while the projection has not written it yet). Once a person
    acted, the row keeps the amount they acted on: the row's values come first."""

    id: str
    earned: Credit
    record: credits.SlaCredit | None

    @property
    def state(self) -> CreditState:
        return self.record.state if self.record else earned_state(self.earned)

    @property
    def amount(self) -> str | None:
        return self.record.amount if self.record else self.earned.amount

    @property
    def currency(self) -> str | None:
        return self.record.currency if self.record else self.earned.currency

    @property
    def computation(self) -> str | None:
        return self.record.computation if self.record else self.earned.computation


@dataclass(frozen=True)
class CaseMoney:
    charges: list[ChargeLine]
    credits: list[CaseCredit]


def charge_amount(amount: float) -> str:
    """A charge's amount (a float in the case) as written: at least two decimals."""
    exact = Decimal(repr(amount))
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return str(exact.quantize(Decimal("0.01")))
    return f"{exact:f}"


def case_money(engine: Engine, seen: credits.Visible, case: Case) -> CaseMoney:
    """The case's charges, and its credits with their rows as the viewer may see them."""
    charges = [ChargeLine(c.reason, charge_amount(c.amount), c.currency, c) for c in case.charges]
    earned = list(credits_with_ids(case))
    if not earned:
        return CaseMoney(charges, [])
    found: list[CaseCredit] = []
    with Session(engine) as session:
        for credit_id, credit in earned:
            try:
                record: credits.SlaCredit | None = credits.read_credit(session, credit_id, seen)
            except credits.CreditNotFound:
                record = None
            found.append(CaseCredit(credit_id, credit, record))
    return CaseMoney(charges, found)
