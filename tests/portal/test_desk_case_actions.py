"""A partner's controls on the case page: reply when the case waits on the customer (and a
reply when it does not: the case's reason, 409), add information, attach a file; each step
once per form, and who may not post them."""

import re

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from escalator import cases
from escalator.infra.settings import Settings
from models.case.steps import RequestInfo
from models.tables.intake import AttachmentRow
from tests.portal.conftest import Person, csrf, opened
from tests.portal.desk_rows import row_when


def hidden(page: httpx.Response, form_id: str) -> dict[str, str]:
    """The CSRF token and idempotency key of the form `form_id` on a page."""
    found = re.search(rf'id="{form_id}".*?name="form_key" value="([^"]+)"', page.text, re.S)
    assert found, page.text
    return {"csrf_token": csrf(page), "form_key": found[1]}


async def test_a_reply_to_a_case_waiting_on_the_customer_moves_it_on(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    ada = await person("ada", "partner", org="acme")

    page = await ada.get(f"/portal/cases/{case.id}")
    assert 'id="reply-form"' not in page.text and 'id="note-form"' in page.text
    early = await ada.post(
        f"/portal/cases/{case.id}/reply", data={**hidden(page, "note-form"), "message": "Hi"}
    )
    assert early.status_code == 409
    assert 'id="refusal">Refused: the case is not waiting on the customer (it is new)' in (
        early.text
    )

    asked = RequestInfo(
        actor="engineer:grace", fields=["serial_numbers"], message="Which serial numbers?"
    )
    await cases.apply_step(temporal_env.client, case.id, "request-info", asked, "staff", None)
    await row_when(temporal_env, engine, case.id, status="waiting_customer")

    page = await ada.get(f"/portal/cases/{case.id}")
    assert 'id="reply-form"' in page.text and 'id="note-form"' not in page.text
    assert 'name="fields.serial_numbers"' in page.text
    form = hidden(page, "reply-form")
    empty = await ada.post(f"/portal/cases/{case.id}/reply", data={**form, "message": " "})
    assert empty.status_code == 422 and 'id="f-message-error">is required' in empty.text

    data = {**form, "message": "Here they are.", "fields.serial_numbers": "B-1 / A-2"}
    sent = await ada.post(f"/portal/cases/{case.id}/reply", data=data)
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"/portal/cases/{case.id}"
    row = await row_when(temporal_env, engine, case.id, status="new")
    assert row.status == "new"  # back where it was before waiting
    live = await cases.read_case(temporal_env.client, case.id)
    assert "serial_numbers" not in live.missing_fields

    page = await ada.get(f"/portal/cases/{case.id}")
    assert "customer replied (gave serial_numbers): Here they are." in page.text


async def test_information_and_files_appear_in_the_timeline_once_per_form(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    ada = await person("ada", "partner", org="acme")
    page = await ada.get(f"/portal/cases/{case.id}")

    note = {**hidden(page, "note-form"), "text": "It happens on every greeting since Monday."}
    for _ in range(2):
        added = await ada.post(f"/portal/cases/{case.id}/note", data=note)
        assert added.status_code == 303, added.text

    attach = hidden(page, "attach-form")
    upload = {"file": ("greeting.wav", b"RIFF....WAVEfmt ", "audio/wav")}
    for _ in range(2):
        attached = await ada.post(f"/portal/cases/{case.id}/attach", data=attach, files=upload)
        assert attached.status_code == 303, attached.text

    page = await ada.get(f"/portal/cases/{case.id}")
    assert page.text.count("It happens on every greeting since Monday.") == 1
    assert page.text.count("attached a file: greeting.wav (16 bytes)") == 1
    with Session(engine) as session:
        (row,) = session.exec(select(AttachmentRow).where(AttachmentRow.case_id == case.id))
    download = await ada.get(f"/portal/cases/{case.id}/attachments/{row.id}")
    assert download.status_code == 200 and download.content == b"RIFF....WAVEfmt "
    assert download.headers["content-type"] == "audio/wav"

    nothing = await ada.post(f"/portal/cases/{case.id}/attach", data=hidden(page, "attach-form"))
    assert nothing.status_code == 422 and 'id="f-file-error">choose a file' in nothing.text


async def test_who_may_not_post_on_a_case(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings)
    ada = await person("ada", "partner", org="acme")
    page = await ada.get(f"/portal/cases/{case.id}")
    form = {**hidden(page, "note-form"), "text": "More"}

    unsigned = await ada.post(f"/portal/cases/{case.id}/note", data={"text": "More"})
    assert unsigned.status_code == 403 and "Form refused" in unsigned.text

    olga = await person("olga", "auditor")
    olga_page = await olga.get(f"/portal/cases/{case.id}")
    reply = {"csrf_token": csrf(olga_page), "form_key": form["form_key"], "message": "Hi"}
    refused = await olga.post(f"/portal/cases/{case.id}/reply", data=reply)
    assert refused.status_code == 403 and "Auditors read everything and change nothing" in (
        refused.text
    )

    gus = await person("gus", "partner", org="globex")
    gus_page = await gus.get("/portal/cases")
    theirs = await gus.post(
        f"/portal/cases/{case.id}/note", data={**form, "csrf_token": csrf(gus_page)}
    )
    missing = await gus.get("/portal/cases/case-does-not-exist")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text
