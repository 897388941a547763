"""`/intake`: cases from e-mail (a raw RFC 5322 message) and from Alertmanager alerts (their
receipts: api/routers/alert_receipts.py).

The SMTP listener (escalator/smtp_listener.py) feeds the same e-mail intake. A
message that cannot become a case or a reply is kept and listed by
`GET /intake/messages`, never dropped.
"""

import asyncio
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sqlmodel import Session, col, select

from api.attachments import with_attachments
from api.auth import IdentityDep, OpensCases, actor_of, current_identity, visible
from api.deps import AlertReceiptsDep, ClientDep, EngineDep, SessionDep, SettingsDep
from api.problems import Problem
from escalator.intake.alert_receipts import AlertReceipt, read_receipt
from escalator.intake.alerts import AlertResults
from escalator.intake.mail import MailIntake
from models.case.resource import Case
from models.input_text import SingleLine
from models.intake.alerts import AlertmanagerWebhook
from models.tables.intake import InboundMessageRow

router = APIRouter(
    prefix="/intake",
    tags=["intake"],
    dependencies=[Depends(current_identity)],
    responses={
        401: {"description": "No API key, or an unknown or revoked one"},
        403: {"description": "The key's role, or a partner's organisation, may not do this"},
    },
)

MAIL_TYPES = ("message/rfc822", "text/plain", "application/octet-stream")


class InboundMessage(BaseModel):
    """A received e-mail and what became of it."""

    id: int
    received_at: datetime
    via: str
    message_id: str | None
    sender: str | None
    recipients: str | None
    subject: str | None
    status: str
    reason: str | None
    case_id: str | None


class InboundMessageList(BaseModel):
    items: list[InboundMessage]


@router.post(
    "/email",
    status_code=201,
    response_model=Case,
    operation_id="receive_email",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses={
        200: {
            "model": Case,
            "description": "A reply (the subject's ticket number) on its case, or a redelivery",
        },
        202: {
            "description": "Kept without action (unreadable, unknown sender or recipient, "
            "a case that takes no reply): the reason is listed by GET /intake/messages",
            "model": InboundMessage,
        },
        404: {"description": "A partner's message naming another organisation's ticket"},
        413: {"description": "The message exceeds ESCALATOR_EMAIL_MAX_BYTES"},
        415: {"description": "The body is not `message/rfc822`"},
    },
)
async def email(
    request: Request,
    response: Response,
    identity: OpensCases,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
) -> Case | Response:
    """A raw e-mail: a new case (201), a reply on the case of its ticket number (200)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in MAIL_TYPES:
        raise Problem(
            415,
            f"content-type: send the raw message as message/rfc822, not {kind or 'nothing'}",
            [{"loc": ["header", "content-type"], "msg": "must be message/rfc822"}],
        )
    raw = await request.body()
    if len(raw) > settings.email_max_bytes:
        raise Problem(413, f"body: the message exceeds {settings.email_max_bytes} bytes")
    result = await MailIntake(engine, client, settings).receive(
        raw, "http", visible=visible(identity)
    )
    if result.case is None:
        with Session(engine) as session:
            row = session.get(InboundMessageRow, result.message_id)
        assert row is not None
        kept = InboundMessage.model_validate(row, from_attributes=True)
        return Response(kept.model_dump_json(), status_code=202, media_type="application/json")
    if not (result.outcome == "opened" and result.created):
        response.status_code = 200
    return await with_attachments(engine, result.case)


@router.get("/messages", response_model=InboundMessageList, operation_id="list_inbound_messages")
def messages(
    identity: IdentityDep,
    session: SessionDep,
    status: Literal["received", "opened", "replied", "noted", "kept"] | None = Query(
        None, description="kept: the messages nothing could be done with, and why"
    ),
    limit: int = Query(50, ge=1, le=200),
) -> InboundMessageList:
    """Received e-mail, newest first, for staff: the mailbox holds every organisation's mail,
    so a partner's key is refused."""
    query = select(InboundMessageRow)
    if visible(identity) is not None:
        raise Problem(
            403,
            "the inbound mailbox holds every organisation's mail: it is for staff, not partners",
        )
    if status is not None:
        query = query.where(InboundMessageRow.status == status)
    rows = session.exec(query.order_by(col(InboundMessageRow.id).desc()).limit(limit)).all()
    return InboundMessageList(
        items=[InboundMessage.model_validate(row, from_attributes=True) for row in rows]
    )


@router.post(
    "/alerts",
    response_model=AlertResults,
    operation_id="receive_alerts",
    responses={
        202: {
            "model": AlertReceipt,
            "description": "Accepted, every alert recorded, not all worked within the bound "
            "(ESCALATOR_WORKFLOW_WAIT_SECONDS): the receipt, each alert's state so far; "
            "read it again at `Location` as the alerts progress",
            "headers": {
                "Location": {
                    "description": "The receipt: /intake/alerts/receipts/{receipt_id}",
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
        },
        422: {"description": "A malformed payload, or an unknown policy or organisation"},
    },
)
async def alerts(
    hook: AlertmanagerWebhook,
    identity: OpensCases,
    engine: EngineDep,
    receipts: AlertReceiptsDep,
    policy: SingleLine = Query(
        ..., min_length=1, max_length=64, description="the policy whose cases alerts open"
    ),
    org: SingleLine | None = Query(
        None, min_length=1, max_length=128, description="the organisation, unless labelled `org`"
    ),
) -> AlertResults | Response:
    """An Alertmanager webhook: each alert opens a case, or adds to the case of its firing.
    The whole webhook is checked first (a 4xx accepts nothing), then recorded and worked:
    200 with every alert's outcome when all are done within the bound, else 202 with the
    receipt (docs/api.md)."""
    received = await receipts.receive(hook, policy, org, visible(identity), actor_of(identity))
    if received.results is not None:
        return received.results
    receipt = await asyncio.to_thread(read_receipt, engine, received.receipt_id, None)
    assert receipt is not None
    return Response(
        receipt.model_dump_json(),
        status_code=202,
        media_type="application/json",
        headers={"Location": f"/intake/alerts/receipts/{received.receipt_id}"},
    )
