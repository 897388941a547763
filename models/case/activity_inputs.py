"""Inputs of the activities that workflows call; plain data so both sides can import them."""

from datetime import datetime
from typing import Any, Literal

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


PageAction = Literal["trigger", "acknowledge", "resolve"]
PageSeverity = Literal["critical", "error", "warning", "info"]


class PageRequest(BaseModel):
    """One PagerDuty Events v2 event: a page (`trigger`), or its `acknowledge` / `resolve`.

    `dedup_key` is per case and reason, so the receiver folds retries into one incident and
    a later acknowledgement or resolution finds it. The integration key is not here: it is a
    secret the activity looks up by the team's `paging.routing_key` name (never in history).
    """

    dedup_key: str = Field(max_length=255)
    case_id: str
    event_action: PageAction = "trigger"
    summary: str = Field(default="", max_length=1024)
    severity: PageSeverity = "critical"
    # The name of the routing key in the `ESCALATOR_PAGING_ROUTING_KEYS` setting; None: the
    # default key (`ESCALATOR_PAGING_ROUTING_KEY`).
    routing_key_name: str | None = None
    # Events v2 `group` (the team) and `class` (why it pages); `component` is always "case".
    team: str | None = None
    reason: str | None = None
    ticket_number: str | None = None
    # When the workflow decided to page (Events v2 `timestamp`).
    at: datetime | None = None
    # Who is paged, by name only: no phone numbers or e-mail addresses leave in custom_details.
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
