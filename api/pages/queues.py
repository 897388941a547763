"""The engineer's queues: unassigned cases, their own, breaching soonest, waiting on the
customer, and the cases at the tiers of their teams (api/pages/queue_reads.py reads them)."""

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.deps import EngineDep
from api.pages.queue_reads import (
    PAGE_SIZE,
    QUEUES,
    Cursor,
    QueueName,
    QueuePage,
    Worker,
    counts,
    decode,
    read_page,
    worker_of,
)
from api.pages.rendering import message_page, not_found_page, page
from api.web_session import WorkerViewer
from models.case.cursors import BadCursor
from models.tables.accounts import AccountRow

router = APIRouter()


def _read(
    engine: Engine, account: AccountRow, queue: QueueName, after: Cursor | None
) -> tuple[Worker, QueuePage, dict[QueueName, int]]:
    with Session(engine) as session:
        worker = worker_of(session, account)
        return worker, read_page(session, queue, worker, after), counts(session, worker)


@router.get("/queues/{queue}")
async def queue_page(
    request: Request,
    queue: str,
    viewer: WorkerViewer,
    engine: EngineDep,
    after: str | None = None,
) -> Response:
    """One queue, 50 cases a page; `after` is the cursor of the page before."""
    if queue not in QUEUES:
        return not_found_page(request, viewer)
    name: QueueName = queue  # checked against QUEUES above
    try:
        cursor = decode(after) if after else None
    except BadCursor as error:
        return message_page(
            request, 422, "Not a page of this queue", f"after: {error}", viewer=viewer
        )
    worker, found, sizes = await asyncio.to_thread(_read, engine, viewer.account, name, cursor)
    return page(
        request,
        "queue.html",
        viewer=viewer,
        title=QUEUES[name],
        queue=name,
        queues=QUEUES,
        counts={q: f"{PAGE_SIZE}+" if n > PAGE_SIZE else str(n) for q, n in sizes.items()},
        items=found.items,
        next_after=found.next_cursor.encode() if found.next_cursor else None,
        paged=cursor is not None,
        worker=worker,
        now=datetime.now(UTC),
    )
