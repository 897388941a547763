"""Opening a case with the portal's form: built from the policy, the organisation always the
partner's own, files stored with the case, the charge notice before a case opens without
required information, one case for a form sent twice, files over the limit refused."""

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from escalator.infra.settings import Settings
from models.tables.core import CaseRow
from models.tables.intake import AttachmentRow
from tests.portal.conftest import Person, csrf

LIMIT = 1000
# Every field Z-Support requires at first contact, besides what subject, description and
# contact give.
COMPLETE = {
    "fields.serial_numbers": "board 1234, appliance 5678",
    "fields.software_version": "17.0.4",
    "fields.internal_ticket_number": "ACME-99",
    "contact.phone": "+1 555 0100",
}
Files = list[tuple[str, tuple[str, bytes, str]]]


@pytest.fixture
def settings(read_model_url: str) -> Settings:
    return Settings(
        database_url=read_model_url,
        task_queue=f"test-{uuid.uuid4().hex[:8]}",
        smtp_host="",
        attachment_max_bytes=LIMIT,
    )


async def the_form(browser: httpx.AsyncClient) -> dict[str, str]:
    """The hidden fields of the new-case form: its CSRF token, key and policy."""
    form = await browser.get("/portal/cases/new")
    assert form.status_code == 200, form.text
    key = re.search(r'name="form_key" value="([^"]+)"', form.text)
    assert key, form.text
    return {"csrf_token": csrf(form), "form_key": key[1], "policy": "zsupport"}


def body(hidden: dict[str, str], **fields: str) -> dict[str, str]:
    return {
        **hidden,
        "subject": "Voicemail greetings are silent",
        "description": "Since the upgrade, greetings play silence.",
        "plan": "managed",
        "severity": "standard",
        "contact.name": "Ada Admin",
        "contact.email": "ada@acme.test",
        **fields,
    }


async def send(
    browser: httpx.AsyncClient, data: dict[str, str], files: Files | None = None
) -> httpx.Response:
    # An empty file input still sends its part: a browser's multipart, not a urlencoded form.
    parts: Any = files or [("files", ("", b"", "application/octet-stream"))]
    return await browser.post("/portal/cases/new", data=data, files=parts)


def case_rows(engine: Engine) -> list[CaseRow]:
    with Session(engine) as session:
        return list(session.exec(select(CaseRow)))


async def test_a_partner_opens_a_case_for_its_own_organisation_with_files(
    person: Person, engine: Engine
) -> None:
    ada = await person("ada", "partner", org="acme", time_zone="Europe/Rome")
    form = await ada.get("/portal/cases/new")
    # The form is the policy's: its plans, severities and required fields with their help.
    assert 'name="plan"' in form.text and "Managed services (Mountain time)" in form.text
    assert 'name="fields.serial_numbers"' in form.text and "Serial numbers" in form.text
    assert 'value="ada@acme.test"' in form.text  # the contact, from the account
    assert 'name="org"' not in form.text and 'id="org-fixed">acme<' in form.text

    hidden = await the_form(ada)
    files: Files = [
        ("files", ("trace.log", b"INVITE sip:100@pbx\n", "text/plain")),
        ("files", ("photo.png", b"\x89PNG fake bytes", "image/png")),
    ]
    sent = await send(ada, body(hidden, org="globex", **COMPLETE), files)
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    case_id = location.rsplit("/", 1)[1]
    assert location == f"/portal/cases/{case_id}"

    page = await ada.get(location)
    assert page.status_code == 200
    (row,) = case_rows(engine)
    assert row.id == case_id and row.org == "acme" and row.channel == "portal"
    assert row.ticket_number and row.ticket_number in page.text
    assert "Missing information" not in page.text  # nothing was missing, nothing charged

    with Session(engine) as session:
        stored = session.exec(select(AttachmentRow).where(AttachmentRow.case_id == case_id))
        by_name = {a.filename: a for a in stored}
    assert set(by_name) == {"trace.log", "photo.png"}
    link = f"/portal/cases/{case_id}/attachments/{by_name['trace.log'].id}"
    assert f'href="{link}"' in page.text
    download = await ada.get(link)
    assert download.status_code == 200
    assert download.content == b"INVITE sip:100@pbx\n"
    assert download.headers["content-type"] == "text/plain"
    assert download.headers["content-disposition"].startswith('attachment; filename="trace.log"')
    assert download.headers["x-content-type-options"] == "nosniff"

    gus = await person("gus", "partner", org="globex")
    theirs = await gus.get(link)
    missing = await gus.get(f"/portal/cases/{case_id}/attachments/999999")
    assert theirs.status_code == missing.status_code == 404
    assert (await ada.get(f"/portal/cases/{case_id}/attachments/nope")).status_code == 404


async def test_the_charge_notice_comes_first_and_only_send_anyway_opens_the_case(
    person: Person, engine: Engine
) -> None:
    ada = await person("ada", "partner", org="acme")
    hidden = await the_form(ada)
    given = {k: v for k, v in COMPLETE.items() if k != "fields.serial_numbers"}
    first = await send(ada, body(hidden, **{**given, "contact.phone": ""}))
    assert first.status_code == 200, first.text
    assert 'id="charge-notice"' in first.text and "100 USD per occurrence" in first.text
    assert 'data-missing="serial_numbers"' in first.text
    assert 'data-missing="contact_phone"' in first.text
    assert 'name="send_anyway"' in first.text
    assert "Voicemail greetings are silent" in first.text  # what was typed is kept
    assert case_rows(engine) == []

    anyway = await send(ada, body(hidden, **{**given, "contact.phone": "", "send_anyway": "yes"}))
    assert anyway.status_code == 303, anyway.text
    page = await ada.get(anyway.headers["location"])
    assert "Missing information: contact_phone, serial_numbers" in page.text


async def test_a_form_sent_twice_opens_one_case(person: Person, engine: Engine) -> None:
    grace = await person("grace", "engineer")
    form = await grace.get("/portal/cases/new")
    assert 'name="org"' in form.text  # an engineer opens cases for a customer
    hidden = await the_form(grace)
    data = body(hidden, org="acme", **COMPLETE)
    files: Files = [("files", ("trace.log", b"same bytes", "text/plain"))]
    first = await send(grace, data, files)
    second = await send(grace, data, files)
    assert first.status_code == second.status_code == 303, second.text
    assert first.headers["location"] == second.headers["location"]
    assert len(case_rows(engine)) == 1
    with Session(engine) as session:
        assert len(list(session.exec(select(AttachmentRow)))) == 1

    # The same key with something else in the form: not a second case by accident.
    changed = await send(grace, {**data, "subject": "Another problem"})
    assert changed.status_code == 409 and 'id="opened-before"' in changed.text
    assert len(case_rows(engine)) == 1


async def test_wrong_forms_are_refused_by_the_field(person: Person, engine: Engine) -> None:
    ada = await person("ada", "partner", org="acme")
    hidden = await the_form(ada)
    big: Files = [("files", ("dump.pcap", b"x" * (LIMIT + 1), "application/vnd.tcpdump.pcap"))]
    too_large = await send(ada, body(hidden, **COMPLETE), big)
    assert too_large.status_code == 422
    assert re.search(r'id="f-files-error">dump.pcap is larger than 1000 bytes', too_large.text)

    many: Files = [("files", (f"{n}.txt", b"x", "text/plain")) for n in range(21)]
    too_many = await send(ada, body(hidden, **COMPLETE), many)
    assert too_many.status_code == 422
    assert 'id="f-files-error">at most 20 files at once' in too_many.text

    no_plan = await send(ada, body(hidden, plan="gold", **COMPLETE))
    assert no_plan.status_code == 422
    assert 'id="f-plan-error">policy &#39;zsupport&#39; has no plan &#39;gold&#39;' in no_plan.text

    empty = await send(ada, body(hidden, subject=" ", **{"contact.email": "not-an-address"}))
    assert empty.status_code == 422
    assert 'id="f-subject-error">is required' in empty.text
    assert 'id="f-contact-email-error">' in empty.text
    assert case_rows(engine) == []

    unsigned = await send(ada, {k: v for k, v in body(hidden).items() if k != "csrf_token"})
    assert unsigned.status_code == 403 and "Form refused" in unsigned.text

    olga = await person("olga", "auditor")
    refused = await olga.get("/portal/cases/new")
    assert refused.status_code == 403 and "Auditors read everything" in refused.text
