"""Outbound e-mail: rendered from the policy's templates, recorded, then sent over SMTP."""

import asyncio
import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

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


def _permanent(reason: str) -> ApplicationError:
    """A failure no retry can cure: Temporal stops retrying and the case records it."""
    return ApplicationError(reason, type="MailRefused", non_retryable=True)


def permanent_refusal(
    error: aiosmtplib.SMTPRecipientsRefused | aiosmtplib.SMTPResponseException,
) -> str | None:
    """The relay's 5xx answer ("550 5.1.1 no such user"), or None for a 4xx (transient)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [(r.code, f"{r.recipient}: {r.code} {r.message}") for r in error.recipients]
    else:
        codes = [(error.code, f"{error.code} {error.message}")]
    if not codes or any(code < 500 for code, _said in codes):
        return None
    return "the mail relay refused it: " + "; ".join(said for _code, said in codes)


class MailActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    @activity.defn(name="send_email")
    async def send_email(self, request: EmailRequest) -> str:
        """Send once per idempotency key; returns "sent", or "kept" (no SMTP server configured).

        A relay's 5xx, or a message that cannot be rendered or built, fails non-retryable
        (marked "failed"); a 4xx or an unreachable relay raises, and Temporal retries.

        The message is recorded before it is sent and marked sent after. Should the worker die
        between the SMTP server's acceptance and that mark, the retry sends it again with the
        same Message-ID, by which mail systems drop the duplicate.
        """
        try:
            subject, body = render(request)
        except TemplateError as error:
            raise _permanent(f"the message does not render: {error}") from error
        status = await asyncio.to_thread(self._record, request, subject, body)
        if status == "sent":
            return "sent"
        if status == "failed":
            raise _permanent("the mail relay refused this message earlier")
        if not self.settings.smtp_host:
            await asyncio.to_thread(self._mark, request.idempotency_key, "kept")
            return "kept"
        try:
            message = self._message(request, subject, body)
        except (ValueError, TypeError) as error:
            await asyncio.to_thread(self._mark, request.idempotency_key, "failed")
            raise _permanent(f"the message cannot be built: {error}") from error
        try:
            await aiosmtplib.send(
                message,
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port,
                timeout=30,
            )
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as error:
            refusal = permanent_refusal(error)
            if refusal is None:
                raise  # 4xx: the relay says try again later
            await asyncio.to_thread(self._mark, request.idempotency_key, "failed")
            raise _permanent(refusal) from error
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
