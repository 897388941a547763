"""The attachments a case lists and serves: files stored with it by e-mail intake
(escalator/intake/mail.py).

The workflow's `Case` carries no file contents; the API adds the list of a
case's attachments from the attachment store to every `Case` it answers with.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import quote

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from models.case.resource import Attachment, Case
from models.tables.intake import AttachmentRow, InboundMessageRow


def attachments_of(engine: Engine, case_id: str) -> list[Attachment]:
    with Session(engine) as session:
        rows = session.exec(
            select(AttachmentRow)
            .where(AttachmentRow.case_id == case_id)
            .order_by(col(AttachmentRow.id))
        ).all()
    return [
        Attachment(
            id=row.id or 0,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            stored=row.stored,
            received_at=row.received_at,
        )
        for row in rows
    ]


async def with_attachments(engine: Engine, case: Case) -> Case:
    """`case` listing its attachments (read in a thread: the event loop never waits on SQL)."""
    attachments = await run_in_threadpool(attachments_of, engine, case.id)
    return case.model_copy(update={"attachments": attachments})


@dataclass(frozen=True)
class AttachmentFile:
    """One attachment's bytes, with what the answer says of them."""

    filename: str
    content_type: str
    content: bytes


def attachment_file(engine: Engine, case_id: str, attachment_id: int) -> AttachmentFile | None:
    """Attachment `attachment_id` of `case_id` (None when the case has no such attachment);
    one over the size limit is read from the raw message it came in, by its SHA-256."""
    with Session(engine) as session:
        row = session.get(AttachmentRow, attachment_id)
        if row is None or row.case_id != case_id:
            return None
        content = row.content
        if content is None and row.inbound_message_id is not None:
            raw = session.get(InboundMessageRow, row.inbound_message_id)
            content = _from_raw(raw.raw, row.sha256) if raw is not None else None
    if content is None:
        return None
    return AttachmentFile(row.filename, row.content_type, content)


def _from_raw(raw: bytes, sha256: str) -> bytes | None:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and hashlib.sha256(payload).hexdigest() == sha256:
            return payload
    return None


# type/subtype as RFC 9110 tokens: anything else stored is not sent as a Content-Type.
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")


def media_type(stored: str) -> str:
    return stored.lower() if _MEDIA_TYPE.fullmatch(stored) else "application/octet-stream"


def download_name(stored: str, attachment_id: int) -> str:
    """The name to suggest for saving: the stored name's last path segment, without control
    characters; the name is never a path (`../../x` suggests `x`)."""
    name = re.split(r"[/\\]", stored)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name if name.strip(".") else f"attachment-{attachment_id}"


def content_disposition(filename: str) -> str:
    """`attachment` with the name for every client (RFC 6266): an ASCII `filename` fallback and
    the exact name as UTF-8 in `filename*` (RFC 8187)."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\%' else "_" for c in filename)
    exact = quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
