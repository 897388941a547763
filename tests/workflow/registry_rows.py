"""Client-registry rows for workflow tests, as the registry service would write them."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session

from models.tables.client_registry import CoverageRow, OrganisationRow, SystemRow


def organisation(session: Session, org: str, zone: str, holidays: str | None = None) -> None:
    now = datetime.now(UTC)
    country, _, subdivision = (holidays or "").partition("-")
    session.add(
        OrganisationRow(
            id=org,
            name=org.title(),
            time_zone=zone,
            holidays_country=country or None,
            holidays_subdivision=subdivision or None,
            created_at=now,
            updated_at=now,
        )
    )
    session.commit()


def system(session: Session, org: str, host_id: str, **site: str) -> int:
    now = datetime.now(UTC)
    row = SystemRow.model_validate(
        {"org": org, "host_id": host_id, "created_at": now, "updated_at": now, **site}
    )
    session.add(row)
    session.commit()
    assert row.id is not None
    return row.id


def contract(
    session: Session, org: str, system_id: int, plan: str, starts: datetime, ends: datetime
) -> None:
    session.add(
        CoverageRow(
            org=org,
            system_id=system_id,
            kind="contract",
            plan=plan,
            reference=f"SSC-{system_id}-{ends:%Y%m%d}",
            starts_at=starts,
            expires_at=ends,
            monthly_fee=Decimal("1500.00"),
            currency="USD",
        )
    )
    session.commit()
