"""The case page: what each role sees of one case, the same not-found page for a case of
another organisation as for none, and the live region that answers once the case moves."""

import asyncio
import re

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from escalator import cases
from escalator.infra.settings import Settings
from models.case.steps import Acknowledge
from models.tables.core import CaseRow
from tests.portal.conftest import Person, opened


async def test_a_partner_reads_its_case_and_another_organisation_sees_nothing(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings, severity="critical")
    ada = await person("ada", "partner", org="acme", time_zone="America/Chicago")
    page = await ada.get(f"/portal/cases/{case.id}")
    assert page.status_code == 200, page.text
    assert case.ticket_number and case.ticket_number in page.text
    assert "Voicemail greetings are silent" in page.text
    # Each clock, due in the viewer's time zone.
    assert "SLA clocks" in page.text and "response" in page.text
    assert re.search(r"\d\d:\d\d C[SD]T", page.text), "instants in America/Chicago"
    assert "Timeline" in page.text and "received by api from Ada Admin" in page.text

    gus = await person("gus", "partner", org="globex")
    theirs = await gus.get(f"/portal/cases/{case.id}")
    missing = await gus.get("/portal/cases/case-does-not-exist")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text

    signed_out = await (await person("x", "engineer")).post("/sign-out", data={})
    assert signed_out.status_code == 403  # no CSRF token: refused, still signed in


async def test_a_signed_out_browser_is_sent_to_sign_in(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    grace = await person("grace", "engineer")
    grace.cookies.clear()
    page = await grace.get(f"/portal/cases/{case.id}")
    assert page.status_code == 303
    assert page.headers["location"] == f"/sign-in?next=/portal/cases/{case.id}"


async def test_the_live_region_answers_once_the_case_has_moved_on(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    ada = await person("ada", "partner", org="acme")
    page = await ada.get(f"/portal/cases/{case.id}")
    found = re.search(r"/live\?revision=(\d+)", page.text)
    assert found, page.text
    revision = int(found[1])
    quiet = await ada.get(f"/portal/cases/{case.id}/live", params={"revision": revision})
    assert quiet.status_code == 204

    await cases.apply_step(
        temporal_env.client,
        case.id,
        "acknowledge",
        Acknowledge(actor="engineer:grace"),
        "staff",
        None,
    )
    for _ in range(50):
        with Session(engine) as session:
            row = session.get(CaseRow, case.id)
            if row is not None and row.revision > revision:
                break
        await asyncio.sleep(0.05)
    moved = await ada.get(f"/portal/cases/{case.id}/live", params={"revision": revision})
    assert moved.status_code == 200, moved.text
    assert "acknowledged" in moved.text
    assert f"revision={revision}" not in moved.text

    gus = await person("gus", "partner", org="globex")
    assert (await gus.get(f"/portal/cases/{case.id}/live")).status_code == 404
