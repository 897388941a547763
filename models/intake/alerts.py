"""The Prometheus Alertmanager webhook payload (version 4), and what an alert means for a case."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from models.input_text import MultiLine, SingleLine
from models.policy.intake import MonitoringIntake

# What became of an accepted alert (a receipt's item): pending until it is worked; opened (a
# new case), noted (a note on its case), skipped (nothing to do, `reason` says why) or failed
# (`reason` says why) are final.
ALERT_ITEM_STATES = ("pending", "opened", "noted", "skipped", "failed")
AlertItemState = Literal["pending", "opened", "noted", "skipped", "failed"]


class Alert(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    # Label values become a case's organisation, contact and subject: one line each.
    labels: dict[SingleLine, SingleLine] = Field(default_factory=dict)
    annotations: dict[SingleLine, MultiLine] = Field(default_factory=dict)
    startsAt: AwareDatetime  # Alertmanager's field names
    endsAt: datetime | None = None
    generatorURL: str = ""
    fingerprint: SingleLine = Field(min_length=1, max_length=200)

    @property
    def episode(self) -> str:
        """One firing of the alert: Alertmanager repeats it with the same start until resolved."""
        return f"{self.fingerprint}:{self.startsAt.isoformat()}"

    @property
    def subject(self) -> str:
        name = self.labels.get("alertname", "alert")
        summary = self.annotations.get("summary")
        where = self.labels.get("instance")
        # A multi-line summary is one line in a subject (a mail header).
        text = " ".join((summary or (f"{name} on {where}" if where else name)).split())
        return f"[{name}] {text}"[:500] if summary else text[:500]

    @property
    def description(self) -> str:
        text = self.annotations.get("description") or self.annotations.get("summary") or ""
        labels = ", ".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        link = f"\n{self.generatorURL}" if self.generatorURL else ""
        return f"{text}\n\nlabels: {labels}{link}".strip()[:100_000]


class AlertmanagerWebhook(BaseModel):
    """What Alertmanager's webhook receiver posts."""

    model_config = ConfigDict(extra="allow")

    version: str = "4"
    groupKey: str = ""
    truncatedAlerts: int = 0
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupLabels: dict[SingleLine, SingleLine] = Field(default_factory=dict)
    commonLabels: dict[SingleLine, SingleLine] = Field(default_factory=dict)
    commonAnnotations: dict[str, str] = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[Alert] = Field(max_length=1000)


def alert_severity(monitoring: MonitoringIntake, alert: Alert) -> str | None:
    """The policy severity of an alert's label value, the mapping's default, or None."""
    value = alert.labels.get(monitoring.label)
    if value is not None and value in monitoring.severities:
        return monitoring.severities[value]
    return monitoring.default
