"""Tables of the audit trail: archived histories and the SLA outcomes the monthly report reads.

`CaseArchiveRow` keeps a closed case's complete Temporal history (every run of the
case workflow and of its child workflows) compressed, for the years after the
namespace's retention period has removed it from Temporal.

`SlaOutcomeRow` is part of the read model: the projection activity keeps one row
per case and target kind (response, restoration, resolution, tier_response) in
step with the case, so `GET /reports/sla` is a plain aggregate query.
"""

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from models.tables.core import DateTime

# How `CaseArchiveRow.data` is encoded: gzip over UTF-8 JSON (see escalator/infra/history.py).
ARCHIVE_ENCODING = "gzip+json/1"


class CaseArchiveRow(SQLModel, table=True):
    """The full event history of one closed case and its children, gzip-compressed JSON."""

    __tablename__ = "case_archives"

    case_id: str = Field(primary_key=True, max_length=64)
    # When the last run of the case workflow closed.
    closed_at: datetime = Field(sa_type=DateTime(), index=True)
    archived_at: datetime = Field(sa_type=DateTime())
    encoding: str = Field(max_length=32)
    # Workflow runs (case runs and child runs) and events held, for listings and sanity checks.
    runs: int
    events: int
    # SHA-256 of the uncompressed JSON, so a damaged archive is noticed when it is read.
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SlaOutcomeRow(SQLModel, table=True):
    """Where one promise of one case stands, as last projected: due, met, breached."""

    __tablename__ = "sla_outcomes"

    case_id: str = Field(primary_key=True, max_length=64)
    # response, restoration, resolution or tier_response.
    kind: str = Field(primary_key=True, max_length=32)
    policy: str = Field(index=True, max_length=64)
    policy_version: int
    plan: str = Field(max_length=64)
    # The case's tier when last projected (for tier_response: the tier the clock measures).
    tier: str | None = Field(default=None, max_length=64)
    severity: str | None = Field(default=None, max_length=32)
    target: str = Field(max_length=64)
    # The month a case counts in is the month (UTC) it was received.
    received_at: datetime = Field(sa_type=DateTime(), index=True)
    due_at: datetime | None = Field(default=None, sa_type=DateTime())
    met_at: datetime | None = Field(default=None, sa_type=DateTime())
    breached: bool = False
    # The case revision this row reflects; a late retry never overwrites a newer one.
    revision: int = 0
