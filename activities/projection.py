"""The read model: after every change a case workflow projects its state into `cases`."""

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity

from models.case import Case
from models.tables import CaseRow


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
            row.document = case.model_dump(mode="json")
            row.revision = case.revision
            session.add(row)
            session.commit()
