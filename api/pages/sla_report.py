"""The monthly SLA report page: the month's attainment table as `GET /reports/sla` computes
it, and charts of attainment per plan, tier and target kind over the months up to it.

One query reads the outcomes of every month the page shows; the month's table and the
charts' series are both computed from those rows (models/audit/report.py, trends.py).
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.deps import EngineDep
from api.pages.rendering import page
from api.pages.sla_charts import Chart, bar_chart
from api.web_session import ReportViewer
from escalator import policy_store
from models.audit.report import SlaReport, attainment, month_bounds
from models.audit.trends import month_of, months_ending, trends
from models.tables.audit import SlaOutcomeRow

router = APIRouter(include_in_schema=False)

DEFAULT_MONTHS, MAX_MONTHS = 6, 24
# As the API's `policy` parameter.
MAX_POLICY_NAME = 64


def _month_count(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_MONTHS
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_MONTHS:
        raise ValueError(f"must be a number of months from 1 to {MAX_MONTHS}")
    return int(raw)


def _rows(
    engine: Engine, start: datetime, end: datetime, policy: str | None
) -> list[SlaOutcomeRow]:
    query = select(SlaOutcomeRow).where(
        col(SlaOutcomeRow.received_at) >= start, col(SlaOutcomeRow.received_at) < end
    )
    if policy is not None:
        query = query.where(SlaOutcomeRow.policy == policy)
    with Session(engine) as session:
        return list(session.exec(query))


def _policy_names(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [summary.name for summary in policy_store.list_policies(session)]


def report_and_charts(
    rows: list[SlaOutcomeRow], month: str, months: list[str], policy: str | None
) -> tuple[SlaReport, list[Chart]]:
    report = attainment([row for row in rows if month_of(row.received_at) == month], month, policy)
    # Plans and tiers belong to a policy: name it when the rows hold more than one.
    several = len({row.policy for row in rows}) > 1

    def owned(row: SlaOutcomeRow, name: str) -> str:
        return f"{row.policy} · {name}" if several else name

    charts = [
        bar_chart(
            "chart-plan",
            "Attainment per plan",
            trends(rows, months, lambda row: owned(row, row.plan)),
            months,
        ),
        bar_chart(
            "chart-tier",
            "Attainment per tier",
            trends(rows, months, lambda row: owned(row, row.tier or "no tier")),
            months,
        ),
        bar_chart(
            "chart-kind",
            "Attainment per target kind",
            trends(rows, months, lambda row: row.kind.replace("_", " ")),
            months,
        ),
    ]
    return report, charts


@router.get("/reports/sla")
async def sla_report_page(
    request: Request,
    viewer: ReportViewer,
    engine: EngineDep,
    month: str | None = None,
    policy: str | None = None,
    months: str | None = None,
) -> Response:
    chosen = month or month_of(datetime.now(UTC))
    context: dict[str, Any] = {
        "viewer": viewer,
        "title": f"SLA attainment {chosen}",
        "month": chosen,
        "policy": policy or "",
        "months": months or str(DEFAULT_MONTHS),
        "policies": await run_in_threadpool(_policy_names, engine),
        "max_months": MAX_MONTHS,
    }
    errors: dict[str, str] = {}
    try:
        month_bounds(chosen)
    except ValueError as error:
        errors["month"] = str(error)
    try:
        count = _month_count(months)
    except ValueError as error:
        errors["months"] = str(error)
    if policy is not None and len(policy) > MAX_POLICY_NAME:
        errors["policy"] = f"a policy name has at most {MAX_POLICY_NAME} characters"
    if errors:
        return page(request, "sla_report.html", 422, errors=errors, **context)
    shown = months_ending(chosen, count)
    start, end = month_bounds(shown[0])[0], month_bounds(chosen)[1]
    rows = await run_in_threadpool(_rows, engine, start, end, policy or None)
    report, charts = report_and_charts(rows, chosen, shown, policy or None)
    return page(request, "sla_report.html", errors={}, report=report, charts=charts, **context)
