"""The read model: after every change a case workflow projects its state into `cases`, its
SLA outcomes and its credits (activities/credit_projection.py), in one transaction."""

from sqlalchemy import Engine
from sqlmodel import Session, col, delete
from temporalio import activity

from activities.credit_projection import project_credits
from models.audit.report import sla_outcome_rows
from models.case.due import next_due
from models.case.resource import Case
from models.tables.audit import SlaOutcomeRow
from models.tables.core import CaseRow


def _project_sla_outcomes(session: Session, case: Case) -> None:
    """One row per target kind of the case, for `GET /reports/sla` (models/audit/report.py)."""
    session.execute(
        delete(SlaOutcomeRow).where(
            col(SlaOutcomeRow.case_id) == case.id, col(SlaOutcomeRow.kind).not_in(list(case.sla))
        )
    )
    for outcome in sla_outcome_rows(case):
        session.merge(outcome)


class ProjectionActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="project_case")
    def project_case(self, case: Case) -> None:
        """Upsert the case row; an older revision (a late retry) never overwrites a newer one."""
        with Session(self.engine) as session:
            row = session.get(CaseRow, case.id, with_for_update=True)
            if row is not None and row.revision > case.revision:
                return
            if row is None:
                row = CaseRow(
                    id=case.id,
                    policy=case.policy,
                    policy_version=case.policy_version,
                    plan=case.plan,
                    org=case.org,
                    status=case.status,
                    subject=case.subject,
                    channel=case.channel,
                    received_at=case.received_at,
                    updated_at=case.updated_at,
                )
            row.ticket_number = case.ticket_number
            row.policy_version = case.policy_version
            row.plan = case.plan
            row.severity = case.severity
            row.status = case.status
            row.tier = case.tier
            row.assignee = case.assignee
            row.subject = case.subject
            row.updated_at = case.updated_at
            row.breached = any(target.breached for target in case.sla.values())
            row.next_due_at = next_due(case)
            row.resolution = case.resolution
            row.document = case.model_dump(mode="json")
            row.revision = case.revision
            session.add(row)
            _project_sla_outcomes(session, case)
            project_credits(session, case)
            session.commit()
