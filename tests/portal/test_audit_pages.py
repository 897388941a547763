"""The auditor's pages of a case: the state as of an instant (between two steps), a replay,
the export download; who may open them, and the case page's links that change nothing."""

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from escalator import cases
from escalator.cases.history import visible_history
from escalator.infra.settings import Settings
from models.audit.timeline import build_timeline
from models.case.resource import Case
from models.case.steps import Acknowledge
from tests.portal.conftest import Person, opened


@pytest.fixture
def temporal_env(own_env: WorkflowEnvironment) -> WorkflowEnvironment:
    """A server of these tests' own: they skip time, which cases left running on the shared
    server by earlier tests would hold still."""
    return own_env


async def acknowledged_later(
    temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> Case:
    """A case received, then acknowledged ten minutes later (skipped time)."""
    case = await opened(temporal_env, engine, settings)
    await temporal_env.sleep(timedelta(minutes=10))
    await cases.apply_step(
        temporal_env.client,
        case.id,
        "acknowledge",
        Acknowledge(actor="engineer:grace"),
        "staff",
        None,
    )
    return case


async def test_an_auditor_sees_the_status_as_it_was_between_two_steps(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await acknowledged_later(temporal_env, engine, settings)
    timeline = build_timeline(await visible_history(temporal_env.client, engine, case.id, None))
    received = next(entry.at for entry in timeline if entry.kind == "received")
    acknowledged = next(entry.at for entry in timeline if entry.kind == "acknowledged")
    assert acknowledged - received >= timedelta(minutes=9), timeline
    between = received + (acknowledged - received) / 2
    # As a person types it: local time in the viewer's zone, to the second.
    local = between.astimezone(ZoneInfo("Europe/Rome")).strftime("%Y-%m-%dT%H:%M:%S")

    ida = await person("ida", "auditor", time_zone="Europe/Rome")
    form = await ida.get(f"/portal/cases/{case.id}/as-of")
    assert form.status_code == 200, form.text
    assert 'type="datetime-local"' in form.text and 'id="as-of-state"' not in form.text
    then = await ida.get(f"/portal/cases/{case.id}/as-of", params={"at": local})
    assert then.status_code == 200, then.text
    state = then.text.split('id="as-of-state"')[1]
    assert '<span class="status status-new">new</span>' in state
    assert "status-acknowledged" not in state and 'class="entry entry-acknowledged"' not in state
    assert "SLA clocks then" in state and "CE" in state  # instants in Europe/Rome (CET/CEST)
    # The same instant given in UTC with an offset; and after the step, acknowledged.
    utc = between.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S")
    same = await ida.get(f"/portal/cases/{case.id}/as-of", params={"at": utc, "offset": "+00:00"})
    assert '<span class="status status-new">new</span>' in same.text
    later = (acknowledged + timedelta(minutes=1)).isoformat()
    after = await ida.get(f"/portal/cases/{case.id}/as-of", params={"at": later})
    assert after.status_code == 200, after.text
    assert "status-acknowledged" in after.text.split('id="as-of-state"')[1]

    before = (received - timedelta(days=1)).isoformat()
    for params, field in (
        ({"at": "yesterday"}, "at"),
        ({"at": before}, "at"),
        ({"at": local, "offset": "+25:00"}, "offset"),
    ):
        wrong = await ida.get(f"/portal/cases/{case.id}/as-of", params=params)
        assert wrong.status_code == 422, params
        assert f'<li id="error-{field}">{field}: ' in wrong.text
    assert (
        "before the case&#39;s workflow first ran"
        in (await ida.get(f"/portal/cases/{case.id}/as-of", params={"at": before})).text
    )


async def test_replay_and_export_for_auditors_only(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await acknowledged_later(temporal_env, engine, settings)
    ida = await person("ida", "auditor")
    replay = await ida.get(f"/portal/cases/{case.id}/replay")
    assert replay.status_code == 200, replay.text
    assert "<strong>Deterministic</strong>" in replay.text
    assert re.search(r"replays all [1-9]\d* events", replay.text)
    assert "CaseWorkflow" in replay.text and "History read from Temporal" in replay.text

    export = await ida.get(f"/portal/cases/{case.id}/export")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/json")
    assert export.headers["x-content-type-options"] == "nosniff"
    disposition = export.headers["content-disposition"]
    assert disposition == f'attachment; filename="{case.id}-export.json"'
    document = json.loads(export.text)
    assert document["format"] == "escalator-export/1"
    assert document["manifest"]["case_id"] == case.id
    assert document["manifest"]["records"] == len(document["records"]) > 0

    # The case page: links to each, and no form that changes anything (sign-out aside).
    shown = await ida.get(f"/portal/cases/{case.id}")
    for path in ("as-of", "replay", "export"):
        assert f'href="/portal/cases/{case.id}/{path}"' in shown.text
    assert shown.text.count('method="post"') == 1 and 'action="/sign-out"' in shown.text

    ada = await person("ada", "partner", org="acme")
    grace = await person("grace", "engineer")
    for someone in (ada, grace):
        for path in ("replay", "export"):
            refused = await someone.get(f"/portal/cases/{case.id}/{path}")
            assert refused.status_code == 403, path
            assert "Reading event histories needs the auditor role." in refused.text
    missing = await ida.get("/portal/cases/case-does-not-exist/export")
    assert missing.status_code == 404 and "Not found" in missing.text
    assert (await ida.get("/portal/cases/case-does-not-exist/replay")).status_code == 404


async def test_as_of_follows_the_case_visibility(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    ada = await person("ada", "partner", org="acme")
    own = await ada.get(f"/portal/cases/{case.id}/as-of")
    assert own.status_code == 200, own.text
    gus = await person("gus", "partner", org="globex")
    theirs = await gus.get(f"/portal/cases/{case.id}/as-of")
    missing = await gus.get("/portal/cases/case-does-not-exist/as-of")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text
