"""The policy pages: the list, one version line by line, the difference between two
versions, and who may read them."""

import html
import re

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from escalator import policy_store
from tests.portal.conftest import Person
from tests.portal.policy_texts import MINI, MINI_V2, line_of


def publish_mini(engine: Engine) -> None:
    with Session(engine) as session:
        policy_store.publish(session, MINI, "manager:mia")
        policy_store.publish(session, MINI_V2, "manager:max")


def row_of(page: httpx.Response, element_id: str) -> str:
    """The text of the table row with that id, unescaped."""
    found = re.search(rf'<tr id="{element_id}"[^>]*>(.*?)</tr>', page.text, re.S)
    assert found, f"no row {element_id}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


async def test_a_manager_lists_policies_and_reads_a_version_line_by_line(
    person: Person, engine: Engine
) -> None:
    publish_mini(engine)
    mia = await person("mia", "manager", time_zone="Asia/Tokyo")
    listed = await mia.get("/portal/policies")
    assert listed.status_code == 200, listed.text
    mini = row_of(listed, "policy-mini")
    assert "v2" in mini and "A small policy the portal tests publish and change." in mini
    assert "JST" in mini, "published at, in the viewer's time zone"
    assert "zsupport" in listed.text
    assert 'href="/portal/policies/draft"' in listed.text

    latest = await mia.get("/portal/policies/mini")
    assert latest.status_code == 200, latest.text
    assert "version 2" in latest.text and "manager:max" in latest.text
    first = await mia.get("/portal/policies/mini", params={"version": "1"})
    assert first.status_code == 200
    assert "version 1" in first.text and "manager:mia" in first.text
    number = line_of(MINI, "response: 3h}")
    assert "response: 3h}" in row_of(first, f"L{number}")
    assert f'href="#L{number}"' in first.text
    assert len(re.findall(r'<tr id="L\d+"', first.text)) == len(MINI.splitlines())
    # Every version listed, and a form that compares two of them.
    assert 'href="/portal/policies/mini?version=2"' in first.text
    assert 'action="/portal/policies/mini/diff"' in first.text

    for missing in (
        "/portal/policies/nothing",
        "/portal/policies/mini?version=3",
        "/portal/policies/mini?version=x",
    ):
        answer = await mia.get(missing)
        assert answer.status_code == 404, missing
        assert "Not found" in answer.text


async def test_the_difference_between_two_versions_and_a_wrong_version_number(
    person: Person, engine: Engine
) -> None:
    publish_mini(engine)
    mia = await person("mia", "manager")
    diff = await mia.get("/portal/policies/mini/diff", params={"a": "1", "b": "2"})
    assert diff.status_code == 200, diff.text
    changed = re.search(r'<li class="change change-changed">(.*?)</li>', diff.text, re.S)
    added = re.search(r'<li class="change change-added">(.*?)</li>', diff.text, re.S)
    assert changed and "tiers.first.response: 3h -&gt; 4h" in changed.group(1)
    assert added and "intake.fields.site" in added.group(1)
    assert "change-removed" not in diff.text
    same = await mia.get("/portal/policies/mini/diff", params={"a": "2", "b": "2"})
    assert same.status_code == 200 and 'id="no-changes"' in same.text

    wrong = await mia.get("/portal/policies/mini/diff", params={"a": "1", "b": "7"})
    assert wrong.status_code == 422
    assert '<li id="error-b">b: mini has no version 7 (it has 1, 2)</li>' in wrong.text
    nonsense = await mia.get("/portal/policies/mini/diff", params={"a": "one", "b": "2"})
    assert nonsense.status_code == 422 and 'id="error-a"' in nonsense.text
    unknown = await mia.get("/portal/policies/nothing/diff", params={"a": "1", "b": "2"})
    assert unknown.status_code == 404


async def test_auditors_read_policies_and_partners_and_engineers_do_not(
    person: Person, engine: Engine
) -> None:
    publish_mini(engine)
    ida = await person("ida", "auditor")
    reading = await ida.get("/portal/policies/mini")
    assert reading.status_code == 200
    listed = await ida.get("/portal/policies")
    assert listed.status_code == 200 and 'href="/portal/policies/draft"' not in listed.text
    for role, org in (("partner", "acme"), ("engineer", None)):
        someone = await person(f"{role}1", role, org=org)
        for path in ("/portal/policies", "/portal/policies/mini", "/portal/policies/mini/diff"):
            refused = await someone.get(path)
            assert refused.status_code == 403, (role, path)
            assert "Reading policies needs the manager or auditor role." in refused.text
