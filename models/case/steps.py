"""Bodies of the engineer steps (`POST /cases/{id}/{step}`), each a Temporal Update.

Every step carries `actor`, set by the API from the caller's identity, so the
case history records who did what.
"""

from pydantic import BaseModel, ConfigDict, Field

from models.field.records import SiteContact


class StepBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str = Field(default="system", max_length=200)


class Acknowledge(StepBody):
    pass


class Triage(StepBody):
    severity: str = Field(min_length=1, max_length=32)
    priority: str | None = Field(default=None, max_length=32)


class Assign(StepBody):
    engineer: str = Field(min_length=1, max_length=128)


class Respond(StepBody):
    message: str = Field(min_length=1, max_length=100_000)


class RequestInfo(StepBody):
    fields: list[str] = Field(default_factory=list)
    message: str = Field(min_length=1, max_length=100_000)


class CustomerReply(StepBody):
    message: str = Field(min_length=1, max_length=100_000)
    fields: dict[str, str] = Field(default_factory=dict)
    # The text the reply quotes (e-mail's "> ..." lines), kept apart from its own.
    quoted: str | None = Field(default=None, max_length=100_000)


class Escalate(StepBody):
    to_tier: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=10_000)
    # Checklist item ids of the target tier: True done, False not done, "n/a" not applicable.
    checklist: dict[str, bool | str] = Field(default_factory=dict)


class AddNote(StepBody):
    text: str = Field(min_length=1, max_length=100_000)
    # An automatic reply (out-of-office ...) e-mail intake keeps on the case; it asks nothing.
    auto_reply: bool = False
    # The text an e-mail kept as a note quotes, apart from its own.
    quoted: str | None = Field(default=None, max_length=100_000)


class ApprovePo(StepBody):
    po_number: str = Field(min_length=1, max_length=64)


class DispatchOnsite(StepBody):
    """Send a technician to `site`; `contact` meets them and hears of the visit."""

    site: str = Field(min_length=1, max_length=1_000)
    contact: SiteContact


class ShipPart(StepBody):
    """Ship a replacement part for a failure the engineer confirmed now."""

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=100)
    # The site's region when the case has none (warehouse and return window depend on it).
    region: str | None = Field(default=None, min_length=1, max_length=64)


class ReceiveRma(StepBody):
    """The defective part of an RMA came back; the policy may require its tracking number."""

    rma_id: str = Field(min_length=1, max_length=200)
    tracking_number: str | None = Field(default=None, min_length=1, max_length=64)


class Restore(StepBody):
    note: str = Field(min_length=1, max_length=100_000)


class Resolve(StepBody):
    resolution: str = Field(min_length=1, max_length=100_000)


class Close(StepBody):
    pass


class Reopen(StepBody):
    reason: str = Field(min_length=1, max_length=10_000)


# Every step of `POST /cases/{id}/{step}`: its name (the workflow's Update name) and body.
STEP_BODIES: dict[str, type[StepBody]] = {
    "acknowledge": Acknowledge,
    "triage": Triage,
    "assign": Assign,
    "respond": Respond,
    "request-info": RequestInfo,
    "customer-reply": CustomerReply,
    "escalate": Escalate,
    "add-note": AddNote,
    "approve-po": ApprovePo,
    "dispatch-onsite": DispatchOnsite,
    "ship-part": ShipPart,
    "receive-rma": ReceiveRma,
    "restore": Restore,
    "resolve": Resolve,
    "close": Close,
    "reopen": Reopen,
}
