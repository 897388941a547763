"""The attachments a case lists: files stored with it by e-mail intake (escalator/mail_intake.py).

The workflow's `Case` carries no file contents; the API adds the list of a
case's attachments from the attachment store to every `Case` it answers with.
"""

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from models.case import Attachment, Case
from models.intake_tables import AttachmentRow


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
