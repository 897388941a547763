"""A manager checks a broken policy draft and sees each problem at its line; an auditor reads
a case's timeline and its state as of an instant between two steps."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from escalator import cases
from escalator.cases.history import visible_history
from models.audit.timeline import build_timeline
from models.case.steps import Acknowledge
from tests.browser.conftest import Site
from tests.portal.conftest import opened
from tests.portal.policy_texts import BROKEN, line_of


async def test_a_manager_sees_each_problem_of_a_draft_at_its_line(site: Site) -> None:
    mia = await site.signed_in("mia", "manager", time_zone="Europe/Rome")
    await mia.get_by_role("navigation", name="Main").get_by_role("link", name="Policies").click()
    await expect(mia.locator("h1")).to_contain_text("Policies")
    await site.shoot(mia, "policies")
    await mia.goto("/portal/policies/draft")
    await mia.get_by_label("Policy text (YAML or JSON)").fill(BROKEN)
    await mia.get_by_role("button", name="Check", exact=True).click()
    await expect(mia.get_by_role("heading", name="3 problems: not valid")).to_be_visible()
    problems = {
        "calendar: nowhere": 'unknown calendar "nowhere"',
        "response: 3 hours": '"3 hours" is not a duration',
        "level: two": "input should be a valid integer",
    }
    for fragment, problem in problems.items():
        row = mia.locator(f"tr#L{line_of(BROKEN, fragment)}")
        await expect(row).to_contain_text(fragment)
        await expect(row.locator(".issue")).to_contain_text(problem)
    await expect(mia.locator("tr.has-issue")).to_have_count(3)
    await site.shoot(mia, "policy-draft-errors")


async def test_an_auditor_reads_the_timeline_and_the_state_as_of_an_instant(site: Site) -> None:
    case = await opened(site.env, site.engine, site.settings)
    await site.env.sleep(timedelta(minutes=10))
    await cases.apply_step(
        site.env.client, case.id, "acknowledge", Acknowledge(actor="engineer:grace"), "staff", None
    )
    history = await visible_history(site.env.client, site.engine, case.id, None)
    timeline = build_timeline(history)
    received = next(entry.at for entry in timeline if entry.kind == "received")
    acknowledged = next(entry.at for entry in timeline if entry.kind == "acknowledged")
    between = received + (acknowledged - received) / 2

    ida = await site.signed_in("ida", "auditor", time_zone="Europe/Rome")
    await ida.goto(f"/portal/cases/{case.id}")
    await expect(ida.locator(".timeline")).to_contain_text("acknowledged")
    await expect(ida.locator(".timeline")).to_contain_text("received by api from Ada Admin")
    # Nothing on the page changes the case: no form posts but signing out.
    assert await ida.locator("main form[method=post]").count() == 0
    await site.shoot(ida, "case-auditor")

    await ida.get_by_role("link", name="The case as of an instant").click()
    local = between.astimezone(ZoneInfo("Europe/Rome")).strftime("%Y-%m-%dT%H:%M:%S")
    await ida.get_by_label(re.compile(r"^Date and time")).fill(local)
    await ida.get_by_role("button", name="Show").click()
    state = ida.locator("#as-of-state")
    await expect(state.locator(".status").first).to_have_text("new")
    await expect(state).not_to_contain_text("acknowledged by engineer")
    await site.shoot(ida, "case-as-of")
