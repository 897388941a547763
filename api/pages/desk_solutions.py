"""`/portal/solutions`: how earlier cases were resolved, and the policies' helpful links.

A partner searches its own organisation's resolved and closed cases (staff every
organisation's) by the words of their resolution or subject, newest first; the page also
lists the acknowledgement links of the policies the organisation's cases use. From the
read model's columns only, like the case list.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from api.deps import EngineDep
from api.pages.case_page import visible_to
from api.pages.desk_lists import FINISHED, MAX_QUERY
from api.pages.rendering import page
from api.web_session import ViewerDep
from escalator import policy_store
from escalator.cases import Visible
from escalator.infra.text_search import contains
from models.policy.intake import Link
from models.tables.core import CaseRow

router = APIRouter(prefix="/portal", include_in_schema=False)

LIMIT = 50
SOLUTION_COLUMNS = (
    CaseRow.id,
    CaseRow.ticket_number,
    CaseRow.subject,
    CaseRow.org,
    CaseRow.status,
    CaseRow.resolution,
    CaseRow.received_at,
    CaseRow.updated_at,
)


@dataclass(frozen=True)
class PolicyLinks:
    policy: str
    links: list[Link]


def solutions(session: Session, q: str, visible: Visible) -> list[CaseRow]:
    """Resolved and closed cases with a resolution, of `org` (None: all), whose resolution
    or subject holds `q` (its LIKE wildcards literal), newest received first."""
    query = (
        select(CaseRow)
        .options(load_only(*SOLUTION_COLUMNS))  # type: ignore[arg-type]
        .where(col(CaseRow.status).in_(FINISHED))
        .where(col(CaseRow.resolution).is_not(None))
    )
    if visible is not None:
        query = query.where(col(CaseRow.org).in_(sorted(visible)))
    if q:
        query = query.where(contains(q, CaseRow.resolution, CaseRow.subject))
    query = query.order_by(col(CaseRow.received_at).desc(), col(CaseRow.id).desc())
    return list(session.exec(query.limit(LIMIT)))


def helpful_links(session: Session, visible: Visible) -> list[PolicyLinks]:
    """The acknowledgement links of each policy (its latest version) that the cases of the
    `visible` organisations use; with None, of every policy."""
    found: list[PolicyLinks] = []
    for policy in policy_store.latest_policies(session):
        ack = policy.intake.acknowledgement
        if ack is None or not ack.links:
            continue
        if visible is not None:
            used = select(CaseRow.id).where(
                col(CaseRow.org).in_(sorted(visible)), CaseRow.policy == policy.name
            )
            if session.exec(used.limit(1)).first() is None:
                continue
        found.append(PolicyLinks(policy.name, list(ack.links)))
    return found


@router.get("/solutions")
def solutions_page(request: Request, viewer: ViewerDep, engine: EngineDep, q: str = "") -> Response:
    """Search of resolutions; an empty `q` shows the most recent."""
    q = q.strip()
    errors = {"q": f"is at most {MAX_QUERY} characters"} if len(q) > MAX_QUERY else {}
    rows: list[CaseRow] = []
    with Session(engine) as session:
        if not errors:
            rows = solutions(session, q, visible_to(viewer))
        links = helpful_links(session, visible_to(viewer))
    return page(
        request,
        "desk_solutions.html",
        422 if errors else 200,
        viewer=viewer,
        title="Solutions",
        q=q,
        rows=rows,
        links=links,
        errors=errors,
        staff=visible_to(viewer) is None,
        now=datetime.now(UTC),
    )
