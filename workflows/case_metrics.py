"""What cases do, counted for the worker's /metrics (Prometheus, through the SDK's exporter).

Counted with the workflow's own metric meter: the SDK records nothing while a task
replays, so a case replayed on another worker is not counted twice, and no command is
issued (histories replay unchanged).
"""

from temporalio import workflow

CASES_OPENED = "escalator_cases_opened"
STEPS_APPLIED = "escalator_steps_applied"
SLA_WARNINGS = "escalator_sla_warnings"
SLA_BREACHES = "escalator_sla_breaches"
NOTICES_FAILED = "escalator_notices_failed"

_DESCRIPTIONS = {
    CASES_OPENED: "Cases opened, by policy and severity",
    STEPS_APPLIED: "Steps applied to cases, by policy and step",
    SLA_WARNINGS: "Escalation rules fired before their target's breach, by policy and target",
    SLA_BREACHES: "Targets breached, by policy and target",
    NOTICES_FAILED: "E-mails and pages that could not be delivered, by policy and channel",
}


def count(name: str, **labels: str) -> None:
    workflow.metric_meter().create_counter(name, _DESCRIPTIONS[name]).add(1, labels)
