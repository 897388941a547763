"""The engineer's step forms on the case page: exactly the steps the case allows now, each
refused one with its reason; forms that move the case; wrong fields (422 beside the field),
refused steps (409 with the reason), a form sent twice, and who may send them."""

import html
import re

import httpx
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from escalator import cases
from escalator.infra.settings import Settings
from models.case.resource import Case
from models.case.steps import Acknowledge, Assign, RequestInfo, Resolve
from tests.portal.conftest import Person, csrf, opened
from tests.portal.workspace_helpers import check_controls, form_key, forms_on, listed, projected


async def send(
    client: httpx.AsyncClient, case: Case, step: str, page: httpx.Response, **fields: str
) -> httpx.Response:
    """Post the step's form as the page rendered it (its CSRF token and its key)."""
    data = {"csrf_token": csrf(page), "form_key": form_key(page, step), **fields}
    return await client.post(f"/portal/cases/{case.id}/steps/{step}", data=data)


async def check_offered(
    client: httpx.AsyncClient, temporal_env: WorkflowEnvironment, case: Case
) -> None:
    """The page's forms are the steps the workflow allows now; every other step is listed
    with the workflow's reason."""
    page = await client.get(f"/portal/cases/{case.id}")
    assert page.status_code == 200, page.text
    steps = await cases.open_steps(temporal_env.client, case.id)
    del steps["customer-reply"]  # the partner's, not a form of the engineer's
    assert forms_on(page) == {step for step, why in steps.items() if why is None}
    refused = dict(
        re.findall(r'<li data-refused="([^"]+)"><strong>[^<]*</strong>: ([^<]*)</li>', page.text)
    )
    assert {step: html.unescape(why) for step, why in refused.items()} == {
        step: why for step, why in steps.items() if why is not None
    }


async def test_the_page_offers_exactly_the_steps_the_case_allows(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    grace = await person("grace", "engineer")
    client = temporal_env.client
    await check_offered(grace, temporal_env, case)  # new
    page = await grace.get(f"/portal/cases/{case.id}")
    assert {"acknowledge", "triage", "assign"} <= forms_on(page)
    assert "reopen" not in forms_on(page)
    assert check_controls(page) > 10

    await cases.apply_step(client, case.id, "assign", Assign(engineer="grace"), "staff", None)
    await check_offered(grace, temporal_env, case)  # assigned: no acknowledge, no triage
    await cases.apply_step(
        client, case.id, "request-info", RequestInfo(message="Which version?"), "staff", None
    )
    await check_offered(grace, temporal_env, case)  # waiting on the customer: no respond
    await cases.apply_step(client, case.id, "resolve", Resolve(resolution="Fixed"), "staff", None)
    await check_offered(grace, temporal_env, case)  # resolved: reopen, close, add-note
    page = await grace.get(f"/portal/cases/{case.id}")
    assert {"reopen", "close"} <= forms_on(page) and "assign" not in forms_on(page)


async def test_forms_move_the_case(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    grace = await person("grace", "engineer")
    linus = await person("linus", "engineer")
    url = f"/portal/cases/{case.id}"

    page = await grace.get(url)
    # The directory's people, by handle and name, the viewer first chosen.
    assert '<option value="grace" selected>Grace (grace)</option>' in page.text
    assert '<option value="linus">Linus (linus)</option>' in page.text
    done = await send(grace, case, "acknowledge", page)
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=acknowledge"
    shown = await grace.get(done.headers["location"])
    assert "Done: acknowledge." in shown.text and 'data-step="acknowledge"' not in shown.text

    done = await send(grace, case, "triage", shown, severity="critical", priority="P1")
    assert done.status_code == 303, done.text
    live = await cases.read_case(temporal_env.client, case.id)
    assert (live.status, live.severity, live.priority) == ("triaged", "critical", "P1")

    page = await grace.get(url)
    done = await send(grace, case, "assign", page, engineer="linus")
    assert done.status_code == 303, done.text
    live = await cases.read_case(temporal_env.client, case.id)
    assert (live.status, live.assignee) == ("assigned", "linus")
    await projected(temporal_env, engine, case.id, live.revision)
    assert case.id in listed(await linus.get("/portal/queues/mine"))
    assert case.id not in listed(await grace.get("/portal/queues/mine"))

    page = await grace.get(url)
    done = await send(grace, case, "respond", page, message="We are on it.\nMore soon.")
    assert done.status_code == 303, done.text
    live = await cases.read_case(temporal_env.client, case.id)
    assert live.status == "in_progress"
    # The live region the page polls carries the forms of the case as it is now.
    await projected(temporal_env, engine, case.id, live.revision)
    region = await grace.get(f"{url}/live", params={"revision": 0})
    assert region.status_code == 200 and 'id="engineer-steps"' in region.text
    assert "respond" in forms_on(region) and "acknowledge" not in forms_on(region)
    check_controls(region)


async def test_the_assign_form_moves_the_case_to_mine(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    grace = await person("grace", "engineer")
    await projected(temporal_env, engine, case.id, case.revision)
    assert case.id in listed(await grace.get("/portal/queues/unassigned"))
    page = await grace.get(f"/portal/cases/{case.id}")
    assert (await send(grace, case, "assign", page, engineer="grace")).status_code == 303
    live = await cases.read_case(temporal_env.client, case.id)
    await projected(temporal_env, engine, case.id, live.revision)
    assert case.id in listed(await grace.get("/portal/queues/mine"))
    assert case.id not in listed(await grace.get("/portal/queues/unassigned"))

    page = await grace.get(f"/portal/cases/{case.id}")
    asked = await grace.post(
        f"/portal/cases/{case.id}/steps/request-info",
        data={
            "csrf_token": csrf(page),
            "form_key": form_key(page, "request-info"),
            "message": "Please send the serial numbers and a call example.",
            "fields": ["serial_numbers", "call_examples"],
        },
    )
    assert asked.status_code == 303, asked.text
    live = await cases.read_case(temporal_env.client, case.id)
    assert live.status == "waiting_customer"
    await projected(temporal_env, engine, case.id, live.revision)
    assert case.id in listed(await grace.get("/portal/queues/waiting"))


async def test_wrong_fields_come_back_beside_the_field(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    grace = await person("grace", "engineer")
    page = await grace.get(f"/portal/cases/{case.id}")

    unknown = await send(grace, case, "assign", page, engineer="nobody")
    assert unknown.status_code == 422, unknown.text
    assert re.search(
        r'id="step-assign-engineer-error">no account has the handle &#39;nobody&#39;<', unknown.text
    )
    assert 'aria-invalid="true" aria-describedby="step-assign-engineer-error"' in unknown.text

    empty = await send(grace, case, "respond", page, message="  ")
    assert empty.status_code == 422
    assert 'id="step-respond-message-error">is required<' in empty.text

    nul = await send(grace, case, "add-note", page, text="a\x00b")
    assert nul.status_code == 422
    assert "may not contain the control character U+0000" in nul.text
    assert (await cases.read_case(temporal_env.client, case.id)).status == "new"

    # What was typed comes back in the form.
    typed = await send(grace, case, "escalate", page, to_tier="engineering", reason="")
    assert typed.status_code == 422 and 'id="step-escalate-reason-error">is required<' in typed.text


async def test_a_refused_step_shows_the_reason(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    grace = await person("grace", "engineer")
    stale = await grace.get(f"/portal/cases/{case.id}")
    await cases.apply_step(
        temporal_env.client,
        case.id,
        "acknowledge",
        Acknowledge(actor="engineer:avery"),
        "staff",
        None,
    )
    again = await send(grace, case, "acknowledge", stale)
    assert again.status_code == 409, again.text
    assert re.search(
        r'id="refusal">Refused: only a new case can be acknowledged; this one is acknowledged<',
        again.text,
    )

    incomplete = await send(
        grace,
        case,
        "escalate",
        stale,
        to_tier="engineering",
        reason="Network fault",
        **{"checklist.engineering.client_isolation": "done"},
    )
    assert incomplete.status_code == 409
    assert "the checklist of tier engineering is not complete: hardware_tested" in incomplete.text
    # The answers come back checked.
    assert re.search(
        r'name="checklist.engineering.client_isolation" value="done" hx-preserve="true" checked',
        incomplete.text,
    )
    complete = await send(
        grace,
        case,
        "escalate",
        stale,
        to_tier="engineering",
        reason="Network fault",
        **{
            "checklist.engineering.client_isolation": "done",
            "checklist.engineering.hardware_tested": "n/a",
        },
    )
    assert complete.status_code == 303, complete.text
    assert (await cases.read_case(temporal_env.client, case.id)).tier == "engineering"


async def test_a_form_sent_twice_runs_once(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    grace = await person("grace", "engineer")
    page = await grace.get(f"/portal/cases/{case.id}")
    notes_before = len((await cases.read_case(temporal_env.client, case.id)).notes)
    first = await send(grace, case, "add-note", page, text="Called the customer")
    second = await send(grace, case, "add-note", page, text="Called the customer")
    assert first.status_code == second.status_code == 303
    notes = (await cases.read_case(temporal_env.client, case.id)).notes
    assert [n.text for n in notes[notes_before:]] == ["Called the customer"]
    # The same key for another request is refused, not run.
    reused = await send(grace, case, "add-note", page, text="Something else")
    assert reused.status_code == 409 and "this form was already sent" in reused.text


async def test_only_engineers_send_steps_and_every_form_carries_its_token(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    ada = await person("ada", "partner", org="acme")
    iris = await person("iris", "auditor")
    grace = await person("grace", "engineer")
    url = f"/portal/cases/{case.id}/steps/acknowledge"

    theirs = await ada.get(f"/portal/cases/{case.id}")
    assert 'data-step="acknowledge"' not in theirs.text
    refused = await ada.post(url, data={"csrf_token": csrf(theirs)})
    assert refused.status_code == 403 and "Not for your role" in refused.text
    audit = await iris.post(url, data={"csrf_token": csrf(await iris.get("/"))})
    assert audit.status_code == 403 and "Auditors read everything and change nothing." in audit.text

    tokenless = await grace.post(url, data={})
    assert tokenless.status_code == 403 and "Form refused" in tokenless.text
    assert (await cases.read_case(temporal_env.client, case.id)).status == "new"

    token = csrf(await grace.get("/"))
    for step in ("customer-reply", "fly"):
        missing = await grace.post(
            f"/portal/cases/{case.id}/steps/{step}", data={"csrf_token": token}
        )
        assert missing.status_code == 404 and "Not found" in missing.text
    nowhere = await grace.post(
        "/portal/cases/case-nope/steps/acknowledge", data={"csrf_token": token}
    )
    assert nowhere.status_code == 404
