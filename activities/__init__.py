"""Activities: every piece of I/O a workflow needs (database, e-mail, paging)."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from activities.archive import ArchiveActivities
from activities.client_registry import RegistryActivities
from activities.inventory import InventoryActivities
from activities.mail import MailActivities
from activities.paging import PagingActivities
from activities.projection import ProjectionActivities
from activities.tickets import TicketActivities
from escalator.infra.settings import Settings


def all_activities(engine: Engine, settings: Settings) -> list[Callable[..., Any]]:
    """The activity functions a worker registers, bound to one engine and configuration."""
    tickets = TicketActivities(engine)
    mail = MailActivities(engine, settings)
    projection = ProjectionActivities(engine)
    paging = PagingActivities(settings)
    registry = RegistryActivities(engine)
    archive = ArchiveActivities(engine)
    inventory = InventoryActivities(engine)
    return [
        registry.check_entitlement,
        registry.is_authorised_contact,
        registry.registry_facts,
        tickets.allocate_ticket_number,
        mail.send_email,
        paging.send_page,
        projection.project_case,
        archive.archive_case_history,
        inventory.reserve_stock,
        inventory.record_shipment,
        inventory.record_rma,
    ]
