"""Reading credits, and the steps people take on them: a partner (or an engineer) requests
an eligible credit, a manager approves or declines a requested one (docs/registry.md,
"Credits"). Each step records who and when on the row and in the change trail
(`registry_changes`, entity `credit`), in one transaction.

`visible` is what a caller sees (a partner's organisation and its clients), or None for every one; a
credit of another organisation is "not found", exactly like one that does not exist.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from escalator.cases import Visible, may_see
from escalator.credits.errors import CreditInvalid, CreditNotFound, CreditRefused
from escalator.credits.records import SlaCredit, credit
from escalator.registry.changes import editing, snapshot
from models.case.credit_states import CreditState
from models.tables.credits import CreditRow

Step = Literal["requested", "approved", "declined"]

# Why a credit in each state cannot take a step, in words a partner or a manager can act on.
_STANDING: dict[str, str] = {
    "accruing": "its amount is known once the service is restored",
    "no_amount": "it has no amount",
    "eligible": "it waits for the client's written request",
    "requested": "it was requested",
    "approved": "it was approved",
    "declined": "it was declined",
    "granted": "it is owed without a request",
}
_NEEDS: dict[Step, CreditState] = {
    "requested": "eligible",
    "approved": "requested",
    "declined": "requested",
}


def credit_row(session: Session, credit_id: str, visible: Visible = None) -> CreditRow:
    row = session.get(CreditRow, credit_id)
    if row is None or not may_see(visible, row.org):
        raise CreditNotFound(f"no credit {credit_id!r}")
    return row


def read_credit(session: Session, credit_id: str, visible: Visible = None) -> SlaCredit:
    return credit(credit_row(session, credit_id, visible))


def list_credits(
    session: Session,
    visible: Visible = None,
    *,
    org: str | None = None,
    month: str | None = None,
    state: CreditState | None = None,
    limit: int = 500,
) -> list[SlaCredit]:
    """The credits the caller sees, newest month first, then by when they were earned."""
    query = select(CreditRow)
    if visible is not None:
        query = query.where(col(CreditRow.org).in_(sorted(visible)))
    if org is not None:
        query = query.where(CreditRow.org == org)
    if month is not None:
        query = query.where(CreditRow.month == month)
    if state is not None:
        query = query.where(CreditRow.state == state)
    query = query.order_by(
        col(CreditRow.month).desc(), col(CreditRow.earned_at), col(CreditRow.id)
    ).limit(limit)
    return [credit(row) for row in session.exec(query).all()]


def refusal(row: CreditRow, step: Step) -> str:
    """Why `row` cannot be `step` now, naming its state."""
    needs = _NEEDS[step]
    more = ""
    if row.state == "no_amount" and row.computation:
        more = f": {row.computation}"
    elif row.state == "requested" and row.requested_by:
        more = f" by {row.requested_by} at {row.requested_at:%Y-%m-%d %H:%M} UTC"
    elif row.state in ("approved", "declined") and row.decided_by:
        more = f" by {row.decided_by} at {row.decided_at:%Y-%m-%d %H:%M} UTC"
    return (
        f"credit {row.id} is {row.state} ({_STANDING[row.state]}{more}): "
        f"only a credit that is {needs} can be {step}"
    )


def _move(
    session: Session,
    credit_id: str,
    visible: Visible,
    actor: str,
    step: Step,
    values: Callable[[datetime], dict[str, Any]],
) -> SlaCredit:
    """Move the credit from the state `step` needs to `step`, setting `values(now)`, or refuse
    naming its state. The move is one conditional UPDATE: of two people acting at once, one
    wins and the other is told what the credit became."""
    row = credit_row(session, credit_id, visible)
    if row.state != _NEEDS[step]:
        raise CreditRefused(refusal(row, step))
    before = snapshot(row)
    try:
        with editing(session, actor) as edit:
            moved = session.connection().execute(
                update(CreditRow)
                .where(col(CreditRow.id) == credit_id, col(CreditRow.state) == _NEEDS[step])
                .values(state=step, **values(edit.at))
            )
            if moved.rowcount != 1:
                raise _Overtaken()
            session.refresh(row)
            edit.record("credit", _entity_id(row), step, before, snapshot(row))
    except _Overtaken:
        session.refresh(row)
        raise CreditRefused(refusal(row, step)) from None
    session.refresh(row)  # committed: read it back as stored
    return credit(row)


def _entity_id(row: CreditRow) -> str:
    """The credit in the change trail: under its organisation, whose trail then lists it. A
    case's `org` that is no registry id (one holding "/") would share another's prefix."""
    return row.id if "/" in row.org else f"{row.org}/{row.id}"


class _Overtaken(Exception):
    """Another step moved the credit between our read and our write."""


def request_credit(session: Session, credit_id: str, visible: Visible, actor: str) -> SlaCredit:
    """The client asks for an eligible credit in writing: `actor` (a partner of its
    organisation or an engineer on its behalf), now."""
    return _move(
        session,
        credit_id,
        visible,
        actor,
        "requested",
        lambda at: {"requested_by": actor, "requested_at": at},
    )


def approve_credit(session: Session, credit_id: str, actor: str) -> SlaCredit:
    """A manager grants a requested credit: it is owed."""
    return _move(
        session,
        credit_id,
        None,
        actor,
        "approved",
        lambda at: {"decided_by": actor, "decided_at": at},
    )


def decline_credit(session: Session, credit_id: str, actor: str, reason: str) -> SlaCredit:
    """A manager refuses a requested credit, saying why."""
    reason = reason.strip()
    if not reason:
        raise CreditInvalid("say why the credit is declined", loc=["reason"])
    return _move(
        session,
        credit_id,
        None,
        actor,
        "declined",
        lambda at: {"decided_by": actor, "decided_at": at, "decline_reason": reason},
    )
