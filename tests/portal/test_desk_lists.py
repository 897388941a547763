"""The case lists: a partner's own organisation only (open and recently closed), staff every
organisation with a filter; next due times in the viewer's zone; search taking `%` and `_`
literally; pages of 50. On SQLite and PostgreSQL."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from escalator.infra.settings import Settings
from tests.portal.conftest import Person, opened
from tests.portal.desk_rows import NOW, add_rows, row_when


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


def listed(page_text: str) -> list[str]:
    """The case ids of a list page, in order."""
    return re.findall(r'<tr data-case-id="([^"]+)">', page_text)


async def test_a_partner_lists_its_own_open_and_recently_closed_cases(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    real = await opened(temporal_env, engine, settings, subject="Trunk down at HQ")
    await row_when(temporal_env, engine, real.id, status=real.status)
    due = datetime(2030, 1, 2, 3, 0, tzinfo=UTC)
    add_rows(
        engine,
        {"id": "case-acme-open", "subject": "Queue stuck", "next_due_at": due},
        {"id": "case-acme-resolved", "subject": "Fixed one", "status": "resolved"},
        {
            "id": "case-acme-old",
            "subject": "Closed long ago",
            "status": "closed",
            "received_at": NOW - timedelta(days=200),
            "updated_at": NOW - timedelta(days=120),
        },
        {"id": "case-globex-open", "subject": "Queue stuck", "org": "globex"},
        {"id": "case-globex-closed", "subject": "Fixed", "org": "globex", "status": "closed"},
    )
    ada = await person("ada", "partner", org="acme", time_zone="Asia/Tokyo")

    page = await ada.get("/portal/cases")
    assert page.status_code == 200, page.text
    assert listed(page.text) == [real.id, "case-acme-open"]  # newest received first
    assert real.ticket_number and f'href="/portal/cases/{real.id}">{real.ticket_number}<' in (
        page.text
    )
    # 03:00 UTC is noon in Tokyo; the countdown ticks from the same instant.
    assert "Wed 02 Jan 2030 12:00 JST" in page.text
    assert 'data-due="2030-01-02T03:00:00+00:00"' in page.text
    assert "globex" not in page.text

    closed = await ada.get("/portal/cases", params={"view": "closed"})
    assert listed(closed.text) == ["case-acme-resolved"]
    everything = await ada.get("/portal/cases", params={"view": "all"})
    assert set(listed(everything.text)) == {
        real.id,
        "case-acme-open",
        "case-acme-resolved",
        "case-acme-old",
    }

    # The organisation filter is staff's: a partner's listing stays its own whatever it says.
    theirs = await ada.get("/portal/cases", params={"org": "globex", "view": "all"})
    assert "case-globex" not in theirs.text

    wrong = await ada.get("/portal/cases", params={"view": "everything", "status": "lost"})
    assert wrong.status_code == 422
    assert "view: is one of open, closed, all" in wrong.text
    assert 'id="status-error">is one of new' in wrong.text


async def test_search_takes_percent_and_underscore_literally(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    add_rows(
        engine,
        {"id": "case-percent", "subject": "CPU at 100% on node"},
        {"id": "case-digits", "subject": "CPU at 1000 on node"},
        {"id": "case-underscore", "subject": "trunk_b is silent"},
        {"id": "case-letter", "subject": "trunkxb is silent"},
        {"id": "case-ticket", "subject": "Other", "ticket_number": "ZSU-000777"},
        {"id": "case-globex-percent", "subject": "CPU at 100% here", "org": "globex"},
    )
    ada = await person("ada", "partner", org="acme")
    percent = await ada.get("/portal/cases", params={"q": "100%"})
    assert listed(percent.text) == ["case-percent"]
    underscore = await ada.get("/portal/cases", params={"q": "K_B"})
    assert listed(underscore.text) == ["case-underscore"]  # any case, `_` itself
    ticket = await ada.get("/portal/cases", params={"q": "zsu-000777"})
    assert listed(ticket.text) == ["case-ticket"]
    nothing = await ada.get("/portal/cases", params={"q": "%"})
    assert listed(nothing.text) == ["case-percent"]


async def test_staff_list_every_organisation_with_a_filter_and_page_on(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    add_rows(
        engine,
        *[{"id": f"case-acme-{n:03d}", "subject": f"Case {n}"} for n in range(52)],
        {"id": "case-globex-1", "subject": "Theirs", "org": "globex", "status": "new"},
    )
    grace = await person("grace", "engineer")
    first = await grace.get("/portal/cases", params={"view": "all"})
    ids = listed(first.text)
    assert len(ids) == 50 and ids[0] == "case-acme-000"
    assert '<th scope="col">Organisation</th>' in first.text
    found = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert found, first.text
    second = await grace.get(found[1].replace("&amp;", "&"))
    assert listed(second.text) == ["case-acme-050", "case-acme-051", "case-globex-1"]
    assert 'rel="next"' not in second.text

    globex = await grace.get("/portal/cases", params={"org": "globex", "status": "new"})
    assert listed(globex.text) == ["case-globex-1"]
    auditor = await person("olga", "auditor")
    theirs = await auditor.get("/portal/cases", params={"org": "globex"})
    assert listed(theirs.text) == ["case-globex-1"]

    forged = await grace.get("/portal/cases", params={"cursor": "not-a-cursor"})
    assert forged.status_code == 422 and "cursor: is not a link this page gave" in forged.text
