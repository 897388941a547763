"""What a browser may not do: read another organisation's case, post a form without its
token, see anything signed out, or (as an auditor) post a step."""

import re

from playwright.async_api import expect

from tests.browser.conftest import Site
from tests.portal.conftest import opened


async def test_partner_b_gets_the_same_page_for_partner_a_s_case_as_for_none(site: Site) -> None:
    case = await opened(site.env, site.engine, site.settings)
    ada = await site.signed_in("ada", "partner", org="acme")
    await ada.goto(f"/portal/cases/{case.id}")
    await expect(ada.locator("h1")).to_contain_text(case.ticket_number or "")

    gus = await site.signed_in("gus", "partner", org="globex")
    theirs = await gus.goto(f"/portal/cases/{case.id}")
    assert theirs is not None and theirs.status == 404
    seen = await gus.locator("main").inner_text()
    missing = await gus.goto("/portal/cases/case-nobody-has-this")
    assert missing is not None and missing.status == 404
    assert await gus.locator("main").inner_text() == seen


async def test_signed_out_pages_send_the_browser_to_sign_in_and_back(site: Site) -> None:
    case = await opened(site.env, site.engine, site.settings)
    grace = await site.signed_in("grace", "engineer")
    await grace.get_by_role("button", name="Sign out").click()
    await grace.wait_for_url(re.compile(r"/sign-in"))
    await grace.goto(f"/portal/cases/{case.id}")
    await expect(grace).to_have_url(re.compile(rf"/sign-in\?next=/portal/cases/{case.id}$"))
    await grace.get_by_label("E-mail").fill("grace@support.test")
    await grace.get_by_label("Password").fill("correct horse battery")
    await grace.get_by_role("button", name="Sign in").click()
    await grace.wait_for_url(re.compile(rf"/portal/cases/{case.id}$"))


async def test_a_form_without_its_token_is_refused(site: Site) -> None:
    grace = await site.signed_in("grace", "engineer")
    # The sign-out form, its token removed in the page before sending.
    await grace.locator("form.sign-out input[name=csrf_token]").evaluate("e => e.remove()")
    await grace.get_by_role("button", name="Sign out").click()
    await expect(grace.locator("h1")).to_have_text("Form refused")
    # Still signed in: the refused form did nothing.
    await grace.goto("/")
    await expect(grace.locator("h1")).to_contain_text("Hello")
