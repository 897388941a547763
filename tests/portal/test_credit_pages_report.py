"""The monthly credits report page and its CSV download, on SQLite and PostgreSQL: per client
and currency, each credit with its computation and the totals by state and owed; the CSV is
the API's, line for line; managers and auditors read every client, a partner its own."""

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth import Role, issue_api_key
from escalator.infra.settings import Settings
from tests.api.credit_cases import COMPUTATION, RECEIVED, breached, case_with, project, settled
from tests.portal.conftest import Person
from tests.portal.credit_pages import (
    APRIL,
    approved,
    clients,
    declined,
    earn,
    requested,
)
from tests.portal.registry_pages import app_without_worker, changing_forms, element, text_of

REPORT = "/portal/reports/credits"
WHY = "the outage was caused by the client's own firewall"
TOTAL = re.compile(
    r'<tr class="total-(\w+)"><th scope="row">.*?</th><td class="number">(\d+)</td>'
    r'<td class="number money">(.*?)</td></tr>',
    re.S,
)


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


@pytest.fixture
async def portal_app(engine: Engine, settings: Settings) -> AsyncIterator[FastAPI]:
    async for app in app_without_worker(engine, settings):
        yield app


@pytest.fixture
def april(engine: Engine) -> None:
    """acme's April: approved 14.58, eligible 20.00, declined 7.50 and granted 5.00 USD, one
    still accruing; globex's 972 JPY, eligible; and a credit of acme's May."""
    clients(engine)
    owed = settled("5.00", computation="a fixed 5.00 USD").model_copy(
        update={"upon_request": False}
    )
    earn(engine, "case-a", settled())
    earn(engine, "case-b", settled("20.00", computation="a fixed 20.00 USD"))
    earn(engine, "case-c", settled("7.50", computation="a fixed 7.50 USD"))
    earn(engine, "case-d", owed)
    earn(engine, "case-e", breached())
    yen = settled("972", "JPY", computation="100000 JPY a month x 7 h = 972 JPY")
    earn(engine, "case-f", yen, org="globex")
    may = RECEIVED + timedelta(days=30)
    project(engine, case_with("case-g", settled("1.00", at=may), received_at=may, restored_at=may))
    for credit_id in ("case-a:restoration", "case-c:restoration"):
        requested(engine, credit_id, "partner:ada")
    approved(engine, "case-a:restoration")
    declined(engine, "case-c:restoration", WHY)


def totals(page: httpx.Response, group: str) -> dict[str, tuple[int, str]]:
    """A group's totals as the page shows them: state -> (count, amount as written)."""
    table = rf'<table class="credit-totals" id="{group}-totals">(.*?)</table>'
    found = re.search(table, page.text, re.S)
    assert found, f"no totals of {group}"
    rows = TOTAL.findall(found.group(1))
    return {state: (int(count), text_of(amount)) for state, count, amount in rows}


def headings(page: httpx.Response) -> list[str]:
    return [text_of(h) for h in re.findall(r'<h2 id="client-\d+-h">(.*?)</h2>', page.text, re.S)]


def bearer(engine: Engine, role: Role, org: str | None = None) -> dict[str, str]:
    """The header of a new API key of `role`: the API's own answer to compare with."""
    with Session(engine) as session:
        _, token = issue_api_key(session, role, f"{role}-key", org)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.usefixtures("april")
async def test_a_manager_reads_every_client_s_credits_and_totals_and_downloads_the_csv(
    person: Person, engine: Engine
) -> None:
    mia = await person("mia", "manager")
    report = await mia.get(REPORT, params={"month": APRIL})
    assert report.status_code == 200, report.text
    assert headings(report) == [
        "Acme (acme) · USD",
        "Acme (acme) · no amount yet",
        "Globex (globex) · JPY",
    ]
    usd = element(report, "table", "client-1-credits")
    for text in ("ZS-case-a", COMPUTATION, "approved", "Approved by manager:bob"):
        assert text in usd
    assert "Declined by manager:bob" in usd and f"Why declined: {WHY}" in usd
    assert "a fixed 20.00 USD" in usd and "a fixed 5.00 USD" in usd
    assert "ZS-case-g" not in report.text  # May's
    assert totals(report, "client-1") == {
        "accruing": (0, "none"),
        "no_amount": (0, "none"),
        "eligible": (1, "20.00 USD"),
        "requested": (0, "0.00 USD"),
        "approved": (1, "14.58 USD"),
        "declined": (1, "7.50 USD"),
        "granted": (1, "5.00 USD"),
        "owed": (2, "19.58 USD"),
    }
    assert totals(report, "client-2")["accruing"] == (1, "none")
    assert "accruing until the service is restored" in element(report, "table", "client-2-credits")
    assert totals(report, "client-3")["eligible"] == (1, "972 JPY")
    assert totals(report, "client-3")["owed"] == (0, "0 JPY")
    assert changing_forms(report) == []

    link = re.search(r'<a href="([^"]+)" id="csv-link"', report.text)
    assert link and link.group(1) == f"{REPORT}.csv?month={APRIL}"
    download = await mia.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"] == 'attachment; filename="credits-2027-04.csv"'
    api = await mia.get(
        "/reports/credits.csv", params={"month": APRIL}, headers=bearer(engine, "manager")
    )
    assert api.status_code == 200 and download.text == api.text
    lines = list(csv.DictReader(io.StringIO(download.text)))
    owed = [
        (r["org"], r["currency"], r["count"], r["amount"]) for r in lines if r["state"] == "owed"
    ]
    assert owed == [
        ("acme", "USD", "2", "19.58"),
        ("acme", "", "0", ""),
        ("globex", "JPY", "0", "0"),
    ]
    assert [r["credit_id"] for r in lines if r["line"] == "credit"] == [
        f"case-{x}:restoration" for x in "abcdef"
    ]


@pytest.mark.usefixtures("april")
async def test_a_partner_reads_its_own_report_and_an_auditor_every_one(
    person: Person, engine: Engine
) -> None:
    ada = await person("ada", "partner", org="acme")
    own = await ada.get(REPORT, params={"month": APRIL})
    assert own.status_code == 200
    assert headings(own) == ["Acme (acme) · USD", "Acme (acme) · no amount yet"]
    assert "globex" not in own.text.lower()
    download = await ada.get(f"{REPORT}.csv", params={"month": APRIL})
    api = await ada.get(
        "/reports/credits.csv", params={"month": APRIL}, headers=bearer(engine, "partner", "acme")
    )
    assert download.text == api.text and "globex" not in download.text

    gus = await person("gus", "partner", org="globex")
    assert headings(await gus.get(REPORT, params={"month": APRIL})) == ["Globex (globex) · JPY"]

    ida = await person("ida", "auditor")
    every = await ida.get(REPORT, params={"month": APRIL})
    assert len(headings(every)) == 3 and changing_forms(every) == []
    may = await ida.get(REPORT, params={"month": "2027-05"})
    assert headings(may) == ["Acme (acme) · USD"]


@pytest.mark.usefixtures("april")
async def test_engineers_read_the_report_as_the_api_lets_them_and_a_wrong_month_is_shown(
    person: Person,
) -> None:
    eve = await person("eve", "engineer")
    for path in (REPORT, f"{REPORT}.csv"):
        assert (await eve.get(path, params={"month": APRIL})).status_code == 200
    mia = await person("mia", "manager")
    wrong = await mia.get(REPORT, params={"month": "April"})
    assert wrong.status_code == 422
    assert "must be a month as YYYY-MM" in element(wrong, "li", "error-month")
    assert (await mia.get(f"{REPORT}.csv", params={"month": "2027-13"})).status_code == 422
    empty = await mia.get(REPORT, params={"month": "2026-01"})
    assert "No credit counts in 2026-01" in element(empty, "p", "no-credits")
