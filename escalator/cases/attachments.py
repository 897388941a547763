"""Files people attach to a case in the portal: checked at the edge, stored with the case.

E-mail intake stores a message's files itself (escalator/intake/mail.py); a file from the
portal has no raw message to fall back on, so one over the size limit is refused rather
than listed without its bytes. Storing is idempotent by content: the same file (name and
SHA-256) already stored with the case is not stored again, so a form sent twice, or a
retry after the case's step, keeps one copy.
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from escalator.cases.errors import InvalidField
from models.input_text import refusal, refused_character
from models.tables.intake import AttachmentRow

# The columns' bounds (models/tables/intake.py).
MAX_NAME = 255
# type/subtype as RFC 9110 tokens; anything else is kept as an opaque octet stream.
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]{1,127}/[A-Za-z0-9!#$&^_.+-]{1,127}")


@dataclass(frozen=True)
class NewFile:
    """A file as a person sent it: the name their browser gave, its type, its bytes."""

    filename: str
    content_type: str
    content: bytes


def media_type_of(sent: str | None) -> str:
    """The media type to store: what was sent when it is one, else application/octet-stream."""
    value = (sent or "").split(";", 1)[0].strip()
    return value.lower() if _MEDIA_TYPE.fullmatch(value) else "application/octet-stream"


def refuse_size(filename: str, size: int, limit: int, field: str) -> None:
    """`InvalidField` naming `field` when a file of `size` bytes is over `limit`."""
    if size > limit:
        shown = filename or "the file"
        raise InvalidField(
            f"{shown} is larger than {limit} bytes, the largest file accepted",
            loc=["body", field],
        )


def refuse_file(file: NewFile, limit: int, field: str) -> None:
    """`InvalidField` naming `field` for a file that cannot be stored: over `limit` bytes,
    empty, or with a name a column cannot hold."""
    name = file.filename
    where = ["body", field]
    if not name.strip():
        raise InvalidField("a file needs a name", loc=where)
    if len(name) > MAX_NAME:
        raise InvalidField(f"the file name is longer than {MAX_NAME} characters", loc=where)
    if (char := refused_character(name, frozenset())) is not None:
        raise InvalidField(f"the file name {refusal(char)}", loc=where)
    if not file.content:
        raise InvalidField(f"{name} is empty", loc=where)
    refuse_size(name, len(file.content), limit, field)


def store_files(
    engine: Engine, case_id: str, files: Sequence[NewFile], *, limit: int, field: str = "files"
) -> list[int]:
    """Store `files` with the case (all or none: each is checked first); their ids, in order.
    A file already stored with the case under the same name and content keeps its row."""
    for file in files:
        refuse_file(file, limit, field)
    ids: list[int] = []
    now = datetime.now(UTC)
    with Session(engine) as session:
        for file in files:
            digest = hashlib.sha256(file.content).hexdigest()
            found = session.exec(
                select(AttachmentRow.id)
                .where(AttachmentRow.case_id == case_id)
                .where(AttachmentRow.sha256 == digest)
                .where(AttachmentRow.filename == file.filename)
                .where(col(AttachmentRow.inbound_message_id).is_(None))
            ).first()
            if found is not None:
                ids.append(found)
                continue
            row = AttachmentRow(
                case_id=case_id,
                filename=file.filename,
                content_type=media_type_of(file.content_type),
                size=len(file.content),
                sha256=digest,
                stored=True,
                content=file.content,
                received_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            ids.append(row.id)
        session.commit()
    return ids
