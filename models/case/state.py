"""What a case workflow remembers between events, carried across continue-as-new.

`Case` is what the API shows; `CaseState` adds the SLA clocks and the
bookkeeping that keeps every timed action exactly-once.
"""

from datetime import datetime

from pydantic import BaseModel, Field

from models.case.notices import Notice, PageRecord
from models.case.registry_facts import RegistryFacts
from models.case.resource import Case, CaseStatus, SlaTarget
from models.time.sla_clock import SlaClock

# The clock of the tier a case is at; its rules use the trigger target "tier_response".
TIER_RESPONSE = "tier_response"


class CaseState(BaseModel):
    case: Case
    # "response", "restoration", "resolution" and "tier_response", once a severity is known.
    clocks: dict[str, SlaClock] = Field(default_factory=dict)
    # Target texts ("4h", "12h wall") per clock, for the `sla` section.
    targets: dict[str, str] = Field(default_factory=dict)
    # The case arrived while its plan's calendar was closed: outside-hours targets apply.
    outside_hours: bool = False
    # Every timed action that has happened, by key, with its instant: nothing fires twice.
    fired: dict[str, datetime] = Field(default_factory=dict)
    acknowledged_at: datetime | None = None
    # Customer waits are numbered so each one has its own reminders.
    wait_number: int = 0
    waiting_since: datetime | None = None
    status_before_wait: CaseStatus | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    # Next member index per team for round-robin notifications.
    round_robin: dict[str, int] = Field(default_factory=dict)
    fields: dict[str, str] = Field(default_factory=dict)
    intake_recorded: bool = False
    # Keyed steps (`Idempotency-Key`): update id -> digest of the step it ran (step_requests.py).
    step_requests: dict[str, str] = Field(default_factory=dict)
    # E-mails and pages queued by steps and timed actions, not yet sent (models/case/notices.py).
    outbox: list[Notice] = Field(default_factory=list)
    # What the client registry said when the case opened (since the registry-facts patch).
    registry: RegistryFacts | None = None
    # Pages triggered, by dedup key, so acknowledging or resolving the case reaches them.
    pages: dict[str, PageRecord] = Field(default_factory=dict)

    def refresh_sla(self, now: datetime) -> None:
        """Rebuild the case's `sla` section from the clocks."""
        sla: dict[str, SlaTarget] = {}
        for kind, clock in self.clocks.items():
            due = clock.due_at()
            sla[kind] = SlaTarget(
                target=self.targets.get(kind, str(clock.duration)),
                due_at=due,
                met_at=clock.met_at,
                breached=clock.breached(max(now, clock.started_at)),
                paused=clock.paused,
            )
        self.case = self.case.model_copy(update={"sla": sla})
