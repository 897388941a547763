"""The credits page on SQLite and PostgreSQL (its filters are the service's queries): a partner
requests an eligible credit, a manager approves one and declines another (not without a
reason), each decision shown with who and when; auditors see every credit and no form;
another organisation's credit is the not-found page; a form without its token is refused."""

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from escalator.infra.settings import Settings
from tests.api.credit_cases import COMPUTATION, breached, settled
from tests.portal.conftest import Person, csrf
from tests.portal.credit_pages import (
    APRIL,
    clients,
    credit_item,
    credit_text,
    earn,
    forms_of,
    listed_ids,
    requested,
    row,
)
from tests.portal.registry_pages import app_without_worker, changing_forms, element

A, B, C, D, G = (f"case-{x}:restoration" for x in "abcdg")
LIST = "/portal/credits"


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


@pytest.fixture
async def portal_app(engine: Engine, settings: Settings) -> AsyncIterator[FastAPI]:
    """No workflow: the credits are projected as a case's would be."""
    async for app in app_without_worker(engine, settings):
        yield app


@pytest.fixture
def april(engine: Engine) -> None:
    """acme's April: 14.58 USD eligible (a), 20.00 and 5.00 requested (b, c), one accruing (d);
    globex's 7.00 USD eligible (g)."""
    clients(engine)
    earn(engine, "case-a", settled())
    earn(engine, "case-b", settled("20.00", computation="a fixed 20.00 USD"))
    earn(engine, "case-c", settled("5.00", computation="a fixed 5.00 USD"))
    earn(engine, "case-d", breached())
    earn(engine, "case-g", settled("7.00", computation="a fixed 7.00 USD"), org="globex")
    requested(engine, B)
    requested(engine, C)


def back(page_csrf: str, **filters: str) -> dict[str, str]:
    """A credit form as the list renders it: its token, and the list's filters to come back to."""
    return {"csrf_token": page_csrf, "back": "credits", "org": "", "state": "", **filters}


def action(credit_id: str, step: str) -> str:
    return f"{LIST}/{credit_id.replace(':', '%3A')}/{step}"


def decided_recently(fragment: str) -> None:
    """Every instant the credit shows (earned, requested, decided) is machine-readable; the
    last one is the decision, just now."""
    instants = re.findall(r'<time datetime="([^"]+)">', fragment)
    assert datetime.now(UTC) - datetime.fromisoformat(instants[-1]) < timedelta(minutes=5)


@pytest.mark.usefixtures("april")
async def test_a_partner_requests_an_eligible_credit_from_the_credits_page(
    person: Person, engine: Engine
) -> None:
    ada = await person("ada", "partner", org="acme", time_zone="America/Denver")
    now = await ada.get(LIST)
    assert now.status_code == 200, now.text
    # This month where the partner is, by default: April 2027 has not come.
    here = f"{datetime.now(ZoneInfo('America/Denver')):%Y-%m}"
    assert f'name="month" type="month" value="{here}"' in now.text
    assert listed_ids(now) == []

    listing = await ada.get(LIST, params={"month": APRIL})
    assert listed_ids(listing) == [A, B, C, D]  # globex's is not acme's
    eligible = credit_text(listing, A)
    assert "ZS-case-a" in eligible and "14.58 USD" in eligible and COMPUTATION in eligible
    assert forms_of(credit_item(listing, A)) == [action(A, "request")]
    assert "Requested by engineer:eve" in credit_text(listing, B)
    assert forms_of(credit_item(listing, B)) == []
    assert "accruing until the service is restored" in credit_text(listing, D)
    assert forms_of(credit_item(listing, D)) == []
    assert 'href="/portal/cases/case-a"' in credit_item(listing, A)

    sent = await ada.post(action(A, "request"), data=back(csrf(listing), month=APRIL))
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"{LIST}?month={APRIL}&done=requested#credit-{A}"
    after = await ada.get(sent.headers["location"])
    assert "The credit is requested" in element(after, "p", "notice")
    shown = credit_text(after, A)
    assert "requested" in shown and "Requested by partner:ada" in shown
    decided_recently(credit_item(after, A))
    assert forms_of(credit_item(after, A)) == []
    assert (row(engine, A).state, row(engine, A).requested_by) == ("requested", "partner:ada")

    # Sent twice (another tab): the credit is requested already; the page says so.
    again = await ada.post(action(A, "request"), data=back(csrf(listing), month=APRIL))
    assert again.status_code == 409
    assert element(again, "p", "refusal").startswith(
        f"Refused: credit {A} is requested (it was requested by partner:ada at"
    )
    assert "only a credit that is eligible can be requested" in again.text


@pytest.mark.usefixtures("april")
async def test_a_manager_approves_one_credit_and_declines_another_with_a_reason(
    person: Person, engine: Engine
) -> None:
    mia = await person("mia", "manager")
    waiting = await mia.get(LIST, params={"month": APRIL, "state": "requested"})
    assert listed_ids(waiting) == [B, C]
    assert forms_of(credit_item(waiting, B)) == [action(B, "approve"), action(B, "decline")]
    token = csrf(waiting)
    filters = {"month": APRIL, "state": "requested"}

    approve = await mia.post(action(B, "approve"), data=back(token, **filters))
    assert approve.status_code == 303, approve.text
    assert approve.headers["location"] == (
        f"{LIST}?month={APRIL}&state=requested&done=approved#credit-{B}"
    )
    # A decline says why: a blank reason is refused beside its field, nothing changes.
    blank = await mia.post(action(C, "decline"), data={**back(token, **filters), "reason": "  "})
    assert blank.status_code == 422
    assert element(blank, "p", "form-errors").startswith("Nothing was changed")
    assert f'href="#credit-{C}"' in blank.text
    item = credit_item(blank, C)
    assert re.search(r'<details class="edit" open>', item)
    field = re.search(r'<textarea id="(reason-\d+)"[^>]*>', item)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert f'aria-describedby="{field.group(1)}-error"' in field.group(0)
    assert element(blank, "p", f"{field.group(1)}-error") == "say why the credit is declined"
    assert row(engine, C).state == "requested"
    for reason, message in (("x" * 1001, "is at most 1000 characters"), ("a\x07b", "U+0007")):
        wrong = await mia.post(
            action(C, "decline"), data={**back(token, **filters), "reason": reason}
        )
        assert wrong.status_code == 422 and message in credit_text(wrong, C)
    assert row(engine, C).state == "requested"

    why = "The outage was caused by the client's own firewall."
    decline = await mia.post(action(C, "decline"), data={**back(token, **filters), "reason": why})
    assert decline.status_code == 303, decline.text
    assert "done=declined" in decline.headers["location"]

    decided = await mia.get(LIST, params={"month": APRIL})
    assert listed_ids(decided) == [A, B, C, D, G]
    approved = credit_text(decided, B)
    assert "approved" in approved and "Approved by manager:mia" in approved
    assert "Requested by engineer:eve" in approved
    decided_recently(credit_item(decided, B))
    refused = credit_text(decided, C)
    assert "Declined by manager:mia" in refused and f"Why declined: {why}" in refused
    for credit_id in (A, B, C):  # managers decide requested credits only, and do not request
        assert forms_of(credit_item(decided, credit_id)) == []
    assert (row(engine, B).state, row(engine, B).decided_by) == ("approved", "manager:mia")
    assert (row(engine, C).state, row(engine, C).decline_reason) == ("declined", why)

    # Approving the declined one: the page again, 409, naming its state.
    late = await mia.post(action(C, "approve"), data=back(token, month=APRIL))
    assert late.status_code == 409
    assert f"credit {C} is declined (it was declined by manager:mia at" in late.text


@pytest.mark.usefixtures("april")
async def test_an_auditor_sees_every_credit_and_no_form_and_its_posts_get_the_403_page(
    person: Person, engine: Engine
) -> None:
    ida = await person("ida", "auditor")
    everything = await ida.get(LIST, params={"month": ""})
    assert everything.status_code == 200
    assert listed_ids(everything) == [A, B, C, D, G]
    assert changing_forms(everything) == []
    token = csrf(everything)
    for credit_id, step in ((A, "request"), (B, "approve"), (C, "decline")):
        sent = await ida.post(action(credit_id, step), data={**back(token), "reason": "no"})
        assert sent.status_code == 403
        assert "Auditors read everything and change nothing." in sent.text
    assert [row(engine, i).state for i in (A, B, C)] == ["eligible", "requested", "requested"]


@pytest.mark.usefixtures("april")
async def test_each_role_may_take_its_own_steps_only(person: Person, engine: Engine) -> None:
    eve = await person("eve", "engineer")
    listing = await eve.get(LIST, params={"month": APRIL, "org": "acme"})
    assert listed_ids(listing) == [A, B, C, D]
    # Engineers request on the client's behalf, and decide nothing.
    assert forms_of(credit_item(listing, A)) == [action(A, "request")]
    assert forms_of(credit_item(listing, B)) == []
    token = csrf(listing)
    refused = await eve.post(action(B, "approve"), data=back(token))
    assert refused.status_code == 403
    assert "Approving or declining credits needs the manager role." in refused.text
    mia = await person("mia", "manager")
    manager = await mia.post(action(A, "request"), data=back(csrf(await mia.get(LIST))))
    assert manager.status_code == 403
    assert "Requesting a credit needs the partner or engineer role." in manager.text
    assert (row(engine, A).state, row(engine, B).state) == ("eligible", "requested")


@pytest.mark.usefixtures("april")
async def test_another_organisation_s_credit_is_the_not_found_page(
    person: Person, engine: Engine
) -> None:
    gus = await person("gus", "partner", org="globex")
    own = await gus.get(LIST, params={"month": APRIL})
    assert listed_ids(own) == [G]
    assert listed_ids(await gus.get(LIST, params={"month": APRIL, "org": "acme"})) == []
    token = csrf(own)
    theirs = await gus.post(action(A, "request"), data=back(token))
    missing = await gus.post(action("case-z:restoration", "request"), data=back(token))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text and "Not found" in theirs.text
    assert row(engine, A).state == "eligible"


@pytest.mark.usefixtures("april")
async def test_a_form_without_its_token_is_refused(person: Person, engine: Engine) -> None:
    ada = await person("ada", "partner", org="acme")
    for data in ({"back": "credits"}, {"back": "credits", "csrf_token": "forged"}):
        sent = await ada.post(action(A, "request"), data=data)
        assert sent.status_code == 403
        assert "Form refused" in sent.text
    mia = await person("mia", "manager")
    sent = await mia.post(action(C, "decline"), data={"reason": "no token"})
    assert (sent.status_code, "Form refused" in sent.text) == (403, True)
    assert (row(engine, A).state, row(engine, C).state) == ("eligible", "requested")


@pytest.mark.usefixtures("april")
async def test_filters_are_checked_and_shown_beside_their_fields(person: Person) -> None:
    mia = await person("mia", "manager")
    for params, field, message in (
        ({"month": "2027-4"}, "month", "must be a month as YYYY-MM"),
        ({"state": "paid"}, "state", "must be one of accruing, no_amount, eligible"),
        ({"org": "a/b"}, "org", "is not an organisation id"),
    ):
        bad = await mia.get(LIST, params=params)
        assert bad.status_code == 422
        assert message in element(bad, "p", f"credit-{field}-error")
        assert re.search(rf'id="credit-{field}"[^>]*aria-invalid="true"', bad.text)
        assert listed_ids(bad) == []
    eligible = await mia.get(LIST, params={"month": APRIL, "state": "eligible"})
    assert listed_ids(eligible) == [A, G]
    globex = await mia.get(LIST, params={"month": APRIL, "org": "globex"})
    assert listed_ids(globex) == [G]
    assert 'href="/portal/reports/credits?month=2027-04"' in globex.text
    # A partner without clients has no organisation to choose.
    ada = await person("ada", "partner", org="acme")
    assert 'id="credit-org"' not in (await ada.get(LIST)).text
