"""The monthly credits report on SQLite and PostgreSQL: per organisation and currency, each
credit with its amount and computation and the totals by state; the CSV file says what the
JSON says, line for line."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from escalator.credits import CSV_COLUMNS
from tests.api.conftest import TokenFactory
from tests.api.credit_cases import RECEIVED, breached, case_with, project, settled
from tests.api.registry_client import ACME, answer, registry_client

RESTORED = RECEIVED + timedelta(hours=7)
APRIL = {"month": "2027-04"}


@pytest.fixture
async def http(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with registry_client(engine) as client:
        yield client


@pytest.fixture
async def april(engine: Engine, http: httpx.AsyncClient, tokens: TokenFactory) -> None:
    """acme's April: approved 14.58, eligible 20.00, declined 7.50 and granted 5.00 USD, one
    still accruing; globex's 972 JPY, eligible; and a credit of acme's May."""
    for body in (ACME, {"id": "globex", "name": "Globex", "time_zone": "Asia/Tokyo"}):
        answer(await http.post("/orgs", json=body, headers=tokens("manager")), 201)
    owed = settled("5.00", computation="a fixed 5.00 USD").model_copy(
        update={"upon_request": False}
    )
    yen = settled("972", "JPY", computation="100000 JPY a month x 7 h = 972 JPY")
    may = RECEIVED + timedelta(days=30)
    for case in (
        case_with("case-a", settled(), restored_at=RESTORED),
        case_with("case-b", settled("20.00"), restored_at=RESTORED),
        case_with("case-c", settled("7.50"), restored_at=RESTORED),
        case_with("case-d", owed, restored_at=RESTORED),
        case_with("case-e", breached()),
        case_with("case-f", yen, org="globex", restored_at=RESTORED),
        case_with("case-g", settled("1.00", at=may), received_at=may, restored_at=may),
    ):
        project(engine, case)
    partner, manager = tokens("partner", "acme"), tokens("manager")
    for case_id in ("case-a", "case-c"):
        answer(await http.post(f"/credits/{case_id}:restoration/request", headers=partner), 200)
    answer(await http.post("/credits/case-a:restoration/approve", headers=manager), 200)
    decline = {"reason": "the outage was caused by the client's own firewall"}
    answer(
        await http.post("/credits/case-c:restoration/decline", json=decline, headers=manager), 200
    )


def totals(client: dict[str, Any]) -> dict[str, tuple[int, str | None]]:
    return {total["state"]: (total["count"], total["amount"]) for total in client["totals"]}


@pytest.mark.usefixtures("april")
async def test_the_report_lists_each_client_s_credits_and_totals_by_state(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    report = answer(
        await http.get("/reports/credits", params=APRIL, headers=tokens("auditor")), 200
    )
    assert report["month"] == "2027-04"
    groups = [(c["org"], c["name"], c["currency"]) for c in report["clients"]]
    assert groups == [
        ("acme", "Acme Corp", "USD"),
        ("acme", "Acme Corp", None),
        ("globex", "Globex", "JPY"),
    ]
    usd, accruing, yen = report["clients"]

    assert [(c["id"], c["state"], c["amount"]) for c in usd["credits"]] == [
        ("case-a:restoration", "approved", "14.58"),
        ("case-b:restoration", "eligible", "20.00"),
        ("case-c:restoration", "declined", "7.50"),
        ("case-d:restoration", "granted", "5.00"),
    ]
    assert usd["credits"][0]["computation"].endswith("= 14.58 USD")
    assert totals(usd) == {
        "accruing": (0, None),
        "no_amount": (0, None),
        "eligible": (1, "20.00"),
        "requested": (0, "0.00"),
        "approved": (1, "14.58"),
        "declined": (1, "7.50"),
        "granted": (1, "5.00"),
        "owed": (2, "19.58"),
    }
    assert [(c["id"], c["state"], c["amount"]) for c in accruing["credits"]] == [
        ("case-e:restoration", "accruing", None)
    ]
    assert totals(accruing)["accruing"] == (1, None)
    assert totals(accruing)["owed"] == (0, None)
    assert totals(yen)["eligible"] == (1, "972")
    assert totals(yen)["owed"] == (0, "0")


@pytest.mark.usefixtures("april")
async def test_the_csv_file_says_what_the_json_says(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    engineer = tokens("engineer")
    report = answer(await http.get("/reports/credits", params=APRIL, headers=engineer), 200)
    response = await http.get("/reports/credits.csv", params=APRIL, headers=engineer)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="credits-2027-04.csv"' in response.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(lines[0]) == CSV_COLUMNS

    expected: list[dict[str, str]] = []
    for client in report["clients"]:
        where = {"month": "2027-04", "org": client["org"], "currency": client["currency"] or ""}
        for item in client["credits"]:
            expected.append(
                where
                | {"line": "credit", "state": item["state"], "amount": item["amount"] or ""}
                | {"credit_id": item["id"], "computation": item["computation"] or ""}
            )
        for total in client["totals"]:
            expected.append(
                where
                | {"line": "total", "state": total["state"], "amount": total["amount"] or ""}
                | {"count": str(total["count"])}
            )
    assert [
        {key: line[key] for key in want} for line, want in zip(lines, expected, strict=True)
    ] == expected
    # The sums of the credit lines are the total lines' amounts.
    approved = [
        Decimal(line["amount"])
        for line in lines
        if (line["line"], line["state"]) == ("credit", "approved")
    ]
    (owed,) = [
        line
        for line in lines
        if (line["org"], line["currency"], line["line"], line["state"])
        == ("acme", "USD", "total", "owed")
    ]
    assert sum(approved) + Decimal("5.00") == Decimal(owed["amount"])
    (declined,) = [
        line for line in lines if line["state"] == "declined" and line["line"] == "credit"
    ]
    assert declined["decline_reason"] == "the outage was caused by the client's own firewall"
    assert declined["decided_by"] == "manager:manager-all"


@pytest.mark.usefixtures("april")
async def test_a_partner_reads_its_own_organisation_s_report_only(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    mine = answer(
        await http.get("/reports/credits", params=APRIL, headers=tokens("partner", "globex")), 200
    )
    assert [c["org"] for c in mine["clients"]] == ["globex"]
    text = (
        await http.get("/reports/credits.csv", params=APRIL, headers=tokens("partner", "globex"))
    ).text
    assert "acme" not in text
    empty = answer(
        await http.get("/reports/credits", params={"month": "2027-03"}, headers=tokens("manager")),
        200,
    )
    assert empty == {"month": "2027-03", "clients": []}


async def test_a_month_is_yyyy_mm(http: httpx.AsyncClient, tokens: TokenFactory) -> None:
    for path in ("/reports/credits", "/reports/credits.csv"):
        for month in ("2027-13", "2027-4", "April"):
            response = await http.get(path, params={"month": month}, headers=tokens("manager"))
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["loc"] == ["query", "month"]
        response = await http.get(path, headers=tokens("manager"))
        assert response.json()["errors"][0]["loc"] == ["query", "month"]
