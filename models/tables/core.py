"""SQL tables of the read model and of the stores the workflows rely on.

The Temporal workflow is the source of truth for a case; `CaseRow` is a
projection of it kept up to date by the projection activity, for listing,
search and reports. Policy versions and ticket sequences are owned here.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Dialect, Index, UniqueConstraint, text
from sqlalchemy import DateTime as SqlDateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class DateTime(TypeDecorator[datetime]):
    """Instants stored in UTC and read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = SqlDateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give an offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The engineer's queues hold open cases only; their partial indexes (migration 0010) serve
# a query whose condition is this very text (a bound parameter would not prove it).
OPEN_CASES = "status NOT IN ('resolved', 'closed')"


def _open_cases_index(name: str, *columns: str) -> Index:
    where = text(OPEN_CASES)
    return Index(name, *columns, sqlite_where=where, postgresql_where=where)


class CaseRow(SQLModel, table=True):
    """One row per case, written by the projection activity after each change."""

    __tablename__ = "cases"
    # Listing filters served in list order, newest first (migration 0007).
    __table_args__ = (
        Index("ix_cases_org_received", "org", "received_at", "id"),
        Index("ix_cases_status_received", "status", "received_at", "id"),
        Index("ix_cases_breached_received", "breached", "received_at", "id"),
        Index("ix_cases_next_due", "next_due_at", "id"),
        # Queues (api/pages/queue_reads.py): unassigned or someone's, and a tier's, newest first.
        _open_cases_index("ix_cases_open_assignee", "assignee", "received_at", "id"),
        _open_cases_index("ix_cases_open_tier", "policy", "tier", "received_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    ticket_number: str | None = Field(default=None, index=True, max_length=32)
    policy: str = Field(index=True, max_length=64)
    policy_version: int
    plan: str = Field(max_length=64)
    org: str = Field(index=True, max_length=128)
    severity: str | None = Field(default=None, index=True, max_length=32)
    status: str = Field(index=True, max_length=32)
    tier: str | None = Field(default=None, index=True, max_length=64)
    assignee: str | None = Field(default=None, index=True, max_length=128)
    subject: str = Field(max_length=500)
    channel: str = Field(max_length=32)
    received_at: datetime = Field(sa_type=DateTime(), index=True)
    updated_at: datetime = Field(sa_type=DateTime())
    # Some SLA target of the case is breached (`GET /cases?breached=true`).
    breached: bool = Field(default=False, index=True)
    # The last projected `Case` resource, so listings never need a workflow query.
    document: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
    # Monotonic per case: a late, retried projection never overwrites a newer one.
    revision: int = 0
    # The nearest due instant of a running SLA target (models/case/due.py), for the queues.
    next_due_at: datetime | None = Field(default=None, sa_type=DateTime())
    # What resolved it, for the partners' search of solutions.
    resolution: str | None = None


class PolicyVersionRow(SQLModel, table=True):
    """An immutable published version of a policy; numbered 1, 2, 3 per name."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_policy_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=64)
    version: int
    # The validated policy with holidays resolved to explicit dates (JSON).
    body: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    # The file as the manager wrote it, kept for reading and diffs.
    source: str
    sha256: str = Field(max_length=64)
    published_at: datetime = Field(sa_type=DateTime())
    published_by: str | None = Field(default=None, max_length=128)


class TicketSequenceRow(SQLModel, table=True):
    """The last ticket number handed out per prefix (e.g. ``ZSU`` -> 42)."""

    __tablename__ = "ticket_sequences"

    prefix: str = Field(primary_key=True, max_length=16)
    last: int = 0


class TicketRow(SQLModel, table=True):
    """Ticket numbers already allocated, by case, so a retried allocation returns the same one."""

    __tablename__ = "tickets"

    case_id: str = Field(primary_key=True, max_length=64)
    ticket_number: str = Field(unique=True, max_length=32)


class OutboundMessageRow(SQLModel, table=True):
    """Every e-mail the system sends, keyed so that a retried activity never sends twice."""

    __tablename__ = "outbound_messages"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=64)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=500)
    body: str
    created_at: datetime = Field(sa_type=DateTime())
    # "sent" once the SMTP server accepted it; "kept" when no SMTP server is configured;
    # "failed" when the relay refused it for good (5xx) or it could not be built.
    status: str = Field(max_length=16)
    sent_at: datetime | None = Field(default=None, sa_type=DateTime())


API_KEY_ROLES = ("partner", "engineer", "manager", "auditor", "admin")


class ApiKeyRow(SQLModel, table=True):
    """A bearer token of one caller; only its SHA-256 is kept, so the table reveals no secret."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{role}'" for role in API_KEY_ROLES) + ")",
            name="ck_api_keys_role",
        ),
        # A partner key is bound to one organisation; other roles see every organisation.
        CheckConstraint(
            "(role = 'partner' AND org IS NOT NULL) OR (role <> 'partner' AND org IS NULL)",
            name="ck_api_keys_org",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    role: str = Field(max_length=16)
    org: str | None = Field(default=None, max_length=128)
    # The token's first characters: not secret, shown by `escalator apikey list`.
    prefix: str = Field(max_length=16)
    token_sha256: str = Field(unique=True, max_length=64)
    created_at: datetime = Field(sa_type=DateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime())
