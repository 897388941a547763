"""The case resource and the workflow's input and output (names as in API.md).

Workflows carry `Case` as their state; the API returns it as is, and the
projection activity writes it to the read model.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Dispatches, shipments and RMAs with their deadlines and states (models/field/records.py).
from models.field.records import FieldService
from models.input_text import EmailAddress, MultiLine, SingleLine
from models.policy.intake import Channel

CaseStatus = Literal[
    "new",
    "acknowledged",
    "triaged",
    "assigned",
    "in_progress",
    "waiting_customer",
    "restored",
    "resolved",
    "closed",
]
TargetKind = Literal["response", "restoration", "resolution"]


class Contact(BaseModel):
    """The person who raised the case."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    phone: str | None = Field(default=None, max_length=64)


class IntakeRecord(BaseModel):
    """A case's intake as its workflow input records it. Lenient on purpose: a history
    recorded before the edge refused something (models/input_text.py) still replays."""

    policy: str
    plan: str
    org: str
    severity: str | None = None
    channel: Channel = "api"
    subject: str
    description: str
    contact: Contact
    fields: dict[str, str] = Field(default_factory=dict)
    region: str | None = None
    received_at: datetime | None = None


class ContactIntake(Contact):
    """The requester as a new case names them: one-line text and an address mail can reach."""

    name: SingleLine = Field(min_length=1, max_length=200)
    email: EmailAddress = Field(max_length=320)
    phone: SingleLine | None = Field(default=None, max_length=64)


class CaseIntake(IntakeRecord):
    """What a requester sends to open a case: text the system can store and mail
    (a subject becomes a mail header, so it is one line)."""

    model_config = ConfigDict(extra="forbid")

    policy: SingleLine = Field(min_length=1, max_length=64)
    plan: SingleLine = Field(min_length=1, max_length=64)
    org: SingleLine = Field(min_length=1, max_length=128)
    severity: SingleLine | None = Field(default=None, max_length=32)
    channel: Channel = "api"
    subject: SingleLine = Field(min_length=1, max_length=500)
    description: MultiLine = Field(min_length=1, max_length=100_000)
    contact: ContactIntake
    # The policy's required intake fields, by name.
    fields: dict[SingleLine, MultiLine] = Field(default_factory=dict)
    region: SingleLine | None = Field(default=None, max_length=64)
    # When the request reached the organisation, if earlier than now: the SLA clock starts there.
    received_at: AwareDatetime | None = None


class SlaTarget(BaseModel):
    """One promise of the case and where it stands."""

    target: str
    due_at: datetime | None = None
    met_at: datetime | None = None
    breached: bool = False
    paused: bool = False


class Charge(BaseModel):
    reason: str
    amount: float
    currency: str
    at: datetime


class Credit(BaseModel):
    """What a missed target earns the client (models/case/credits.py). Since the
    credit-amounts patch a credit names its target, and its amount once the service is
    restored (None: still accruing, or no monthly fee known; `computation` says which)."""

    reason: str
    detail: str
    at: datetime
    target: str | None = None
    # Decimal text in the currency's minor units ("14.58"), exact.
    amount: str | None = None
    currency: str | None = None
    computation: str | None = None
    upon_request: bool = False


class Note(BaseModel):
    text: str
    actor: str
    at: datetime
    # An automatic reply (out-of-office ...) kept from e-mail, not something a person wrote.
    auto_reply: bool = False
    # What a reply by e-mail quoted (the message it answers), shown apart from its text.
    quoted: str | None = None


class Attachment(BaseModel):
    """A file that came with the case (an e-mail attachment), stored with it."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    # False when the file exceeded the size limit: listed, its bytes kept only in the raw message.
    stored: bool = True
    received_at: datetime


class Case(BaseModel):
    """The live state of a case, as `GET /cases/{id}` returns it."""

    id: str
    ticket_number: str | None = None
    policy: str
    policy_version: int
    plan: str
    org: str
    severity: str | None = None
    priority: str | None = None
    status: CaseStatus = "new"
    tier: str | None = None
    assignee: str | None = None
    channel: Channel
    subject: str
    contact: Contact
    received_at: datetime
    sla: dict[str, SlaTarget] = Field(default_factory=dict)
    missing_fields: list[str] = Field(default_factory=list)
    # The requester is not an authorised contact of the client: the work is charged.
    billable: bool = False
    # covered, not_covered, po_required, po_approved; None when the policy checks nothing.
    entitlement: str | None = None
    charges: list[Charge] = Field(default_factory=list)
    credits: list[Credit] = Field(default_factory=list)
    field_service: FieldService = Field(default_factory=FieldService)
    notes: list[Note] = Field(default_factory=list)
    resolution: str | None = None
    # Files that came with the case; the API lists them from the attachment store.
    attachments: list[Attachment] = Field(default_factory=list)
    updated_at: datetime
    # Increases with every change, so the read model keeps only the newest projection.
    revision: int = 0


class CaseSummary(BaseModel):
    """One line of `GET /cases`."""

    id: str
    ticket_number: str | None
    policy: str
    plan: str
    org: str
    severity: str | None
    status: CaseStatus
    tier: str | None
    assignee: str | None
    subject: str
    received_at: datetime
    updated_at: datetime
    # Some SLA target of the case is breached.
    breached: bool = False


class CaseInput(BaseModel):
    """Everything a case workflow starts with; the policy version is pinned here."""

    case_id: str
    # A CaseIntake when the case opens; read back from its history as recorded.
    intake: IntakeRecord
    received_at: datetime
    policy_version: int
    # The published policy body, so the case keeps its rules whatever is published later.
    policy: dict[str, Any]
    # Set when the workflow continues as new: the state it carries on with.
    state: dict[str, Any] | None = None
    # History length after which the case continues as new, well inside Temporal's limits.
    history_limit: int = Field(default=10_000, ge=20, le=40_000)


class CaseResult(BaseModel):
    """What a finished case workflow returns."""

    case_id: str
    ticket_number: str | None
    status: CaseStatus
    closed_at: datetime | None = None
