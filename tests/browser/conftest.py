"""The portal in a real browser: Debian's chromium driven by Playwright (`executable_path`;
nothing is downloaded), against the app served by uvicorn on 127.0.0.1 and a free port, on
the time-skipping Temporal server with a real worker, the example policies and the seed
inventory. `make test` installs the browser when it is missing
(scripts/install-chromium.sh); a run without it fails here rather than skipping.
"""

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from escalator.infra.settings import Settings
from escalator.inventory_seed import load_inventory_seed
from escalator.policy_store import publish_examples_if_absent
from models.tables.client_registry import AuthorisedContactRow
from tests.accounts import PASSWORD, add_person, email_of
from tests.api.served import serving

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ESCALATOR_TEST_CHROMIUM", "/usr/bin/chromium")
# As the machine's own probe starts it: no sandbox as root, and no calls home, which this
# closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no browser at {CHROMIUM}: run scripts/install-chromium.sh (make test does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


# `make screens` sets it to docs/screens: each scenario's pages, as the README shows them.
SCREENS = os.environ.get("ESCALATOR_SCREENS_DIR")


@dataclass
class Site:
    """The portal as a browser reaches it."""

    url: str
    engine: Engine
    settings: Settings
    env: WorkflowEnvironment
    browser: Browser
    # Where `shoot` writes (docs/screens with `make screens`, else the test's own folder).
    screens: Path

    async def signed_in(
        self, handle: str, role: str, org: str | None = None, time_zone: str = "UTC"
    ) -> Page:
        """A new browser context (its own cookies) of a new account, signed in, on its home."""
        add_person(self.engine, handle, role, org, time_zone)
        context = await self.browser.new_context(base_url=self.url, viewport=VIEWPORT)
        page = await context.new_page()
        await page.goto("/sign-in")
        await page.get_by_label("E-mail").fill(email_of(handle, org))
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{self.url}/")
        return page

    async def shoot(self, page: Page, name: str, phone: bool = False) -> None:
        """A screenshot of the whole page as `NAME.png` (`phone`: at a phone's width)."""
        if phone:
            await page.set_viewport_size(PHONE)
        await page.screenshot(path=self.screens / f"{name}.png", full_page=True)
        if phone:
            await page.set_viewport_size(VIEWPORT)


VIEWPORT = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)


@pytest.fixture
def temporal_env(own_env: WorkflowEnvironment) -> WorkflowEnvironment:
    """A time-skipping server of each scenario's own: scenarios skip time, which cases left
    running on the shared server by earlier tests would hold still."""
    return own_env


@pytest.fixture
async def site(
    browser: Browser,
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    engine: Engine,
    settings: Settings,
    tmp_path: Path,
) -> AsyncIterator[Site]:
    with Session(engine) as session:
        publish_examples_if_absent(session, ROOT / "escalator" / "policies")
        load_inventory_seed(session)
        session.add(AuthorisedContactRow(org="acme", email="ada@acme.test", name="Ada Admin"))
        session.commit()
    app = create_app(settings, engine=engine, client=temporal_env.client)
    async with serving(app) as url:
        screens = Path(SCREENS) if SCREENS else tmp_path
        screens.mkdir(parents=True, exist_ok=True)
        yield Site(url, engine, settings, temporal_env, browser, screens)
