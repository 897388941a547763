"""Monitoring intake: Alertmanager alerts open cases, repeats and resolutions are noted on them.

One firing of an alert (its fingerprint and start) is one case: its case id is
derived from them, so the workflow id is the deduplication record. A repeat
notification adds a note to that case, a resolved alert notes its end.

Here a webhook is checked whole (`check`: each alert's organisation, whether the caller may
report it, and the case a firing alert opens; a refusal names the field and nothing is
accepted) and one alert is worked (`AlertWork.one`). escalator/intake/alert_receipts.py
records every accepted webhook before any of its alerts is worked, and works them.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationError
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

# The memo entry naming the receipt item that started an alert's case: a resumed item whose
# case exists knows whether it opened it (before the process stopped) or another delivery did.
ALERT_ITEM_MEMO = "alert_item"


class AlertOutcome(BaseModel):
    fingerprint: str
    status: Literal["firing", "resolved"]
    # opened: a new case; noted: a note on the alert's case; skipped: nothing to do (why);
    # failed: nothing could be done (why), after retrying what a retry could cure.
    outcome: Literal["opened", "noted", "skipped", "failed"]
    case_id: str | None = None
    ticket_number: str | None = None
    reason: str | None = None


class AlertResults(BaseModel):
    results: list[AlertOutcome]
    receipt_id: int = Field(
        description="The webhook's receipt: GET /intake/alerts/receipts/{receipt_id}"
    )


@dataclass(frozen=True)
class Target:
    policy: PolicyVersionRow
    intake: Intake
    monitoring: MonitoringIntake

    @classmethod
    def of(cls, row: PolicyVersionRow) -> "Target":
        intake = policy_store.cached_policy(row).intake
        if intake.monitoring is None:
            raise InvalidField(
                f"policy {row.name!r} has no intake.monitoring mapping", loc=["query", "policy"]
            )
        return cls(row, intake, intake.monitoring)


@dataclass(frozen=True)
class Planned:
    """One alert of a checked webhook: its organisation and, when it fires, the case it opens."""

    index: int
    alert: Alert
    org: str
    intake: CaseIntake | None

    @property
    def case_id(self) -> str:
        return idempotent_case_id(self.org, f"alert:{self.alert.episode}")


@dataclass(frozen=True)
class Checked:
    """A webhook every alert of which can be worked."""

    target: Target
    received_at: datetime
    alerts: list[Planned]


def check(
    engine: Engine,
    hook: AlertmanagerWebhook,
    policy: str,
    org: str | None,
    visible: Visible,
    now: datetime,
) -> Checked:
    """The whole webhook checked in one session, alert by alert (`InvalidField` or
    `NotPermitted` naming the first wrong field): nothing is accepted unless all is."""
    with Session(engine) as session:
        row = policy_store.latest(session, policy)
        if row is None:
            raise InvalidField(f"no published policy named {policy!r}", loc=["query", "policy"])
        target = Target.of(row)
        planner = Planner(session, target, now)
        planned = []
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
            planned.append(planner.plan(index, alert, alert_org))
    return Checked(target, now, planned)


class Planner:
    """The case each firing alert opens, within one session: an organisation's plan and first
    contact are read once however many of its alerts a webhook carries. `now`: when the
    webhook was received (a resumed alert is dated as it was then)."""

    def __init__(self, session: Session, target: Target, now: datetime) -> None:
        self.session = session
        self.target = target
        self.now = now
        self.plans: dict[str, str] = {}
        self.contacts: dict[str, AuthorisedContactRow | None] = {}

    def plan(self, index: int, alert: Alert, org: str) -> Planned:
        """`InvalidField` naming the field when a firing alert cannot open a case."""
        intake = self._intake(alert, org, index) if alert.status == "firing" else None
        return Planned(index, alert, org, intake)

    def _received_at(self, alert: Alert) -> datetime:
        """When the alert started; but an alert firing longer than the policy lets a request be
        dated back (intake.received_at_max_age) counts from that limit. Refusing it instead
        would refuse every repeat notification of a long-firing alert."""
        earliest = self.target.intake.earliest_received_at(self.now)
        return max(min(alert.startsAt, self.now), earliest)

    def _plan_of(self, org: str) -> str:
        if org not in self.plans:
            try:
                self.plans[org] = self.target.monitoring.plan or plan_of(
                    self.session, org, self.target.policy
                )
            except Kept as error:
                raise InvalidField(str(error), loc=["query", "policy"]) from error
        return self.plans[org]

    def _intake(self, alert: Alert, org: str, index: int) -> CaseIntake:
        target = self.target
        plan = self._plan_of(org)
        contact = self._contact(alert, org, index)
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
                received_at=self._received_at(alert),
            )
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidField(
                first["msg"], loc=["body", "alerts", index, *map(str, first["loc"])]
            ) from error
        check_against_policy(intake, target.policy)
        return intake

    def _first_contact(self, org: str) -> AuthorisedContactRow | None:
        if org not in self.contacts:
            self.contacts[org] = self.session.exec(
                select(AuthorisedContactRow)
                .where(AuthorisedContactRow.org == org)
                .order_by(col(AuthorisedContactRow.id))
            ).first()
        return self.contacts[org]

    def _contact(self, alert: Alert, org: str, index: int) -> ContactIntake:
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
        row = self._first_contact(org)
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


class AlertWork:
    """Works one checked alert: opens its case, or notes the repeat or the resolution."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    async def one(
        self, target: Target, planned: Planned, item_key: str, resumed: bool
    ) -> AlertOutcome:
        """`item_key` names the receipt's item: the memo of the case it opens, the key of the
        note it adds. `resumed`: an earlier attempt at this item may have started its case."""
        alert = planned.alert
        case_id = planned.case_id
        outcome = AlertOutcome(
            fingerprint=alert.fingerprint, status=alert.status, outcome="skipped", case_id=case_id
        )
        if planned.intake is None:
            if not await workflow_exists(self.client, case_id):
                return outcome.model_copy(
                    update={"case_id": None, "reason": "resolved before any case was opened"}
                )
            ended = alert.endsAt.isoformat() if alert.endsAt else "now"
            # One resolution per case, whichever delivery and receipt it comes in.
            text = f"alert {alert.fingerprint} resolved at {ended}"
            return await self._note(outcome, case_id, text, "resolved")
        intake = planned.intake
        handle, created = await start_case(
            self.client,
            self.settings,
            intake,
            target.policy,
            case_id,
            intake_sha256(intake),
            memo={ALERT_ITEM_MEMO: item_key},
        )
        if not created and resumed:
            started_by = await (await handle.describe()).memo_value(ALERT_ITEM_MEMO, default=None)
            created = started_by == item_key
        if not created:
            text = f"alert {alert.fingerprint} still firing: {alert.subject}"
            return await self._note(outcome, case_id, text, item_key)
        case = await case_once_recorded(self.client, handle, None)
        log.info("alert %s opened case %s", alert.fingerprint, case_id)
        return outcome.model_copy(update={"outcome": "opened", "ticket_number": case.ticket_number})

    async def _note(self, outcome: AlertOutcome, case_id: str, text: str, key: str) -> AlertOutcome:
        note = AddNote(actor="monitoring", text=text)
        try:
            case = await apply_step(self.client, case_id, "add-note", note, "alerts", key)
        except (StepRefused, CaseFinished) as refused:
            return outcome.model_copy(update={"reason": refused.detail})
        return outcome.model_copy(update={"outcome": "noted", "ticket_number": case.ticket_number})
