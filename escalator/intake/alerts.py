"""Monitoring intake: Alertmanager alerts open cases, repeats and resolutions are noted on them.

One firing of an alert (its fingerprint and start) is one case: its case id is
derived from them, so the workflow id is the deduplication record. A repeat
notification adds a note to that case, a resolved alert notes its end.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from escalator import policy_store
from escalator.cases import (
    CaseFinished,
    InvalidField,
    NotPermitted,
    StepRefused,
    Visible,
    apply_step,
    case_once_recorded,
    check_against_policy,
    idempotent_case_id,
    intake_sha256,
    may_see,
    start_case,
)
from escalator.cases.calls import workflow_exists
from escalator.infra.settings import Settings
from escalator.intake.mail import Kept, plan_of
from models.case.resource import CaseIntake, ContactIntake
from models.case.steps import AddNote
from models.intake.alerts import Alert, AlertmanagerWebhook, alert_severity
from models.policy.intake import Intake, MonitoringIntake
from models.tables.client_registry import AuthorisedContactRow
from models.tables.core import PolicyVersionRow

log = logging.getLogger("escalator.intake.alerts")


class AlertOutcome(BaseModel):
    fingerprint: str
    status: Literal["firing", "resolved"]
    # opened: a new case; noted: a note on the alert's case; skipped: nothing to do (why).
    outcome: Literal["opened", "noted", "skipped"]
    case_id: str | None = None
    ticket_number: str | None = None
    reason: str | None = None


class AlertResults(BaseModel):
    results: list[AlertOutcome]


@dataclass(frozen=True)
class Target:
    policy: PolicyVersionRow
    intake: Intake
    monitoring: MonitoringIntake


class AlertIntake:
    def __init__(self, engine: Engine, client: Client, settings: Settings) -> None:
        self.engine = engine
        self.client = client
        self.settings = settings

    async def receive(
        self, hook: AlertmanagerWebhook, policy: str, org: str | None, visible: Visible
    ) -> AlertResults:
        target = await asyncio.to_thread(self._target, policy)
        results = []
        for index, alert in enumerate(hook.alerts):
            alert_org = alert.labels.get("org") or hook.commonLabels.get("org") or org
            if alert_org is None:
                raise InvalidField(
                    "no organisation: give the alert an `org` label or the `org` query parameter",
                    loc=["body", "alerts", index, "labels", "org"],
                )
            if not may_see(visible, alert_org):
                allowed = ", ".join(repr(org) for org in sorted(visible or ()))
                raise NotPermitted(
                    f"this partner reports alerts of {allowed} only",
                    loc=["body", "alerts", index, "labels", "org"],
                )
            results.append(await self._one(target, alert, alert_org, index))
        return AlertResults(results=results)

    async def _one(self, target: Target, alert: Alert, org: str, index: int) -> AlertOutcome:
        case_id = idempotent_case_id(org, f"alert:{alert.episode}")
        outcome = AlertOutcome(
            fingerprint=alert.fingerprint, status=alert.status, outcome="skipped", case_id=case_id
        )
        if alert.status == "resolved":
            if not await workflow_exists(self.client, case_id):
                return outcome.model_copy(
                    update={"case_id": None, "reason": "resolved before any case was opened"}
                )
            ended = alert.endsAt.isoformat() if alert.endsAt else "now"
            return await self._note(
                outcome, case_id, f"alert {alert.fingerprint} resolved at {ended}", "resolved"
            )
        intake = await asyncio.to_thread(self._intake, target, alert, org, index)
        handle, created = await start_case(
            self.client, self.settings, intake, target.policy, case_id, intake_sha256(intake)
        )
        if not created:
            return await self._note(
                outcome, case_id, f"alert {alert.fingerprint} still firing: {alert.subject}", None
            )
        case = await case_once_recorded(self.client, handle, None)
        log.info("alert %s opened case %s", alert.fingerprint, case_id)
        return outcome.model_copy(update={"outcome": "opened", "ticket_number": case.ticket_number})

    async def _note(
        self, outcome: AlertOutcome, case_id: str, text: str, key: str | None
    ) -> AlertOutcome:
        note = AddNote(actor="monitoring", text=text)
        try:
            case = await apply_step(self.client, case_id, "add-note", note, "alerts", key)
        except (StepRefused, CaseFinished) as refused:
            return outcome.model_copy(update={"reason": refused.detail})
        return outcome.model_copy(update={"outcome": "noted", "ticket_number": case.ticket_number})

    def _target(self, name: str) -> Target:
        with Session(self.engine) as session:
            row = policy_store.latest(session, name)
        if row is None:
            raise InvalidField(f"no published policy named {name!r}", loc=["query", "policy"])
        intake = policy_store.cached_policy(row).intake
        if intake.monitoring is None:
            raise InvalidField(
                f"policy {name!r} has no intake.monitoring mapping", loc=["query", "policy"]
            )
        return Target(row, intake, intake.monitoring)

    @staticmethod
    def _received_at(target: Target, alert: Alert) -> datetime:
        """When the alert started; but an alert firing longer than the policy lets a request be
        dated back (intake.received_at_max_age) counts from that limit. Refusing it instead
        would refuse every repeat notification of a long-firing alert."""
        now = datetime.now(UTC)
        return max(min(alert.startsAt, now), target.intake.earliest_received_at(now))

    def _intake(self, target: Target, alert: Alert, org: str, index: int) -> CaseIntake:
        with Session(self.engine) as session:
            try:
                plan = target.monitoring.plan or plan_of(session, org, target.policy)
            except Kept as error:
                raise InvalidField(str(error), loc=["query", "policy"]) from error
            contact = self._contact(session, alert, org, index)
        try:
            intake = CaseIntake(
                policy=target.policy.name,
                plan=plan,
                org=org,
                severity=alert_severity(target.monitoring, alert),
                channel="monitoring",
                subject=alert.subject or alert.fingerprint,
                description=alert.description or alert.fingerprint,
                contact=contact,
                received_at=self._received_at(target, alert),
            )
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidField(
                first["msg"], loc=["body", "alerts", index, *map(str, first["loc"])]
            ) from error
        check_against_policy(intake, target.policy)
        return intake

    def _contact(self, session: Session, alert: Alert, org: str, index: int) -> ContactIntake:
        """Who hears about the case: the alert's `contact_email` label or annotation, else the
        organisation's first authorised contact."""
        email = alert.labels.get("contact_email") or alert.annotations.get("contact_email")
        if email:
            try:
                return ContactIntake(name=alert.labels.get("contact_name") or email, email=email)
            except ValidationError as error:
                raise InvalidField(
                    "is not an e-mail address",
                    loc=["body", "alerts", index, "labels", "contact_email"],
                ) from error
        row = session.exec(
            select(AuthorisedContactRow)
            .where(AuthorisedContactRow.org == org)
            .order_by(col(AuthorisedContactRow.id))
        ).first()
        if row is None:
            raise InvalidField(
                f"no contact: label the alert with contact_email, or register an authorised "
                f"contact of {org!r}",
                loc=["body", "alerts", index, "labels", "contact_email"],
            )
        try:
            return ContactIntake(name=row.name or row.email, email=row.email)
        except ValidationError as error:
            raise InvalidField(
                f"the first authorised contact of {org!r} has no address mail can reach: "
                "label the alert with contact_email",
                loc=["body", "alerts", index, "labels", "contact_email"],
            ) from error
