"""Downloading a case's attachments: who may, and what the answer says of the file."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from escalator.infra.settings import Settings
from models.tables.intake import AttachmentRow
from tests.api.conftest import TokenFactory
from tests.api.test_email_intake import mail

RAW = {"Content-Type": "message/rfc822"}
QUOTED = 'Résumé "final".txt'
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))

pytestmark = pytest.mark.usefixtures("registry")  # the policy and contacts


@pytest.fixture
async def api(
    temporal_env: WorkflowEnvironment, worker: Worker, engine: Engine, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The API storing attachments of up to 1000 bytes with the case."""
    small = settings.model_copy(update={"attachment_max_bytes": 1000})
    app = create_app(small, engine=engine, client=temporal_env.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def open_by_mail(
    api: httpx.AsyncClient,
    tokens: TokenFactory,
    message_id: str,
    files: list[tuple[str, str, bytes]],
) -> dict[str, Any]:
    message = mail("Ada Admin <ada@acme.test>", "Camera stays dark", "Since Monday.", message_id)
    for filename, content_type, content in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    opened = await api.post(
        "/intake/email", content=message.as_bytes(), headers={**tokens("engineer"), **RAW}
    )
    assert opened.status_code == 201, opened.text
    case: dict[str, Any] = opened.json()
    return case


async def test_whoever_reads_the_case_downloads_its_files_as_attachments(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    case = await open_by_mail(
        api,
        tokens,
        "<files@acme.test>",
        [
            ("snapshot.png", "image/png", PNG),
            ("../../x", "text/html", b"<script>alert(1)</script>"),
            ('Résumé "final".txt', "text/plain", "über".encode("latin-1")),
            ("capture.pcap", "application/vnd.tcpdump.pcap", b"p" * 5000),
        ],
    )
    listed = {f["filename"]: f for f in case["attachments"]}
    base = f"/cases/{case['id']}/attachments"

    png = f"{base}/{listed['snapshot.png']['id']}"
    for reader in (tokens("partner", "acme"), tokens("auditor"), tokens("engineer")):
        answer = await api.get(png, headers=reader)
        assert answer.status_code == 200, answer.text
        assert answer.content == PNG
        assert answer.headers["content-type"] == "image/png"
        assert answer.headers["content-disposition"] == (
            "attachment; filename=\"snapshot.png\"; filename*=UTF-8''snapshot.png"
        )
        assert answer.headers["x-content-type-options"] == "nosniff"

    # A stored name that looks like a path is only a name: its last segment is suggested.
    html = await api.get(f"{base}/{listed['../../x']['id']}", headers=tokens("partner", "acme"))
    assert html.content == b"<script>alert(1)</script>"
    assert html.headers["content-type"] == "text/html"
    assert html.headers["content-disposition"] == "attachment; filename=\"x\"; filename*=UTF-8''x"

    # Non-ASCII and quotes: an ASCII fallback, the exact name in UTF-8 (RFC 6266, 8187);
    # text keeps its bytes, with no charset the API never read.
    named = await api.get(f"{base}/{listed[QUOTED]['id']}", headers=tokens("auditor"))
    assert named.content == "über".encode("latin-1")
    assert named.headers["content-type"] == "text/plain"
    assert named.headers["content-disposition"] == (
        'attachment; filename="R_sum_ _final_.txt"; '
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.txt"
    )

    # Over the size limit: listed as not stored, and served from the raw message it came in.
    assert listed["capture.pcap"]["stored"] is False
    big = await api.get(f"{base}/{listed['capture.pcap']['id']}", headers=tokens("engineer"))
    assert (big.status_code, big.content) == (200, b"p" * 5000)
    assert big.headers["content-type"] == "application/vnd.tcpdump.pcap"


async def test_another_organisation_or_case_or_id_is_404(
    api: httpx.AsyncClient, tokens: TokenFactory, session: Session
) -> None:
    case = await open_by_mail(api, tokens, "<a@acme.test>", [("a.log", "text/plain", b"a")])
    other = await open_by_mail(api, tokens, "<b@acme.test>", [("b.log", "text/plain", b"b")])
    (mine,) = case["attachments"]
    (theirs,) = other["attachments"]
    base = f"/cases/{case['id']}/attachments"

    # Another organisation's partner learns nothing: 404, as for a case that does not exist.
    hidden = await api.get(f"{base}/{mine['id']}", headers=tokens("partner", "globex"))
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    assert hidden.json()["detail"] == f"no case {case['id']!r}"
    engineer = tokens("engineer")
    # Another case's attachment through this case, an id nothing has, a case nobody has.
    assert (await api.get(f"{base}/{theirs['id']}", headers=engineer)).status_code == 404
    assert (await api.get(f"{base}/999999", headers=engineer)).status_code == 404
    # The largest id the column holds on PostgreSQL (INTEGER) is a 404; one more names the
    # field (it once reached the database there and was a 500).
    assert (await api.get(f"{base}/{2**31 - 1}", headers=engineer)).status_code == 404
    beyond = await api.get(f"{base}/{2**31}", headers=engineer)
    assert beyond.status_code == 422
    assert beyond.json()["errors"][0]["loc"] == ["path", "attachment_id"]
    nowhere = await api.get(f"/cases/case-none/attachments/{mine['id']}", headers=engineer)
    assert nowhere.status_code == 404
    # An id that is no attachment id names the field; no key is 401.
    wrong = await api.get(f"{base}/first", headers=engineer)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["loc"] == ["path", "attachment_id"]
    assert (await api.get(f"{base}/{2**70}", headers=engineer)).status_code == 422
    assert (await api.get(f"{base}/{mine['id']}")).status_code == 401
    # The stored row is what was served.
    row = session.exec(select(AttachmentRow).where(AttachmentRow.id == mine["id"])).one()
    assert row.case_id == case["id"]
