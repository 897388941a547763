"""Outbound e-mail: rendered from the policy's templates, recorded, then sent over SMTP."""

import asyncio
import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity

from escalator.settings import Settings
from models.activity_inputs import EmailRequest
from models.tables import OutboundMessageRow

# Templates come from policy files: render them sandboxed, and fail loudly on a missing name.
_templates = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def render(request: EmailRequest) -> tuple[str, str]:
    subject = _templates.from_string(request.subject_template).render(request.context)
    body = _templates.from_string(request.body_template).render(request.context)
    return " ".join(subject.split()), body


def message_id(idempotency_key: str, sender: str) -> str:
    """A Message-ID derived from the key alone: the same for every attempt to send it."""
    domain = sender.rpartition("@")[2] or "escalator.localhost"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class MailActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    @activity.defn(name="send_email")
    async def send_email(self, request: EmailRequest) -> str:
        """Send once per idempotency key; returns "sent" or "kept" (no SMTP server configured).

        The message is recorded before it is sent and marked sent after. Should the worker die
        between the SMTP server's acceptance and that mark, the retry sends it again with the
        same Message-ID, by which mail systems drop the duplicate.
        """
        subject, body = render(request)
        status = await asyncio.to_thread(self._record, request, subject, body)
        if status == "sent":
            return "sent"
        if not self.settings.smtp_host:
            await asyncio.to_thread(self._mark, request.idempotency_key, "kept")
            return "kept"
        await aiosmtplib.send(
            self._message(request, subject, body),
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            timeout=30,
        )
        await asyncio.to_thread(self._mark, request.idempotency_key, "sent")
        return "sent"

    def _record(self, request: EmailRequest, subject: str, body: str) -> str:
        """The message's row (created on the first attempt); returns its status."""
        with Session(self.engine) as session:
            row = session.get(OutboundMessageRow, request.idempotency_key)
            if row is None:
                row = OutboundMessageRow(
                    idempotency_key=request.idempotency_key,
                    case_id=request.case_id,
                    kind=request.kind,
                    to_address=request.to,
                    subject=subject,
                    body=body,
                    created_at=datetime.now(UTC),
                    status="pending",
                )
                session.add(row)
                session.commit()
            return row.status

    def _mark(self, key: str, status: str) -> None:
        with Session(self.engine) as session:
            row = session.get(OutboundMessageRow, key)
            assert row is not None, "recorded before sending"
            row.status = status
            if status == "sent":
                row.sent_at = datetime.now(UTC)
            session.add(row)
            session.commit()

    def _message(self, request: EmailRequest, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = request.to
        message["Subject"] = subject
        # The same Message-ID on every attempt lets receivers drop a duplicate.
        message["Message-ID"] = message_id(request.idempotency_key, self.settings.smtp_from)
        message["X-Escalator-Case"] = request.case_id
        message.set_content(body)
        return message
