"""Checking a policy draft (every problem beside its line) and publishing it once."""

import html
import re

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from api.routers.policies import MAX_POLICY_BYTES
from escalator import policy_store
from tests.portal.conftest import Person, csrf
from tests.portal.policy_texts import BROKEN, MINI, MINI_V2, line_of
from tests.portal.test_manage_policies import row_of

NO_FILE = {"file": ("", b"", "application/octet-stream")}


async def check(
    client: httpx.AsyncClient, text: str = "", upload: bytes | None = None
) -> httpx.Response:
    form = await client.get("/portal/policies/draft")
    assert form.status_code == 200, form.text
    files = NO_FILE if upload is None else {"file": ("mini.yaml", upload, "application/yaml")}
    return await client.post(
        "/portal/policies/draft", data={"csrf_token": csrf(form), "text": text}, files=files
    )


def hidden_text(page: httpx.Response) -> str:
    found = re.search(r'<input type="hidden" name="text" value="([^"]*)">', page.text)
    assert found, page.text
    return html.unescape(found.group(1))


def versions(engine: Engine, name: str) -> list[int]:
    with Session(engine) as session:
        return policy_store.versions(session, name)


async def test_a_broken_draft_shows_every_problem_beside_its_line(person: Person) -> None:
    mia = await person("mia", "manager")
    answer = await check(mia, BROKEN)
    assert answer.status_code == 422, answer.text
    assert "3 problems: not valid" in answer.text
    expected = {
        "calendar: nowhere": 'plans.gold.calendar : unknown calendar "nowhere" (known: always,',
        "response: 3 hours": 'tiers.0.response : "3 hours" is not a duration',
        "level: two": 'tiers.1.level : "two": input should be a valid integer',
    }
    for fragment, problem in expected.items():
        number = line_of(BROKEN, fragment)
        row = " ".join(row_of(answer, f"L{number}").split())
        assert fragment in row and problem in row, (number, row)
        assert f'<a href="#L{number}">line {number}</a>' in answer.text
    assert answer.text.count('class="issue"') == 3
    # The draft stays in the textarea, to be fixed and checked again.
    assert "calendar: nowhere" in answer.text.split('id="draft-text"')[1]

    # A problem with no line (anchors that expand beyond any policy) is listed at the top.
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    unplaced = await check(mia, "\n".join(bomb) + "\n")
    assert unplaced.status_code == 422
    top = unplaced.text.split('class="issues-unplaced"')[1].split("</ul>")[0]
    assert "the document is too large once anchors are expanded" in top
    assert 'class="issue"' not in unplaced.text.split('class="source"')[1]


async def test_a_valid_draft_publishes_once(person: Person, engine: Engine) -> None:
    mia = await person("mia", "manager")
    valid = await check(mia, upload=MINI.encode())
    assert valid.status_code == 200, valid.text
    assert "Valid" in valid.text and "mini version 1" in valid.text
    text = hidden_text(valid)
    assert text == MINI
    token = csrf(valid)
    for outcome in ("new", "same"):
        published = await mia.post(
            "/portal/policies/publish", data={"csrf_token": token, "text": text}
        )
        assert published.status_code == 303, published.text
        assert (
            published.headers["location"] == f"/portal/policies/mini?version=1&published={outcome}"
        )
    assert versions(engine, "mini") == [1]
    shown = await mia.get("/portal/policies/mini?version=1&published=same")
    assert "Nothing was published: the draft is identical to this version." in shown.text
    assert "manager:mia" in shown.text

    # The identical text again: nothing to publish. The next version, pasted (CRLF, as a
    # browser sends a textarea): its changes, then version 2.
    again = await check(mia, MINI)
    assert again.status_code == 200 and "publishing it adds no version" in again.text
    assert 'action="/portal/policies/publish"' not in again.text
    second = await check(mia, MINI_V2.replace("\n", "\r\n"))
    assert second.status_code == 200, second.text
    assert "mini version 2" in second.text
    assert "tiers.first.response: 3h -&gt; 4h" in second.text
    published = await mia.post(
        "/portal/policies/publish", data={"csrf_token": csrf(second), "text": hidden_text(second)}
    )
    assert published.headers["location"] == "/portal/policies/mini?version=2&published=new"
    with Session(engine) as session:
        row = policy_store.get(session, "mini", 2)
        assert row is not None and row.source == MINI_V2 and row.published_by == "manager:mia"


async def test_drafts_that_cannot_be_checked_name_their_field(
    person: Person, engine: Engine
) -> None:
    mia = await person("mia", "manager")
    empty = await check(mia, "  \n")
    assert empty.status_code == 422 and "text: paste a policy or choose a file" in empty.text
    large = await check(mia, "#" * (MAX_POLICY_BYTES + 1))
    assert (
        large.status_code == 413
        and "text: a policy file may not exceed 1,000,000 bytes" in large.text
    )
    latin = await check(mia, upload="name: caf\u00e9".encode("latin-1"))
    assert latin.status_code == 422 and "file: is not UTF-8 text" in latin.text
    control = await check(mia, "name: mini\x07\n")
    assert (
        control.status_code == 422
        and "text: may not contain the control character U+0007" in control.text
    )
    # A tampered publish is checked again: its problems, nothing stored.
    form = await mia.get("/portal/policies/draft")
    broken = await mia.post(
        "/portal/policies/publish", data={"csrf_token": csrf(form), "text": BROKEN}
    )
    assert broken.status_code == 422 and "3 problems" in broken.text
    unsigned = await mia.post("/portal/policies/publish", data={"text": MINI})
    assert unsigned.status_code == 403 and "Form refused" in unsigned.text
    assert versions(engine, "mini") == []


async def test_an_auditor_reads_but_neither_checks_nor_publishes(
    person: Person, engine: Engine
) -> None:
    ida = await person("ida", "auditor")
    listed = await ida.get("/portal/policies")
    token = csrf(listed)
    refused = [
        await ida.get("/portal/policies/draft"),
        await ida.post(
            "/portal/policies/draft", data={"csrf_token": token, "text": MINI}, files=NO_FILE
        ),
        await ida.post("/portal/policies/publish", data={"csrf_token": token, "text": MINI}),
    ]
    for answer in refused:
        assert answer.status_code == 403
        assert "Auditors read everything and change nothing." in answer.text
    assert versions(engine, "mini") == []
    engineer = await person("eve", "engineer")
    assert (await engineer.get("/portal/policies/draft")).status_code == 403
