"""Ticket numbers: a per-prefix sequence in the database ("no ticket, it never happened")."""

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from temporalio import activity

from models.case.activity_inputs import TicketRequest
from models.tables.core import TicketRow, TicketSequenceRow


def format_ticket(prefix: str, number: int) -> str:
    return f"{prefix}-{number:06d}"


class TicketActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="allocate_ticket_number")
    def allocate_ticket_number(self, request: TicketRequest) -> str:
        """The case's ticket number; a retry for the same case returns the same number."""
        for _attempt in range(5):
            try:
                return self._allocate(request)
            except IntegrityError:
                # Another case created the sequence row at the same moment: read it again.
                continue
        raise RuntimeError(f"could not allocate a ticket number for prefix {request.prefix}")

    def _allocate(self, request: TicketRequest) -> str:
        with Session(self.engine) as session:
            known = session.get(TicketRow, request.case_id)
            if known is not None:
                return known.ticket_number
            # One UPDATE ... RETURNING is atomic on SQLite and PostgreSQL alike.
            bumped = session.execute(
                update(TicketSequenceRow)
                .where(col(TicketSequenceRow.prefix) == request.prefix)
                .values(last=col(TicketSequenceRow.last) + 1)
                .returning(col(TicketSequenceRow.last))
            ).scalar_one_or_none()
            if bumped is None:
                session.add(TicketSequenceRow(prefix=request.prefix, last=1))
                bumped = 1
            ticket = format_ticket(request.prefix, bumped)
            session.add(TicketRow(case_id=request.case_id, ticket_number=ticket))
            session.commit()
            return ticket
