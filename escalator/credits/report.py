"""The monthly credits report per client: for a month, per organisation and currency, each
credit with its amount and computation, and totals by state; approved and granted credits
are what the provider owes (`owed`). JSON as `CreditsReport`, CSV as `report_csv`."""

import csv
import io
import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from escalator.cases import Visible
from escalator.credits.errors import CreditInvalid
from escalator.credits.records import SlaCredit, credit, money
from models.case.credit_states import CREDIT_STATES, OWED, WITH_AMOUNT, CreditState
from models.tables.client_registry import OrganisationRow
from models.tables.credits import CreditRow

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
TotalKind = CreditState | Literal["owed"]


class CreditTotal(BaseModel):
    """How many credits of a state (or owed: approved and granted) and their sum."""

    state: TotalKind
    count: int
    amount: str | None = Field(
        description="Their sum in the currency; none for states without an amount, or "
        "credits without a currency yet"
    )


class ClientCredits(BaseModel):
    """One organisation's credits of the month in one currency (none: still accruing, or
    without an amount)."""

    org: str
    name: str | None = Field(description="The organisation's name in the registry")
    currency: str | None
    credits: list[SlaCredit]
    totals: list[CreditTotal] = Field(description="Every state in order, then `owed`")


class CreditsReport(BaseModel):
    month: str
    clients: list[ClientCredits]


def check_month(month: str) -> str:
    if not re.fullmatch(MONTH_PATTERN, month):
        raise CreditInvalid("must be a month as YYYY-MM, e.g. 2027-04", loc=["month"])
    return month


def credits_report(session: Session, month: str, visible: Visible = None) -> CreditsReport:
    """The month's credits of every organisation the caller sees."""
    query = select(CreditRow).where(CreditRow.month == check_month(month))
    if visible is not None:
        query = query.where(col(CreditRow.org).in_(sorted(visible)))
    rows = session.exec(
        query.order_by(col(CreditRow.org), col(CreditRow.earned_at), col(CreditRow.id))
    ).all()
    groups: dict[tuple[str, str | None], list[CreditRow]] = {}
    for row in rows:
        groups.setdefault((row.org, row.currency), []).append(row)
    names = _names(session, {org for org, _ in groups})
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] is None, item[0][1]))
    return CreditsReport(
        month=month,
        clients=[
            ClientCredits(
                org=org,
                name=names.get(org),
                currency=currency,
                credits=[credit(row) for row in group],
                totals=_totals(group, currency),
            )
            for (org, currency), group in ordered
        ],
    )


def _names(session: Session, orgs: set[str]) -> dict[str, str]:
    if not orgs:
        return {}
    found = session.exec(select(OrganisationRow).where(col(OrganisationRow.id).in_(orgs))).all()
    return {row.id: row.name for row in found}


def _totals(group: list[CreditRow], currency: str | None) -> list[CreditTotal]:
    units = max((row.minor_units or 0 for row in group if row.amount is not None), default=2)

    def total(kind: TotalKind, states: tuple[str, ...]) -> CreditTotal:
        rows = [row for row in group if row.state in states]
        with_amount = currency is not None and (kind == "owed" or kind in WITH_AMOUNT)
        amount = sum((row.amount or Decimal(0) for row in rows), Decimal(0))
        return CreditTotal(
            state=kind, count=len(rows), amount=money(amount, units) if with_amount else None
        )

    return [*(total(state, (state,)) for state in CREDIT_STATES), total("owed", OWED)]


# One line per credit, then the totals of its organisation and currency (`line` says which).
CSV_COLUMNS = (
    "line",
    "month",
    "org",
    "currency",
    "state",
    "count",
    "amount",
    "credit_id",
    "case_id",
    "ticket_number",
    "target",
    "computation",
    "earned_at",
    "settled_at",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
    "decline_reason",
)


def report_csv(report: CreditsReport) -> str:
    """The report as a CSV file: per organisation and currency, a `credit` line for each
    credit and a `total` line for each state and for `owed`, as the JSON has them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for client in report.clients:
        common = {"month": report.month, "org": client.org, "currency": client.currency}
        for item in client.credits:
            fields = item.model_dump(mode="json")
            line = {**common, **fields, "line": "credit", "count": 1, "credit_id": item.id}
            writer.writerow([_text(line.get(column)) for column in CSV_COLUMNS])
        for total in client.totals:
            line = {**common, **total.model_dump(), "line": "total"}
            writer.writerow([_text(line.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def _text(value: object) -> str:
    return "" if value is None else str(value)
