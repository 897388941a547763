"""A case from a partner's form to an engineer's answer, in two browsers at once: the partner
opens it and sees its ticket number; the engineer finds it in the unassigned queue,
acknowledges, assigns and responds; the partner's open page shows the response without a
reload. An auditor's session, which shows no step, cannot post one either."""

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import PHONE, VIEWPORT, Site

RESPONSE = "Fixed in 17.0.5: please upgrade the voicemail server."


async def open_case_through_the_form(ada: Page, site: Site) -> str:
    await ada.get_by_role("navigation", name="Main").get_by_role("link", name="Open a case").click()
    await ada.locator("#policies").get_by_role("link", name="zsupport").click()
    await ada.get_by_label("Subject").fill("Voicemail greetings are silent")
    await ada.get_by_label("Description").fill("Since the upgrade, every greeting plays silence.")
    await ada.get_by_label("Plan").select_option("managed")
    await ada.get_by_label("Severity").select_option("standard")
    await site.shoot(ada, "partner-new-case")
    await ada.get_by_role("button", name="Open the case").click()
    # Z-Support charges for required information left out: the notice names each, and the
    # partner fills them in rather than send anyway.
    notice = ada.locator("#charge-notice")
    await expect(notice).to_be_visible()
    await site.shoot(ada, "partner-charge-notice")
    for name in await notice.locator("[data-missing]").evaluate_all(
        "items => items.map(i => i.dataset.input)"
    ):
        await ada.locator(f"#{name}").fill("+1 303 555 0100" if "phone" in name else "given")
    await ada.get_by_role("button", name="Open the case").click()
    await ada.wait_for_url(re.compile(r"/portal/cases/case-[0-9a-f]+"))
    ticket = (await ada.locator("h1 .ticket").inner_text()).strip()
    assert re.fullmatch(r"ZSU-\d{6}", ticket), ticket
    return ticket


async def test_a_partner_s_case_is_answered_and_the_partner_sees_it_live(site: Site) -> None:
    ada = await site.signed_in("ada", "partner", org="acme", time_zone="America/Denver")
    ticket = await open_case_through_the_form(ada, site)
    case_url = ada.url
    await expect(ada.locator("#case-live")).to_contain_text("received by portal from Ada")
    await site.shoot(ada, "partner-case")

    grace = await site.signed_in("grace", "engineer", time_zone="America/Denver")
    await grace.get_by_role("navigation", name="Main").get_by_role("link", name="Queues").click()
    await expect(grace.locator("main")).to_contain_text(ticket)
    await site.shoot(grace, "engineer-queue")
    await grace.get_by_role("link", name=ticket).click()
    await grace.wait_for_url(case_url)
    await grace.get_by_role("button", name="Acknowledge").click()
    await expect(grace.locator(".facts .status")).to_have_text("acknowledged")
    await grace.locator("#form-assign").get_by_label("Engineer").select_option("grace")
    await grace.locator("#form-assign").get_by_role("button", name="Assign").click()
    await expect(grace.locator(".facts")).to_contain_text("assignee grace")
    await grace.locator("#form-respond").get_by_label("Message to the requester").fill(RESPONSE)
    await grace.get_by_role("button", name="Send the response").click()
    await expect(grace.locator(".facts .status")).to_have_text("in progress")
    await site.shoot(grace, "engineer-case")

    # The partner never reloaded: the page's live region brought the answer in.
    assert ada.url == case_url
    await expect(ada.locator(".timeline")).to_contain_text(RESPONSE, timeout=20_000)
    await expect(ada.locator(".facts .status")).to_have_text("in progress")
    await site.shoot(ada, "partner-case-phone", phone=True)
    # Phone-wide, nothing is wider than the screen.
    await ada.set_viewport_size(PHONE)
    assert await ada.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await ada.set_viewport_size(VIEWPORT)

    ida = await site.signed_in("ida", "auditor")
    await ida.goto(case_url)
    await expect(ida.locator(".timeline")).to_contain_text(RESPONSE)
    assert await ida.locator("form.step").count() == 0
    token = await ida.locator("form.sign-out input[name=csrf_token]").get_attribute("value")
    case_id = case_url.rsplit("/", 1)[1]
    posted = await ida.request.post(
        f"/portal/cases/{case_id}/steps/close",
        form={"csrf_token": token or "", "form_key": "k1"},
        max_redirects=0,
    )
    assert posted.status == 403
    assert "Auditors read everything and change nothing" in await posted.text()
    await ida.reload()
    await expect(ida.locator(".facts .status")).to_have_text("in progress")
    await ida.get_by_role("link", name="Replay").click()
    await expect(ida.locator("main")).to_contain_text("Deterministic: the current code replays")
    await site.shoot(ida, "case-replay")

    # The partner's list of its organisation's open cases, and its solutions page.
    await ada.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    await expect(ada.locator("main table")).to_contain_text(ticket)
    await site.shoot(ada, "partner-cases")
    await ada.get_by_role("navigation", name="Main").get_by_role("link", name="Solutions").click()
    await expect(ada.locator("h1")).to_have_text("Solutions")
    await site.shoot(ada, "partner-solutions")

    # The response target met this month: the manager's report counts it.
    mia = await site.signed_in("mia", "manager", time_zone="America/Denver")
    await mia.get_by_role("navigation", name="Main").get_by_role("link", name="SLA report").click()
    await expect(mia.locator("svg.chart-svg").first).to_be_visible()
    await site.shoot(mia, "sla-report")
