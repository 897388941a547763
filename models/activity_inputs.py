"""Inputs of the activities that workflows call; plain data so both sides can import them."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TicketRequest(BaseModel):
    case_id: str
    prefix: str = Field(min_length=1, max_length=16)


class EmailRequest(BaseModel):
    """One e-mail; `idempotency_key` makes a retried activity send it at most once."""

    idempotency_key: str
    case_id: str
    kind: str
    to: str
    # Jinja2 templates, rendered by the activity with `context`.
    subject_template: str
    body_template: str
    context: dict[str, Any] = Field(default_factory=dict)


class PageRequest(BaseModel):
    """One page in the PagerDuty Events v2 shape; `dedup_key` is per case and reason."""

    dedup_key: str
    case_id: str
    summary: str = Field(max_length=1024)
    # PagerDuty severities: critical, error, warning, info.
    severity: str = "critical"
    routing_key: str = "escalator"
    # Who is paged (team members or the on-call), carried in the event's details.
    targets: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class EntitlementRequest(BaseModel):
    org: str
    plan: str
    # Coverage must have started by then, and (when the policy says so) not yet expired.
    opened_at: datetime
    checks: list[str]
    match_plan_level: bool = True
    opened_before_expiry: bool = True


class EntitlementResult(BaseModel):
    # covered, expired (a contract lapsed: purchase order needed) or none.
    outcome: str
    reference: str | None = None
    detail: str


class ContactRequest(BaseModel):
    org: str
    email: str
