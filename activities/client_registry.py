"""Intake checks against the client registry: coverage and authorised contacts."""

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from temporalio import activity

from models.case.activity_inputs import ContactRequest, EntitlementRequest, EntitlementResult
from models.tables.client_registry import AuthorisedContactRow, CoverageRow


class RegistryActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="check_entitlement")
    def check_entitlement(self, request: EntitlementRequest) -> EntitlementResult:
        """Covered when a contract or warranty of the org (at the plan's level) was active."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(CoverageRow)
                .where(CoverageRow.org == request.org)
                .where(col(CoverageRow.kind).in_(request.checks))
                .order_by(col(CoverageRow.expires_at).desc())
            ).all()
        at_level = [
            row for row in rows if not request.match_plan_level or row.plan in (None, request.plan)
        ]
        for row in at_level:
            started = row.starts_at <= request.opened_at
            unexpired = not request.opened_before_expiry or request.opened_at < row.expires_at
            if started and unexpired:
                return EntitlementResult(
                    outcome="covered",
                    reference=row.reference,
                    detail=f"{row.kind} {row.reference} valid until {row.expires_at.isoformat()}",
                )
        expired = [row for row in at_level if row.kind == "contract"]
        if expired:
            row = expired[0]
            return EntitlementResult(
                outcome="expired",
                reference=row.reference,
                detail=f"contract {row.reference} expired {row.expires_at.isoformat()}",
            )
        return EntitlementResult(
            outcome="none",
            detail=f"no {' or '.join(request.checks)} of {request.org} covers plan {request.plan}",
        )

    @activity.defn(name="is_authorised_contact")
    def is_authorised_contact(self, request: ContactRequest) -> bool:
        with Session(self.engine) as session:
            found = session.exec(
                select(AuthorisedContactRow)
                .where(AuthorisedContactRow.org == request.org)
                .where(func.lower(AuthorisedContactRow.email) == request.email.lower())
            ).first()
        return found is not None
