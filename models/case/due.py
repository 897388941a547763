"""What a case owes next: the nearest instant one of its SLA targets falls due.

The read model keeps it (`cases.next_due_at`) so queues sort by it ("breaching soonest")
without asking any workflow. A target counts while it runs: not met and not paused. A
breached target that is still owed counts too (its due instant has passed, so the case
sorts first). A finished case owes nothing.
"""

from datetime import datetime

from models.case.resource import Case, SlaTarget

FINISHED_STATUSES = ("resolved", "closed")


def running(target: SlaTarget) -> bool:
    return target.due_at is not None and target.met_at is None and not target.paused


def next_due(case: Case) -> datetime | None:
    if case.status in FINISHED_STATUSES:
        return None
    dues = [target.due_at for target in case.sla.values() if running(target) and target.due_at]
    return min(dues, default=None)
