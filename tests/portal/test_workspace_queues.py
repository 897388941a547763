"""The engineer's queues, on SQLite and PostgreSQL: which open cases each lists and in which
order, their bounded counts and pages, who may read them, and a case moving through them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.pages.queue_reads import team_tiers
from escalator import cases
from escalator.infra.settings import Settings
from models.case.steps import Assign, Escalate, RequestInfo
from models.tables.accounts import AccountRow
from tests.portal.conftest import Person, opened
from tests.portal.workspace_helpers import count_of, listed, projected, put_case


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


async def test_each_queue_lists_its_open_cases_in_its_order(person: Person, engine: Engine) -> None:
    soon, later = datetime.now(UTC) + timedelta(hours=1), datetime.now(UTC) + timedelta(hours=5)
    past = datetime.now(UTC) - timedelta(minutes=30)
    put_case(engine, "case-old-new", T0, next_due_at=later)
    put_case(engine, "case-newer-new", T0 + timedelta(hours=1), next_due_at=soon)
    put_case(engine, "case-grace-1", T0 + timedelta(hours=2), status="assigned", assignee="grace")
    put_case(
        engine, "case-grace-2", T0 + timedelta(hours=3), status="in_progress", assignee="grace"
    )
    put_case(engine, "case-late", T0 + timedelta(hours=4), assignee="linus", next_due_at=past)
    put_case(engine, "case-waits", T0 + timedelta(hours=5), status="waiting_customer")
    # Finished cases are in no queue, even with a stale due instant or no assignee.
    put_case(engine, "case-resolved", T0 + timedelta(hours=6), status="resolved", next_due_at=soon)
    put_case(engine, "case-closed", T0 + timedelta(hours=7), status="closed", assignee="grace")

    grace = await person("grace", "engineer", time_zone="Europe/Rome")
    unassigned = await grace.get("/portal/queues/unassigned")
    assert listed(unassigned) == ["case-waits", "case-newer-new", "case-old-new"]
    assert [count_of(unassigned, q) for q in ("unassigned", "mine", "breaching", "waiting")] == [
        "3",
        "2",
        "3",
        "1",
    ]
    assert 'aria-current="page">Unassigned' in unassigned.text
    assert listed(await grace.get("/portal/queues/mine")) == ["case-grace-2", "case-grace-1"]
    assert listed(await grace.get("/portal/queues/waiting")) == ["case-waits"]

    breaching = await grace.get("/portal/queues/breaching")
    assert listed(breaching) == ["case-late", "case-newer-new", "case-old-new"]
    rows = re.findall(r"<tr data-case=.*?</tr>", breaching.text, re.S)
    assert "overdue" in rows[0] and "min ago" in rows[0]
    assert "overdue" not in rows[1] and re.search(r"in (59 min|1 h 00 min)", rows[1])
    # Due instants in the viewer's zone (Rome).
    assert re.search(r"\d\d:\d\d CET", rows[1])


async def test_counts_stop_at_a_page_and_pages_follow_a_cursor(
    person: Person, engine: Engine
) -> None:
    for n in range(53):
        put_case(engine, f"case-n{n:03d}", T0 + timedelta(minutes=n))
    grace = await person("grace", "engineer")
    first = await grace.get("/portal/queues/unassigned")
    assert count_of(first, "unassigned") == "50+"
    assert listed(first) == [f"case-n{n:03d}" for n in range(52, 2, -1)]
    found = re.search(r'href="(/portal/queues/unassigned\?after=[^"]+)" rel="next"', first.text)
    assert found, first.text
    second = await grace.get(found[1].replace("&amp;", "&"))
    assert listed(second) == ["case-n002", "case-n001", "case-n000"]
    assert 'rel="next"' not in second.text and "First page" in second.text

    wrong = await grace.get("/portal/queues/unassigned", params={"after": "bm90IGEgY3Vyc29y"})
    assert wrong.status_code == 422 and "after: is not a cursor this list returned" in wrong.text


async def test_only_engineers_and_admins_read_queues(person: Person) -> None:
    ada = await person("ada", "partner", org="acme")
    iris = await person("iris", "auditor")
    refused = await ada.get("/portal/queues/unassigned")
    assert refused.status_code == 403 and "Not for your role" in refused.text
    assert (await iris.get("/portal/queues/mine")).status_code == 403
    root = await person("root", "admin")
    assert (await root.get("/portal/queues/breaching")).status_code == 200
    unknown = await root.get("/portal/queues/everything")
    assert unknown.status_code == 404 and "Not found" in unknown.text


def test_a_team_names_its_members_by_handle_or_email(engine: Engine) -> None:
    from tests.policies import ZSUPPORT, store_policy_version

    with Session(engine) as session:
        store_policy_version(session, "zsupport", ZSUPPORT)

        def account(handle: str, email: str) -> AccountRow:
            return AccountRow(
                handle=handle, email=email, name=handle, role="engineer", created_at=T0
            )

        assert team_tiers(session, account("avery", "a@x.test")) == (("zsupport", "helpdesk"),)
        by_email = account("mwu", "Morgan.Wu@zsupport.example")
        assert team_tiers(session, by_email) == (("zsupport", "engineering"),)
        assert team_tiers(session, account("grace", "grace@x.test")) == ()


async def test_a_case_moves_through_the_queues(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    await projected(temporal_env, engine, case.id, case.revision)
    grace = await person("grace", "engineer")
    avery = await person("avery", "engineer")
    riley = await person("riley", "engineer")
    assert case.id in listed(await grace.get("/portal/queues/unassigned"))
    assert case.id not in listed(await grace.get("/portal/queues/mine"))
    # At the entry tier, helpdesk: its team's members have it, engineering's do not.
    assert case.id in listed(await avery.get("/portal/queues/escalated"))
    assert case.id not in listed(await riley.get("/portal/queues/escalated"))
    assert case.id not in listed(await grace.get("/portal/queues/escalated"))

    client = temporal_env.client
    moved = await cases.apply_step(
        client, case.id, "assign", Assign(engineer="grace"), "staff", None
    )
    await projected(temporal_env, engine, case.id, moved.revision)
    assert case.id not in listed(await grace.get("/portal/queues/unassigned"))
    assert case.id in listed(await grace.get("/portal/queues/mine"))
    assert case.id not in listed(await avery.get("/portal/queues/mine"))

    asked = RequestInfo(message="Which extension?", fields=["call_examples"])
    moved = await cases.apply_step(client, case.id, "request-info", asked, "staff", None)
    await projected(temporal_env, engine, case.id, moved.revision)
    assert case.id in listed(await grace.get("/portal/queues/waiting"))

    up = Escalate(
        to_tier="engineering",
        reason="Needs the network team",
        checklist={"client_isolation": True, "hardware_tested": "n/a"},
    )
    moved = await cases.apply_step(client, case.id, "escalate", up, "staff", None)
    await projected(temporal_env, engine, case.id, moved.revision)
    assert case.id in listed(await riley.get("/portal/queues/escalated"))
    assert case.id not in listed(await avery.get("/portal/queues/escalated"))
