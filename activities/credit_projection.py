"""The credits of a case in the read model (`credits`), written by `project_case` in the same
transaction as the case's row, so a credit is listed as soon as its case shows it.

The case owns a credit's amount; people own its fate. A row a person acted on (requested,
approved, declined) keeps its state and the amount, month and computation they acted on,
whatever a later projection says; only the case's ticket number still follows the case.
"""

from decimal import Decimal

from sqlmodel import Session

from models.case.credit_states import (
    SET_BY_PEOPLE,
    credit_month,
    credits_with_ids,
    earned_state,
    minor_units,
)
from models.case.resource import Case, Credit
from models.tables.client_registry import OrganisationRow
from models.tables.credits import CreditRow


def project_credits(session: Session, case: Case) -> None:
    """Upsert a row per credit of `case` that names its target (older credits have none)."""
    credits = list(credits_with_ids(case))
    if not credits:
        return
    # The client's month: in its registry zone, in UTC for an organisation the registry lacks.
    registered = session.get(OrganisationRow, case.org)
    month = credit_month(case.received_at, registered.time_zone if registered else "UTC")
    for credit_id, credit in credits:
        row = session.get(CreditRow, credit_id, with_for_update=True)
        if row is None:
            row = CreditRow(
                id=credit_id,
                case_id=case.id,
                org=case.org,
                policy=case.policy,
                target=credit.target or "",
                earned_at=credit.at,
                month=month,
                state=earned_state(credit),
            )
        row.ticket_number = case.ticket_number
        if row.state not in SET_BY_PEOPLE:
            _follow_case(row, case, credit, month)
        session.add(row)


def _follow_case(row: CreditRow, case: Case, credit: Credit, month: str) -> None:
    row.month = month
    row.upon_request = credit.upon_request
    row.amount = None if credit.amount is None else Decimal(credit.amount)
    row.minor_units = None if credit.amount is None else minor_units(credit.amount)
    row.currency = credit.currency
    row.computation = credit.computation
    row.state = earned_state(credit)
    if credit.computation is not None and row.settled_at is None:
        # The change that decided the amount (or that there is none), as the first projection
        # to show it says: the breach for a fixed credit, the restoration for a prorated one.
        row.settled_at = case.updated_at
