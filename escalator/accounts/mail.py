"""Invitation and reset e-mails, sent through the same relay as the cases' mail.

A relay's 5xx (or a message that cannot be built) fails at once; a 4xx or an unreachable
relay is retried with backoff, then reported. With no relay configured the link is not
sent, and the caller shows it to whoever asked (the CLI prints it).
"""

import asyncio
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

import aiosmtplib

from activities.mail import permanent_refusal
from escalator.infra.settings import Settings
from models.tables.accounts import AccountRow

RETRY_DELAYS = (0.5, 1.0, 2.0)

_SUBJECTS = {
    "invite": "You are invited to Escalator",
    "reset": "Choose a new Escalator password",
}
_BODIES = {
    "invite": (
        "Hello {name},\n\nAn account ({role}{org}) has been made for you on Escalator.\n"
        "Choose your password here within 7 days:\n\n{url}\n\nThe link works once.\n"
    ),
    "reset": (
        "Hello {name},\n\nSomeone (you, we hope) asked to reset your Escalator password.\n"
        "Choose a new one here within the hour:\n\n{url}\n\n"
        "The link works once. If you did not ask, ignore this message.\n"
    ),
}


class LinkMailFailed(Exception):
    """The link could not be sent: the relay refused it, or stayed unreachable."""


def link_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/account/link/{token}"


def link_message(settings: Settings, account: AccountRow, purpose: str, token: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = account.email
    message["Subject"] = _SUBJECTS[purpose]
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    org = f" of {account.org}" if account.org else ""
    url = link_url(settings, token)
    message.set_content(
        _BODIES[purpose].format(name=account.name, role=account.role, org=org, url=url)
    )
    return message


async def send_link(
    settings: Settings, account: AccountRow, purpose: str, token: str
) -> Literal["sent", "kept"]:
    """E-mail the link to the account's address; "kept" when no relay is configured."""
    if not settings.smtp_host:
        return "kept"
    try:
        message = link_message(settings, account, purpose, token)
    except (ValueError, TypeError) as error:
        raise LinkMailFailed(f"the message cannot be built: {error}") from error
    for attempt, delay in enumerate((*RETRY_DELAYS, None)):
        try:
            await aiosmtplib.send(
                message, hostname=settings.smtp_host, port=settings.smtp_port, timeout=30
            )
            return "sent"
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as error:
            refusal = permanent_refusal(error)
            if refusal is not None:
                raise LinkMailFailed(refusal) from error
            failure: Exception = error
        except (aiosmtplib.SMTPException, OSError) as error:
            failure = error
        if delay is None:
            raise LinkMailFailed(
                f"the mail relay could not be reached after {attempt + 1} attempts: {failure}"
            ) from failure
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")
