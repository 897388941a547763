"""`GET /reports/sla` on four zsupport cases run for real, against figures worked out by hand.

All four arrive on a Monday 09:00 in Denver (plan `managed`, 08:00-17:00): critical cases
have a 2h response and a 4h restoration target, standard ones a 2h response.
- A (critical): responds 09:30, restores 10:00 -> response met, restoration met.
- B (critical): restores 10:00, never responds -> response breached at 11:00; restoration met.
- C (critical): nothing -> response breached 11:00; rule critical-restoration escalates it to
  engineering at 12:30 (75% of 4h, then 30 minutes); restoration breached at 13:00.
- D (standard): responds 09:30 -> met.
The report is read at 14:00.
"""

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, time, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_api_key
from escalator.infra.settings import Settings
from models.case.resource import Case
from models.case.steps import Respond, Restore
from models.tables.client_registry import AuthorisedContactRow
from tests.workflow.cases import example_policy, open_case
from tests.workflow.clock import advance_to, next_quiet
from worker import build_worker

FIELDS = {
    "company_name": "Acme",
    "serial_numbers": "B-1",
    "software_version": "17.0.4",
    "problem_description": "Calls drop",
    "internal_ticket_number": "ACME-7",
}


@pytest.fixture
async def stack(
    own_env: WorkflowEnvironment, engine: Engine, read_model_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    settings = Settings(
        database_url=read_model_url, task_queue=f"r-{uuid.uuid4().hex[:8]}", smtp_host=""
    )
    app = create_app(settings, engine=engine, client=own_env.client)
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(own_env.client, engine, settings, executor):
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                    yield client, settings


def _token(engine: Engine, role: str, org: str | None = None) -> dict[str, str]:
    with Session(engine) as session:
        _row, secret = issue_api_key(session, role, f"{role}-key", org)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {secret}"}


async def test_monthly_report_matches_hand_computed_figures(
    own_env: WorkflowEnvironment,
    stack: tuple[httpx.AsyncClient, Settings],
    engine: Engine,
    session: Session,
) -> None:
    api, settings = stack
    policy = example_policy(session, "zsupport")
    calendar = policy.calendar("business")
    start = next_quiet(calendar, await own_env.get_current_time(), 0, time(9, 0), 7)
    session.add(AuthorisedContactRow(org="acme", email="ada@acme.test", name="Ada"))
    session.commit()
    await advance_to(own_env, start)
    handles = {}
    for name, severity in (
        ("A", "critical"),
        ("B", "critical"),
        ("C", "critical"),
        ("D", "standard"),
    ):
        handles[name], _ = await open_case(
            own_env.client,
            session,
            settings.task_queue,
            policy="zsupport",
            plan="managed",
            severity=severity,
            received_at=start,
            fields=FIELDS,
        )
    await advance_to(own_env, start + timedelta(minutes=30))
    for name in ("A", "D"):
        await handles[name].execute_update(
            "respond", Respond(actor="e", message="on it"), result_type=Case
        )
    await advance_to(own_env, start + timedelta(hours=1))
    for name in ("A", "B"):
        await handles[name].execute_update(
            "restore", Restore(actor="e", note="done"), result_type=Case
        )
    await advance_to(own_env, start + timedelta(hours=5))

    month = start.astimezone(UTC).strftime("%Y-%m")
    answer = await api.get(
        "/reports/sla", params={"month": month}, headers=_token(engine, "manager")
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    lines = [
        (
            line["tier"],
            line["severity"],
            line["kind"],
            line["cases"],
            line["met"],
            line["breached"],
            line["open"],
            line["attainment"],
        )
        for line in report["lines"]
    ]
    assert lines == [
        ("engineering", "critical", "response", 1, 0, 1, 0, 0.0),
        ("engineering", "critical", "restoration", 1, 0, 1, 0, 0.0),
        ("helpdesk", "critical", "response", 2, 1, 1, 0, 50.0),
        ("helpdesk", "critical", "restoration", 2, 2, 0, 0, 100.0),
        ("helpdesk", "standard", "response", 1, 1, 0, 0, 100.0),
    ]
    assert {(line["policy"], line["plan"]) for line in report["lines"]} == {("zsupport", "managed")}
    totals = [
        (t["kind"], t["cases"], t["met"], t["breached"], t["attainment"]) for t in report["totals"]
    ]
    assert totals == [("response", 4, 2, 2, 50.0), ("restoration", 3, 2, 1, 66.7)]

    auditor = _token(engine, "auditor")
    other = (start.astimezone(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    empty = await api.get("/reports/sla", params={"month": other}, headers=auditor)
    assert empty.status_code == 200 and empty.json()["lines"] == []
    filtered = await api.get(
        "/reports/sla", params={"month": month, "policy": "maxony"}, headers=auditor
    )
    assert filtered.json()["lines"] == []
    bad = await api.get("/reports/sla", params={"month": "2026-13"}, headers=auditor)
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"loc": ["query", "month"], "msg": "must be a month as YYYY-MM, e.g. 2026-11"}
    ]
    partner = await api.get(
        "/reports/sla", params={"month": month}, headers=_token(engine, "partner", "acme")
    )
    assert partner.status_code == 403
