"""A manager onboards a client in a browser: the organisation in Chicago, its backup contact;
the change trail says who did each; a case from that contact is not billable."""

import re

from playwright.async_api import expect

from tests.browser.conftest import Site
from tests.portal.conftest import opened


async def test_a_manager_onboards_a_client_and_its_backup_contact_opens_a_case(
    site: Site,
) -> None:
    mia = await site.signed_in("mia", "manager", time_zone="America/Chicago")
    await mia.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    form = mia.locator("#org-new")
    for field, value in {
        "Id (required)": "windy",
        "Name (required)": "Windy City Dental",
        "Time zone (required)": "America/Chicago",
        "Holidays: country": "US",
        "Holidays: subdivision": "IL",
    }.items():
        await form.get_by_label(field, exact=True).fill(value)
    await form.get_by_role("button", name="Add the organisation").click()
    await mia.wait_for_url(re.compile(r"/portal/orgs/windy"))

    await mia.locator("#contact-new summary").click()
    contact = mia.locator("#contact-new form")
    await contact.get_by_label("E-mail (required)", exact=True).fill("bo@windy.test")
    await contact.get_by_label("Name", exact=True).fill("Bo Backup")
    await contact.get_by_label("Role (required)", exact=True).select_option("backup")
    await contact.get_by_role("button", name="Add the contact").click()
    await expect(mia.locator("main")).to_contain_text("bo@windy.test")
    await expect(mia.locator("main")).to_contain_text("manager:mia")
    await site.shoot(mia, "client")

    case = await opened(
        site.env,
        site.engine,
        site.settings,
        org="windy",
        contact={"name": "Bo Backup", "email": "bo@windy.test"},
    )
    assert case.billable is False
