"""Input that cannot be stored or sent is a 422 naming the field, on every route and intake.

A NUL is refused by PostgreSQL (text and JSON), a control character in an address by
the relay, a line break in a subject by the mail header: accepted, they gave 500s or
cases whose activities failed on every retry.
"""

import base64
import re
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from api.app import create_app
from escalator.infra.settings import Settings
from models.tables.client_registry import AuthorisedContactRow
from models.tables.intake import InboundMessageRow
from tests.api.conftest import TokenFactory
from tests.api.test_alert_intake import MAXONY, alert, hook
from tests.api.test_cases_api import POLICY, intake
from tests.policies import store_policy_version

SPEC = create_app(Settings()).openapi()
# Every route of the app with a path segment or a query parameter (each operation of
# /openapi.json; /metrics, the one route it leaves out, has neither).
ROUTES = [
    (method.upper(), path, [(p["in"], p["name"]) for p in operation.get("parameters", [])])
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
    if any(p["in"] in ("path", "query") for p in operation.get("parameters", []))
]


@pytest.fixture(autouse=True)
def registry(session: Session) -> None:
    store_policy_version(session, "zsupport", POLICY)
    store_policy_version(session, "maxony", MAXONY)
    session.add(AuthorisedContactRow(org="acme", email="ada@acme.test", name="Ada Admin"))
    session.commit()


@pytest.fixture(autouse=True)
def as_engineer(api: httpx.AsyncClient, tokens: TokenFactory) -> None:
    api.headers.update(tokens("engineer"))


def errors(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 422, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    found: list[dict[str, Any]] = response.json()["errors"]
    return found


def locs(response: httpx.Response) -> list[list[str | int]]:
    return [error["loc"] for error in errors(response)]


@pytest.mark.parametrize(
    ("method", "path", "parameters"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
async def test_every_route_refuses_a_nul_in_a_path_segment_or_query_parameter(
    api: httpx.AsyncClient, method: str, path: str, parameters: list[tuple[str, str]]
) -> None:
    # Every query parameter the route declares, each holding a NUL.
    query = [name for where, name in parameters if where == "query"]
    if query:
        plain = re.sub(r"\{\w+\}", "case-x", path)
        answer = await api.request(method, plain, params={name: "a\x00b" for name in query})
        assert locs(answer) == [["query", name] for name in query]
    names = [name for where, name in parameters if where == "path"]
    if names:
        answer = await api.request(method, re.sub(r"\{\w+\}", "x%00y", path))
        assert locs(answer) == [["path", name] for name in names]
    assert len(ROUTES) >= 30


async def test_a_nul_in_any_body_string_is_refused_naming_it(api: httpx.AsyncClient) -> None:
    sent = intake(subject="Silent\x00greetings", fields={"software_version": "17\x00"})
    assert locs(await api.post("/cases", json=sent)) == [
        ["body", "subject"],
        ["body", "fields", "software_version"],
    ]
    assert locs(await api.post("/cases", json=intake(fields={"a\x00": "1"}))) == [
        ["body", "fields"]
    ]
    assert locs(await api.post("/cases", json=intake(org="ac\x00me"))) == [["body", "org"]]
    opened = await api.post("/cases", json=intake())
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    note = await api.post(f"/cases/{case_id}/add-note", json={"text": "see \x00 here"})
    assert locs(note) == [["body", "text"]]
    # No case was opened by the refused requests.
    assert len((await api.get("/cases")).json()["items"]) == 1


async def test_single_line_fields_refuse_line_breaks_and_text_keeps_them(
    api: httpx.AsyncClient,
) -> None:
    assert locs(await api.post("/cases", json=intake(subject="Silent\r\nBcc: x@y.test"))) == [
        ["body", "subject"]
    ]
    assert locs(await api.post("/cases", json=intake(org="acme\n"))) == [["body", "org"]]
    contact = {"name": "Ada\tAdmin", "email": "ada@acme.test"}
    assert locs(await api.post("/cases", json=intake(contact=contact))) == [
        ["body", "contact", "name"]
    ]
    text = "Since the upgrade:\n\tgreetings play silence.\r\n"
    opened = await api.post("/cases", json=intake(description=text))
    assert opened.status_code == 201, opened.text


@pytest.mark.parametrize(
    "email",
    ["ada@acme\x1d.test", "ada@acme..test", "ada@-acme.test", "ada@acme.test.", ".ada@acme.test"],
)
async def test_a_contact_email_that_cannot_be_sent_to_is_refused(
    api: httpx.AsyncClient, email: str
) -> None:
    contact = {"name": "Ada Admin", "email": email}
    assert locs(await api.post("/cases", json=intake(contact=contact))) == [
        ["body", "contact", "email"]
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"2099-01-01T00:00:00|x",
        b"2099-01-01T00:00:00+00:00|case-\x00",
        b"not a cursor",
        b"|",
        # Past what UTC holds: the database driver would raise converting it.
        b"9999-12-31T23:59:59-14:00|case-1",
    ],
)
async def test_a_malformed_or_naive_cursor_is_a_422_naming_it(
    api: httpx.AsyncClient, raw: bytes
) -> None:
    cursor = base64.urlsafe_b64encode(raw).decode()
    assert locs(await api.get("/cases", params={"cursor": cursor})) == [["query", "cursor"]]


async def test_alerts_with_control_characters_are_refused_naming_the_label(
    api: httpx.AsyncClient,
) -> None:
    nul = hook("firing", alert("firing", "n1", "critical", org="ac\x00me"))
    answer = await api.post("/intake/alerts", json=nul, params={"policy": "maxony"})
    assert locs(answer) == [["body", "alerts", 0, "labels", "org"]]
    broken = hook("firing", alert("firing", "n2", "critical", org="acme\n"))
    answer = await api.post("/intake/alerts", json=broken, params={"policy": "maxony"})
    assert locs(answer) == [["body", "alerts", 0, "labels", "org"]]
    answer = await api.post(
        "/intake/alerts",
        json=hook("firing", alert("firing", "n3", "critical")),
        params={"policy": "maxony", "org": "acme\r"},
    )
    assert locs(answer) == [["query", "org"]]
    # A multi-line summary is one line in the case's subject, not a refusal.
    multi = alert("firing", "n4", "critical", org="acme")
    multi["annotations"] = {"summary": "Disk on db1\nis 95% full"}
    answer = await api.post(
        "/intake/alerts", json=hook("firing", multi), params={"policy": "maxony"}
    )
    assert answer.status_code == 200, answer.text
    case = await api.get(f"/cases/{answer.json()['results'][0]['case_id']}")
    assert case.json()["subject"] == "[DiskFull] Disk on db1 is 95% full"


def _mail(subject: str, sender: str = "Ada Admin <ada@acme.test>", text: str = "Help") -> bytes:
    return (
        f"From: {sender}\r\nTo: support@zsupport.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash((subject, sender, text)))}@acme.test>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("raw", "part"),
    [
        (_mail("=?utf-8?q?Silent=00greetings?="), "Subject"),
        (_mail("Silent", sender="=?utf-8?q?Ada=1DAdmin?= <ada@acme.test>"), "From"),
        (_mail("Silent", text="Greetings\x00play silence"), "text"),
    ],
    ids=["nul-in-subject", "control-in-sender-name", "nul-in-text"],
)
async def test_mail_with_control_characters_is_kept_not_opened(
    api: httpx.AsyncClient, session: Session, raw: bytes, part: str
) -> None:
    answer = await api.post(
        "/intake/email", content=raw, headers={"content-type": "message/rfc822"}
    )
    assert answer.status_code == 202, answer.text
    kept = answer.json()
    assert kept["status"] == "kept" and part in kept["reason"], kept
    assert (await api.get("/cases")).json()["items"] == []
    rows = session.exec(select(InboundMessageRow)).all()
    assert [row.status for row in rows] == ["kept"]
