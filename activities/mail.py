"""Outbound e-mail: rendered from the policy's templates, recorded, then sent over SMTP."""

import asyncio
import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib
from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from escalator.infra.settings import Settings
from models.case.activity_inputs import EmailRequest
from models.tables.core import OutboundMessageRow
from models.tables.intake import InboundMessageRow

# Templates come from policy files: render them sandboxed, and fail loudly on a missing name.
_templates = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@functools.lru_cache(maxsize=512)
def _template(source: str) -> Template:
    """Compiled once per worker: a policy has a handful of templates, sent again and again."""
    return _templates.from_string(source)


def render(request: EmailRequest) -> tuple[str, str]:
    subject = _template(request.subject_template).render(request.context)
    body = _template(request.body_template).render(request.context)
    return " ".join(subject.split()), body


def _domain(sender: str) -> str:
    """The domain of the From address, also when it carries a name ("Support <s@x.example>")."""
    return parseaddr(sender)[1].rpartition("@")[2] or "escalator.localhost"


def message_id(idempotency_key: str, sender: str) -> str:
    """A Message-ID derived from the key alone: the same for every attempt to send it."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{_domain(sender)}>"


# A msg-id as RFC 5322 3.6.4 has it (dot-atom-ish left and right; no spaces or brackets).
_MSG_ID = re.compile(r"\s*<?([^<>\s@]+@[^<>\s@]+)>?\s*")
_CASE_ID_CHARS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def thread_root(case_id: str, sender: str, original: str | None) -> str:
    """The Message-ID every mail of a case answers (In-Reply-To, References), so a mail client
    threads them: the customer's own message when the case was opened by e-mail, else one
    derived from the case id (the same for every mail of the case)."""
    if original and (found := _MSG_ID.fullmatch(original)):
        return f"<{found[1]}>"
    local = (
        case_id
        if _CASE_ID_CHARS.fullmatch(case_id)
        else "case-" + hashlib.sha256(case_id.encode()).hexdigest()[:32]
    )
    return f"<{local}@{_domain(sender)}>"


@dataclass(frozen=True)
class _Recorded:
    """An outbound message's row as the activity found or created it."""

    status: str
    # When it was first recorded: its Date, the same on every attempt to send it.
    created_at: datetime
    # The Message-ID of the e-mail that opened the case, if one did.
    opened_by: str | None


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
        recorded = await asyncio.to_thread(self._record, request, subject, body)
        status = recorded.status
        if status == "sent":
            return "sent"
        if status == "failed":
            raise _permanent("the mail relay refused this message earlier")
        if not self.settings.smtp_host:
            await asyncio.to_thread(self._mark, request.idempotency_key, "kept")
            return "kept"
        try:
            message = self._message(request, subject, body, recorded)
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
        # One line per e-mail sent; activity.logger adds the case's workflow id.
        activity.logger.info("e-mail sent: %s", request.idempotency_key)
        return "sent"

    def _record(self, request: EmailRequest, subject: str, body: str) -> _Recorded:
        """The message's row (created on the first attempt), and what opened its case."""
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
            opened_by = session.exec(
                select(InboundMessageRow.message_id)
                .where(InboundMessageRow.case_id == request.case_id)
                .where(InboundMessageRow.status == "opened")
                .where(col(InboundMessageRow.message_id).is_not(None))
                .order_by(col(InboundMessageRow.id))
            ).first()
            return _Recorded(row.status, row.created_at, opened_by)

    def _mark(self, key: str, status: str) -> None:
        with Session(self.engine) as session:
            row = session.get(OutboundMessageRow, key)
            assert row is not None, "recorded before sending"
            row.status = status
            if status == "sent":
                row.sent_at = datetime.now(UTC)
            session.add(row)
            session.commit()

    def _message(
        self, request: EmailRequest, subject: str, body: str, recorded: _Recorded
    ) -> EmailMessage:
        sender = self.settings.smtp_from
        message = EmailMessage()
        message["From"] = sender
        message["To"] = request.to
        message["Subject"] = subject
        # RFC 5322 requires a Date; the first attempt's, so every attempt is the same message.
        created = recorded.created_at
        # Stored without an offset (DateTime()), as UTC.
        message["Date"] = format_datetime(
            created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)
        )
        # The same Message-ID on every attempt lets receivers drop a duplicate.
        message["Message-ID"] = message_id(request.idempotency_key, sender)
        root = thread_root(request.case_id, sender, recorded.opened_by)
        message["In-Reply-To"] = root
        message["References"] = root
        # RFC 3834: sent by a program, so auto-responders and ticket systems do not answer it.
        message["Auto-Submitted"] = "auto-generated"
        message["X-Escalator-Case"] = request.case_id
        message.set_content(body)
        return message
