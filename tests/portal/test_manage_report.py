"""The SLA report page: the month's attainment as `GET /reports/sla` computes it, and charts
of attainment per plan, tier and target kind over the months before it (on SQLite and
PostgreSQL: the page reads the outcomes of several months in one query)."""

import html
import re
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models.tables.audit import SlaOutcomeRow
from tests.portal.conftest import Person

NOV, OCT, SEP, AUG = (
    datetime(2026, 11, 10, 12, tzinfo=UTC),
    datetime(2026, 10, 15, 9, tzinfo=UTC),
    datetime(2026, 9, 3, 16, tzinfo=UTC),
    datetime(2026, 8, 20, 8, tzinfo=UTC),
)
MET, BREACHED, OPEN = "met", "breached", "open"
# A month of a series with no decided target: no bar.
NONE = "none decided"
# (case, kind, plan, tier, received, outcome), policy zsupport unless named.
OUTCOMES = [
    ("c1", "response", "managed", "level1", NOV, MET),
    ("c1", "restoration", "managed", "level1", NOV, BREACHED),
    ("c2", "response", "managed", "level1", NOV, BREACHED),
    ("c2", "restoration", "managed", "level1", NOV, OPEN),
    ("c3", "response", "managed", "level1", NOV, MET),
    ("c4", "response", "premium", None, NOV, MET),
    ("c5", "response", "managed", "level1", OCT, MET),
    ("c6", "response", "managed", "level1", OCT, BREACHED),
    ("c7", "response", "premium", "level1", OCT, MET),
    ("c8", "tier_response", "managed", "level2", SEP, MET),
    ("c9", "response", "managed", "level1", AUG, OPEN),
    # Outside the six months up to November: May, and December by a second (UTC).
    ("c10", "response", "managed", "level1", datetime(2026, 5, 31, 23, 59, tzinfo=UTC), BREACHED),
    ("c11", "response", "managed", "level1", datetime(2026, 12, 1, tzinfo=UTC), MET),
]


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


def store_outcomes(engine: Engine) -> None:
    with Session(engine) as session:
        for case, kind, plan, tier, received, outcome in OUTCOMES:
            session.add(outcome_row(case, kind, plan, tier, received, outcome))
        session.add(outcome_row("m1", "response", "business", "l1", NOV, MET, policy="maxony"))
        session.commit()


def outcome_row(
    case: str,
    kind: str,
    plan: str,
    tier: str | None,
    received: datetime,
    outcome: str,
    policy: str = "zsupport",
) -> SlaOutcomeRow:
    return SlaOutcomeRow(
        case_id=f"case-{case}",
        kind=kind,
        policy=policy,
        policy_version=1,
        plan=plan,
        tier=tier,
        severity="critical",
        target="2h",
        received_at=received,
        due_at=received,
        met_at=received if outcome != OPEN else None,
        breached=outcome == BREACHED,
    )


def figure(page: httpx.Response, chart_id: str) -> str:
    found = re.search(rf'<figure class="chart" id="{chart_id}">(.*?)</figure>', page.text, re.S)
    assert found, chart_id
    return found.group(1)


def cells(fragment: str, row_label: str) -> list[str]:
    """The cells of the row whose first cell is `row_label`, as text."""
    for row in re.findall(r"<tr>(.*?)</tr>", fragment, re.S):
        texts = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if texts and texts[0] == row_label:
            return texts
    raise AssertionError(f"no row {row_label!r}")


async def test_the_month_and_its_trends_per_plan_tier_and_kind(
    person: Person, engine: Engine
) -> None:
    store_outcomes(engine)
    mia = await person("mia", "manager")
    page = await mia.get("/portal/reports/sla", params={"month": "2026-11", "policy": "zsupport"})
    assert page.status_code == 200, page.text

    totals = page.text.split('id="totals"')[1].split("</table>")[0]
    #                 policy, plan, tier, severity, kind, cases, met, breached, open, attainment
    response = ["zsupport", "all", "", "", "response", "4", "3", "1", "0", "75.0 %"]
    restoration = ["zsupport", "all", "", "", "restoration", "2", "0", "1", "1", "0.0 %"]
    assert response in _rows(totals)
    assert restoration in _rows(totals)
    lines = page.text.split('id="lines"')[1].split("</table>")[0]
    premium = ["zsupport", "premium", "", "critical", "response", "1", "1", "0", "0", "100.0 %"]
    assert premium in _rows(lines)

    months = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    expected = {
        "chart-plan": {
            "managed": [NONE, NONE, NONE, "100.0 % (1/1)", "50.0 % (1/2)", "50.0 % (2/4)"],
            "premium": [NONE, NONE, NONE, NONE, "100.0 % (1/1)", "100.0 % (1/1)"],
        },
        "chart-tier": {
            "level1": [NONE, NONE, NONE, NONE, "66.7 % (2/3)", "50.0 % (2/4)"],
            "level2": [NONE, NONE, NONE, "100.0 % (1/1)", NONE, NONE],
            "no tier": [NONE, NONE, NONE, NONE, NONE, "100.0 % (1/1)"],
        },
        "chart-kind": {
            "response": [NONE, NONE, NONE, NONE, "66.7 % (2/3)", "75.0 % (3/4)"],
            "restoration": [NONE, NONE, NONE, NONE, NONE, "0.0 % (0/1)"],
            "tier response": [NONE, NONE, NONE, "100.0 % (1/1)", NONE, NONE],
        },
    }
    for chart_id, series in expected.items():
        chart = figure(page, chart_id)
        assert f'<title id="{chart_id}-title">' in chart
        assert cells(chart, "Series") == ["Series", *months]
        for label, values in series.items():
            assert cells(chart, label) == [label, *values], (chart_id, label)
        bars = sum(1 for values in series.values() for value in values if value != NONE)
        assert chart.count('<rect class="bar') == bars, chart_id
        assert "maxony" not in chart

    # Every policy: plans and tiers carry their policy's name.
    everything = await mia.get("/portal/reports/sla", params={"month": "2026-11", "months": "2"})
    assert everything.status_code == 200
    plan = figure(everything, "chart-plan")
    assert cells(plan, "maxony · business")[1:] == [NONE, "100.0 % (1/1)"]
    assert cells(plan, "zsupport · managed")[1:] == ["50.0 % (1/2)", "50.0 % (2/4)"]
    assert cells(plan, "zsupport · premium")[1:] == ["100.0 % (1/1)", "100.0 % (1/1)"]
    assert plan.count('<rect class="bar') == 5


def _rows(table: str) -> list[list[str]]:
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


async def test_a_bad_month_or_count_is_named_and_only_readers_of_reports_see_it(
    person: Person, engine: Engine
) -> None:
    ida = await person("ida", "auditor")
    now = await ida.get("/portal/reports/sla")
    assert now.status_code == 200, now.text
    assert f'value="{datetime.now(UTC):%Y-%m}"' in now.text
    for params, field in (({"month": "2026-13"}, "month"), ({"month": "Nov"}, "month")):
        bad = await ida.get("/portal/reports/sla", params=params)
        assert bad.status_code == 422, params
        assert f'<li id="error-{field}">{field}: must be a month as YYYY-MM' in bad.text
        assert "<svg" not in bad.text
    many = await ida.get("/portal/reports/sla", params={"month": "2026-11", "months": "99"})
    assert many.status_code == 422
    assert '<li id="error-months">months: must be a number of months from 1 to 24' in many.text
    for role, org in (("partner", "acme"), ("engineer", None)):
        someone = await person(f"{role}1", role, org=org)
        refused = await someone.get("/portal/reports/sla")
        assert refused.status_code == 403
        assert "Reading SLA reports needs the manager or auditor role." in refused.text
