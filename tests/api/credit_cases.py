"""Cases as their workflow projects them, with the credits a missed target earned, for the
credit tests: each revision goes through the real `project_case` activity."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from activities.projection import ProjectionActivities
from models.case.resource import Case, Contact, Credit, SlaTarget

# 09:00 on Monday 5 April 2027 in Denver (MDT, UTC-6).
RECEIVED = datetime(2027, 4, 5, 15, 0, tzinfo=UTC)
COMPUTATION = (
    "1500.00 USD a month x 7 h out of the 720 h of April 2027 (America/Denver) = 14.58 USD"
)


def breached(at: datetime = RECEIVED + timedelta(hours=4), **settled: Any) -> Credit:
    """Z-Support's restoration credit: accruing, or settled with `amount`, `currency`, ..."""
    return Credit(
        reason="restoration target missed",
        detail="prorated monthly fee, from receipt to restoration (upon written request)",
        at=at,
        target="restoration",
        upon_request=True,
        **settled,
    )


def settled(amount: str = "14.58", currency: str = "USD", **more: Any) -> Credit:
    computation = more.pop("computation", COMPUTATION)
    return breached(amount=amount, currency=currency, computation=computation, **more)


def case_with(
    case_id: str,
    *credits: Credit,
    org: str = "acme",
    revision: int = 1,
    received_at: datetime = RECEIVED,
    restored_at: datetime | None = None,
    ticket_number: str | None = "ZS-1",
) -> Case:
    return Case(
        id=case_id,
        ticket_number=ticket_number,
        policy="zsupport",
        policy_version=1,
        plan="managed",
        org=org,
        severity="critical",
        status="restored" if restored_at else "assigned",
        channel="api",
        subject="Trunk down",
        contact=Contact(name="Ada Admin", email="ada@acme.test"),
        received_at=received_at,
        sla={
            "restoration": SlaTarget(
                target="4h",
                due_at=received_at + timedelta(hours=4),
                met_at=restored_at,
                breached=True,
            )
        },
        credits=list(credits),
        updated_at=restored_at or received_at + timedelta(hours=4),
        revision=revision,
    )


def project(engine: Engine, case: Case) -> None:
    ProjectionActivities(engine).project_case(case)
