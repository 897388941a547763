"""What the engineer's queues read: pages of open cases from the read model, and their counts.

Only `CaseRow`'s own columns are read (never the projected `document`), and every query is a
short range scan of an index in the queue's order: unassigned and someone's cases by
`ix_cases_open_assignee`, a tier's by `ix_cases_open_tier`, waiting on the customer by
`ix_cases_status_received`, breaching soonest by `ix_cases_next_due`. Pages follow a cursor
(the last row's sort key), so reading on costs the same at any depth, and counts stop at
one more than a page ("50+"), so a long queue costs no more to count than a short one.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Select, TextClause, and_, func, or_, text
from sqlalchemy import select as columns_of
from sqlmodel import Session, col

from escalator import policy_store
from models.case.cursors import decode_cursor, encode_cursor
from models.tables.accounts import AccountRow
from models.tables.core import OPEN_CASES, CaseRow

QueueName = Literal["unassigned", "mine", "breaching", "waiting", "escalated"]
QUEUES: dict[QueueName, str] = {
    "unassigned": "Unassigned",
    "mine": "Mine",
    "breaching": "Breaching soonest",
    "waiting": "Waiting on the customer",
    "escalated": "My tiers",
}
PAGE_SIZE = 50

# A query of queue lines (QueueItem's columns).
QueueQuery = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class QueueItem:
    """One line of a queue."""

    id: str
    ticket_number: str | None
    subject: str
    org: str
    severity: str | None
    status: str
    policy: str
    tier: str | None
    assignee: str | None
    next_due_at: datetime | None
    received_at: datetime


# The columns a queue shows, in QueueItem's order: never `document`.
COLUMNS = (
    col(CaseRow.id),
    col(CaseRow.ticket_number),
    col(CaseRow.subject),
    col(CaseRow.org),
    col(CaseRow.severity),
    col(CaseRow.status),
    col(CaseRow.policy),
    col(CaseRow.tier),
    col(CaseRow.assignee),
    col(CaseRow.next_due_at),
    col(CaseRow.received_at),
)


@dataclass(frozen=True)
class Worker:
    """Whose queues: the viewer's handle, and the (policy, tier) pairs of their teams."""

    handle: str
    tiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the sort key of its last case."""

    at: datetime
    case_id: str

    def encode(self) -> str:
        return encode_cursor(self.at, self.case_id)


def decode(cursor: str) -> Cursor:
    """The cursor a queue page wrote (`BadCursor` for anything else)."""
    return Cursor(*decode_cursor(cursor))


def team_tiers(session: Session, account: AccountRow) -> tuple[tuple[str, str], ...]:
    """The (policy, tier) pairs whose tier belongs to a team the account is a member of: a
    member names the account by its handle (the member's id) or its e-mail address."""
    email = account.email.strip().lower()
    pairs: list[tuple[str, str]] = []
    for policy in policy_store.latest_policies(session):
        teams = {
            team_id
            for team_id, team in policy.teams.items()
            if any(m.id == account.handle or m.email.lower() == email for m in team.members)
        }
        pairs.extend((policy.name, tier.id) for tier in policy.tiers if tier.team in teams)
    return tuple(sorted(pairs))


def worker_of(session: Session, account: AccountRow) -> Worker:
    return Worker(account.handle, team_tiers(session, account))


def _open() -> TextClause:
    # The partial indexes' own condition, as text: only an identical one proves them usable.
    return text(OPEN_CASES)


def _selects(queue: QueueName, worker: Worker) -> list[QueueQuery]:
    """The queue as one query, or one per (policy, tier) pair (each served by the index)."""
    base = columns_of(*COLUMNS)
    assignee, status = col(CaseRow.assignee), col(CaseRow.status)
    if queue == "unassigned":
        return [base.where(assignee.is_(None), _open())]
    if queue == "mine":
        return [base.where(assignee == worker.handle, _open())]
    if queue == "waiting":
        return [base.where(status == "waiting_customer")]
    if queue == "breaching":
        return [base.where(col(CaseRow.next_due_at).is_not(None), _open())]
    return [
        base.where(col(CaseRow.policy) == policy, col(CaseRow.tier) == tier, _open())
        for policy, tier in worker.tiers
    ]


def _ordered(queue: QueueName, query: QueueQuery, after: Cursor | None) -> QueueQuery:
    """Breaching: nearest due first; the others newest first. After the cursor, if any."""
    case_id = col(CaseRow.id)
    if queue == "breaching":
        due = col(CaseRow.next_due_at)
        if after is not None:
            query = query.where(due >= after.at, or_(due > after.at, case_id > after.case_id))
        return query.order_by(due, case_id)
    received = col(CaseRow.received_at)
    if after is not None:
        query = query.where(
            and_(received <= after.at, or_(received < after.at, case_id < after.case_id))
        )
    return query.order_by(received.desc(), case_id.desc())


def _sort_key(queue: QueueName, item: QueueItem) -> Cursor:
    if queue == "breaching":
        assert item.next_due_at is not None  # the queue holds only cases with one
        return Cursor(item.next_due_at, item.id)
    return Cursor(item.received_at, item.id)


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    # Where the next page starts; None on the last page.
    next_cursor: Cursor | None


def read_page(
    session: Session, queue: QueueName, worker: Worker, after: Cursor | None = None
) -> QueuePage:
    items: list[QueueItem] = []
    for query in _selects(queue, worker):
        rows = session.connection().execute(_ordered(queue, query, after).limit(PAGE_SIZE + 1))
        items.extend(QueueItem(*row) for row in rows)
    # Several tiers: each query gave its first rows in order; merged, the first ones stand.
    if queue == "breaching":
        items.sort(key=lambda item: (item.next_due_at or datetime.max.replace(tzinfo=UTC), item.id))
    else:
        items.sort(key=lambda item: (item.received_at, item.id), reverse=True)
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    return QueuePage(items, _sort_key(queue, items[-1]) if more else None)


def bounded_count(session: Session, queue: QueueName, worker: Worker) -> int:
    """How many cases the queue holds, up to PAGE_SIZE + 1 (shown as "50+")."""
    total = 0
    for query in _selects(queue, worker):
        first = query.with_only_columns(col(CaseRow.id)).limit(PAGE_SIZE + 1 - total).subquery()
        total += (
            session.connection().execute(columns_of(func.count()).select_from(first)).scalar_one()
        )
        if total > PAGE_SIZE:
            break
    return total


def counts(session: Session, worker: Worker) -> dict[QueueName, int]:
    return {queue: bounded_count(session, queue, worker) for queue in QUEUES}
