"""`/portal/cases`: the case list of every signed-in role, from the read model.

A partner sees its own organisation's cases only; staff see every organisation's and may
filter by one. Every query is served by an index in list order (newest received first):
`ix_cases_org_received` for an organisation, `ix_cases_status_received` for a status,
`ix_cases_received_at` otherwise; the page reads `CaseRow`'s own columns (never the
projected document) and asks no workflow anything, so it stays fast on a large read model.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import and_, or_
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.deps import EngineDep
from api.pages.case_page import visible_to
from api.pages.rendering import page
from api.web_session import ViewerDep
from escalator.cases import Visible
from escalator.infra.text_search import contains
from models.case.cursors import BadCursor, decode_cursor, encode_cursor
from models.case.resource import CaseStatus
from models.tables.core import CaseRow

router = APIRouter(prefix="/portal", include_in_schema=False)

PAGE_SIZE = 50
FINISHED = ("resolved", "closed")
# How far back "recently closed" reaches (by the case's last change).
RECENT = timedelta(days=90)
VIEWS = {"open": "Open", "closed": "Recently closed", "all": "All"}
STATUSES: tuple[str, ...] = get_args(CaseStatus)
MAX_QUERY = 200

# What a line of the list shows: these columns only.
LIST_COLUMNS = (
    CaseRow.id,
    CaseRow.ticket_number,
    CaseRow.subject,
    CaseRow.status,
    CaseRow.severity,
    CaseRow.org,
    CaseRow.next_due_at,
    CaseRow.received_at,
    CaseRow.updated_at,
)


def after_cursor(cursor: str) -> tuple[datetime, str] | None:
    """Where the page starts, or None for a token no page of this list wrote."""
    try:
        return decode_cursor(cursor)
    except BadCursor:
        return None


@dataclass(frozen=True)
class CaseFilter:
    """What the list is asked for, as the page's query string says it."""

    view: str = "open"
    q: str = ""
    status: str = ""
    org: str = ""
    cursor: str = ""

    def errors(self) -> dict[str, str]:
        """Field -> what is wrong with it (empty when the filter can run)."""
        found: dict[str, str] = {}
        if self.view not in VIEWS:
            found["view"] = f"is one of {', '.join(VIEWS)}"
        if self.status and self.status not in STATUSES:
            found["status"] = f"is one of {', '.join(STATUSES)}"
        if len(self.q) > MAX_QUERY:
            found["q"] = f"is at most {MAX_QUERY} characters"
        if len(self.org) > 128:
            found["org"] = "is at most 128 characters"
        if self.cursor and after_cursor(self.cursor) is None:
            found["cursor"] = "is not a link this page gave; start again from the first page"
        return found


def list_query(wanted: CaseFilter, visible: Visible, now: datetime) -> SelectOfScalar[CaseRow]:
    """The cases of `wanted` a viewer limited to `visible` sees (None: every organisation),
    newest received first, one more than a page (to know whether another page follows)."""
    query = select(CaseRow).options(load_only(*LIST_COLUMNS))  # type: ignore[arg-type]
    if visible is not None:
        query = query.where(col(CaseRow.org).in_(sorted(visible)))
    if wanted.org:
        query = query.where(CaseRow.org == wanted.org)
    if wanted.status:
        query = query.where(CaseRow.status == wanted.status)
    if wanted.view == "open":
        query = query.where(col(CaseRow.status).not_in(FINISHED))
    elif wanted.view == "closed":
        query = query.where(col(CaseRow.status).in_(FINISHED))
        query = query.where(col(CaseRow.updated_at) >= now - RECENT)
    if wanted.q:
        query = query.where(contains(wanted.q, CaseRow.ticket_number, CaseRow.subject))
    if wanted.cursor and (after := after_cursor(wanted.cursor)) is not None:
        at, case_id = after
        received = col(CaseRow.received_at)
        query = query.where(or_(received < at, and_(received == at, col(CaseRow.id) < case_id)))
    query = query.order_by(col(CaseRow.received_at).desc(), col(CaseRow.id).desc())
    return query.limit(PAGE_SIZE + 1)


def case_list(
    session: Session, wanted: CaseFilter, visible: Visible, now: datetime
) -> tuple[list[CaseRow], str | None]:
    """A page of cases and the cursor of the next page (None on the last)."""
    rows = list(session.exec(list_query(wanted, visible, now)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, encode_cursor(rows[-1].received_at, rows[-1].id) if more and rows else None


@router.get("/cases")
def cases_page(
    request: Request,
    viewer: ViewerDep,
    engine: EngineDep,
    view: str = "open",
    q: str = "",
    status: str = "",
    org: str = "",
    cursor: str = "",
) -> Response:
    """Partners: their organisation's open or recently closed cases. Staff: every
    organisation's, filtered by `org`. A wrong filter is a 422 page naming it."""
    wanted = CaseFilter(view=view, q=q.strip(), status=status, org=org.strip(), cursor=cursor)
    errors = wanted.errors()
    rows: list[CaseRow] = []
    next_cursor: str | None = None
    now = datetime.now(UTC)
    if not errors:
        with Session(engine) as session:
            rows, next_cursor = case_list(session, wanted, visible_to(viewer), now)
    filters = {"view": wanted.view, "q": wanted.q, "status": wanted.status, "org": wanted.org}
    kept = {name: value for name, value in filters.items() if value}
    return page(
        request,
        "desk_cases.html",
        422 if errors else 200,
        viewer=viewer,
        title="Cases",
        wanted=wanted,
        views=VIEWS,
        statuses=STATUSES,
        staff=visible_to(viewer) is None,
        rows=rows,
        next_url=f"/portal/cases?{urlencode({**kept, 'cursor': next_cursor})}"
        if next_cursor
        else None,
        errors=errors,
        now=now,
    )
