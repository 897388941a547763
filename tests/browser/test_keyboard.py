"""The portal with the keyboard alone: sign in, skip to the content, and take a step."""

import re

from playwright.async_api import expect

from tests.accounts import PASSWORD, add_person
from tests.browser.conftest import VIEWPORT, Site
from tests.portal.conftest import opened


async def test_an_engineer_signs_in_and_acknowledges_a_case_without_a_mouse(site: Site) -> None:
    case = await opened(site.env, site.engine, site.settings)
    add_person(site.engine, "kit", "engineer")
    context = await site.browser.new_context(base_url=site.url, viewport=VIEWPORT)
    kit = await context.new_page()
    await kit.goto(f"/portal/cases/{case.id}")
    await kit.wait_for_url(re.compile(r"/sign-in\?next="))
    # The e-mail field has the focus; Tab reaches the password; Enter sends the form.
    await kit.keyboard.type("kit@support.test")
    await kit.keyboard.press("Tab")
    await kit.keyboard.type(PASSWORD)
    await kit.keyboard.press("Enter")
    await kit.wait_for_url(re.compile(rf"/portal/cases/{case.id}$"))
    await kit.wait_for_load_state("networkidle")

    # The first Tab stop is the skip link, which moves the focus past the navigation.
    await kit.keyboard.press("Tab")
    focused = await kit.evaluate("document.activeElement && document.activeElement.textContent")
    assert focused == "Skip to content", focused
    await kit.keyboard.press("Enter")
    await expect(kit).to_have_url(re.compile(r"#main$"))
    # Tab on to the acknowledge button (a visible focus ring on the way), and press it.
    button = kit.locator("#form-acknowledge-send")
    for _ in range(40):
        await kit.keyboard.press("Tab")
        if await button.evaluate("b => b === document.activeElement"):
            break
    else:
        raise AssertionError("the Acknowledge button is not reachable with Tab")
    await kit.keyboard.press("Enter")
    await expect(kit.locator(".facts .status")).to_have_text("acknowledged")
