"""Reading an inbound e-mail (RFC 5322) with the stdlib parser: sender, subject, text, files.

Pure: no I/O. `parse_mail` raises `UnreadableMail` naming what is wrong; the
caller keeps such a message and reports it, it never drops it.
"""

import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from models.input_text import refusal, refused_character
from models.intake.mail_replies import automatic_reason

# A ticket number as the policies' prefixes make them: "ZSU-000042".
TICKET_NUMBER = re.compile(r"\b([A-Z][A-Z0-9]{1,7}-\d{1,12})\b")
# "software_version: 17.0.4" on a line of its own gives an intake field.
FIELD_LINE = re.compile(r"^\s*([a-z][a-z0-9_]{0,63})\s*:\s*(\S.*?)\s*$", re.MULTILINE)
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UnreadableMail(ValueError):
    """The message cannot become a case or a reply; the text says why."""


@dataclass(frozen=True)
class MailFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMail:
    message_id: str | None
    sender_name: str
    sender_email: str
    recipients: list[str]
    subject: str
    text: str
    files: list[MailFile] = field(default_factory=list)
    # The `Authentication-Results` header values, top first
    # (escalator/intake/mail_authentication.py).
    authentication_results: list[str] = field(default_factory=list)
    # Why a machine sent it (models/intake/mail_replies.py): it opens no case, is never answered.
    automatic: str | None = None

    @property
    def ticket_number(self) -> str | None:
        """The first ticket number in the subject, if any ("Re: [ZSU-000042] ...")."""
        found = TICKET_NUMBER.search(self.subject)
        return found.group(1) if found else None

    def fields(self, names: set[str]) -> dict[str, str]:
        """Intake fields written as `name: value` lines, for the names the policy knows."""
        return {name: value for name, value in FIELD_LINE.findall(self.text) if name in names}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_text(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(reader.parts)).strip()


def header_addresses(message: EmailMessage, *names: str) -> list[str]:
    values = [str(value) for name in names for value in message.get_all(name, [])]
    return [address for _name, address in getaddresses(values) if _ADDRESS.match(address)]


def _sender(message: EmailMessage) -> tuple[str, str]:
    header = message.get("From")
    if header is None:
        raise UnreadableMail("the message has no From header")
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if len(addresses) != 1 or not _ADDRESS.match(addresses[0].addr_spec or ""):
        raise UnreadableMail(f"From is not one e-mail address: {str(header)[:200]!r}")
    address = addresses[0]
    return (address.display_name or address.username or address.addr_spec, address.addr_spec)


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    if not isinstance(content, str):
        return ""
    return _html_text(content) if body.get_content_type() == "text/html" else content.strip()


def _files(message: EmailMessage) -> list[MailFile]:
    files = []
    for number, part in enumerate(message.iter_attachments(), start=1):
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        name = part.get_filename() or f"attachment-{number}"
        files.append(MailFile(name[:255], part.get_content_type()[:255], content))
    return files


def _refuse_control_characters(headers: dict[str, str], text: str) -> None:
    """A header part with a control character, or a text with one other than a line break,
    cannot be stored (NUL) or sent on: the message is kept as unreadable, never a case
    whose activities fail on every retry."""
    for part, value in headers.items():
        if (char := refused_character(value, frozenset())) is not None:
            raise UnreadableMail(f"{part} {refusal(char)}")
    if (char := refused_character(text)) is not None:
        raise UnreadableMail(f"the text {refusal(char)}")


def parse_mail(raw: bytes, envelope_recipients: list[str] | None = None) -> InboundMail:
    """The message's parts the intake needs; `UnreadableMail` when it cannot serve as one.

    SMTP's envelope recipients (RCPT TO) win over the To and Cc headers, which a
    forwarded or Bcc'd message may not carry.
    """
    if not raw.strip():
        raise UnreadableMail("the message is empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        if not message.keys():
            raise UnreadableMail("the message has no headers")
        sender_name, sender_email = _sender(message)
        recipients = envelope_recipients or header_addresses(message, "To", "Cc")
        subject = " ".join(str(message.get("Subject", "")).split())
        text = _text(message)
        files = _files(message)
        message_id = str(message.get("Message-ID", "")).strip() or None
        authentication = [str(v) for v in message.get_all("Authentication-Results", [])]
        automatic = automatic_reason(message, subject)
    except UnreadableMail:
        raise
    except (LookupError, ValueError, TypeError, AttributeError, IndexError) as error:
        # Unknown charsets, broken encodings and malformed headers the parser chokes on.
        raise UnreadableMail(f"the message cannot be read: {error}") from error
    if not recipients:
        raise UnreadableMail("the message names no recipient")
    _refuse_control_characters(
        {
            "From": f"{sender_name} {sender_email}",
            "Subject": subject,
            "Message-ID": message_id or "",
            "the recipients": " ".join(recipients),
            "an attachment's name": " ".join(f.filename + f.content_type for f in files),
        },
        text,
    )
    return InboundMail(
        message_id=message_id[:998] if message_id else None,
        sender_name=sender_name[:200],
        sender_email=sender_email.lower(),
        recipients=[address.lower() for address in recipients],
        subject=subject[:500],
        text=text,
        files=files,
        authentication_results=authentication,
        automatic=automatic,
    )
