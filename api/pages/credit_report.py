"""`/portal/reports/credits?month=YYYY-MM`: the monthly credits report per client, as
`GET /reports/credits` computes it (escalator/credits/report.py): per organisation and
currency, each credit with its computation, and totals by state and what is owed; and its
CSV file, the same lines as `GET /reports/credits.csv`, downloaded through the session.

Managers, auditors and admins read every client's; a partner its own organisation's and
those of the clients it acts for.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth import visible
from api.deps import EngineDep
from api.pages.credit_filters import month_error, this_month
from api.pages.rendering import PAGE_HEADERS, page
from api.web_session import Viewer, viewer_with_role
from escalator import credits

router = APIRouter(include_in_schema=False)

# Who reads the report (admins too, as everywhere).
READERS = ("partner", "engineer", "manager", "auditor", "admin")
ReportReader = Annotated[
    Viewer,
    Depends(viewer_with_role(*READERS[:-1], action="Reading the credits report")),
]


def _report(engine: Engine, viewer: Viewer, month: str) -> credits.CreditsReport:
    with Session(engine) as session:
        return credits.credits_report(session, month, visible(viewer.identity))


@router.get("/reports/credits")
async def credits_report_page(
    request: Request, viewer: ReportReader, engine: EngineDep, month: str | None = None
) -> Response:
    chosen = (month or "").strip() or this_month(viewer)
    context: dict[str, Any] = {"viewer": viewer, "title": f"Credits {chosen}", "month": chosen}
    if problem := month_error(chosen):
        return page(request, "credits_report.html", 422, errors={"month": problem}, **context)
    report = await run_in_threadpool(_report, engine, viewer, chosen)
    return page(request, "credits_report.html", errors={}, report=report, **context)


@router.get("/reports/credits.csv")
async def credits_report_csv(
    request: Request, viewer: ReportReader, engine: EngineDep, month: str | None = None
) -> Response:
    chosen = (month or "").strip() or this_month(viewer)
    if problem := month_error(chosen):
        context: dict[str, Any] = {"viewer": viewer, "title": "Credits", "month": chosen}
        return page(request, "credits_report.html", 422, errors={"month": problem}, **context)
    report = await run_in_threadpool(_report, engine, viewer, chosen)
    return Response(
        credits.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": f'attachment; filename="credits-{chosen}.csv"',
        },
    )
