"""Activities: every piece of I/O a workflow needs (database, e-mail, paging)."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from activities.mail import MailActivities
from activities.projection import ProjectionActivities
from activities.tickets import TicketActivities
from escalator.settings import Settings


def all_activities(engine: Engine, settings: Settings) -> list[Callable[..., Any]]:
    """The activity functions a worker registers, bound to one engine and configuration."""
    tickets = TicketActivities(engine)
    mail = MailActivities(engine, settings)
    projection = ProjectionActivities(engine)
    return [tickets.allocate_ticket_number, mail.send_email, projection.project_case]
