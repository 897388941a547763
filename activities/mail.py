"""Outbound e-mail: rendered from the policy's templates, recorded, then sent over SMTP."""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

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


class MailActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    @activity.defn(name="send_email")
    async def send_email(self, request: EmailRequest) -> str:
        """Send once per idempotency key; returns "sent" or "kept" (no SMTP server configured)."""
        subject, body = render(request)
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
                session.refresh(row)
            if row.status == "sent":
                return "sent"
            if not self.settings.smtp_host:
                row.status = "kept"
                session.add(row)
                session.commit()
                return "kept"
            await aiosmtplib.send(
                self._message(request, subject, body),
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port,
                timeout=30,
            )
            row.status = "sent"
            row.sent_at = datetime.now(UTC)
            session.add(row)
            session.commit()
            return "sent"

    def _message(self, request: EmailRequest, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = request.to
        message["Subject"] = subject
        # A stable Message-ID lets receivers drop a duplicate if SMTP accepted but we crashed.
        domain = self.settings.smtp_from.rpartition("@")[2] or "escalator.localhost"
        message["Message-ID"] = make_msgid(
            idstring=request.idempotency_key.replace(":", "."), domain=domain
        )
        message["X-Escalator-Case"] = request.case_id
        message.set_content(body)
        return message
