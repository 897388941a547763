"""The list of organisations: searched by id or name in any case (LIKE's wildcards match
themselves), with counts of contacts and systems, a page at a time; on SQLite and
PostgreSQL, whose text matching differs."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from escalator import registry
from escalator.infra.settings import Settings
from escalator.registry.inputs import NewContact, NewOrganisation, NewSystem
from tests.portal.conftest import Person
from tests.portal.registry_pages import app_without_worker, element, error_beside, seed


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


@pytest.fixture
async def portal_app(engine: Engine, settings: Settings) -> AsyncIterator[FastAPI]:
    async for app in app_without_worker(engine, settings):
        yield app


def listed(page: httpx.Response) -> list[str]:
    """The ids the list shows, in order."""
    return re.findall(r'<tr id="org-([^"]+)">', page.text)


async def test_the_list_searches_ids_and_names_and_counts_records(
    person: Person, engine: Engine
) -> None:
    seed(engine)
    with Session(engine) as session, registry.editing(session, "cli:setup") as edit:
        registry.create_organisation(edit, NewOrganisation(id="tele-1", name="100% Tele_com"))
        registry.create_organisation(edit, NewOrganisation(id="tele-2", name="1000 Telecoms"))
        for email in ("a@zeta.test", "b@zeta.test"):
            registry.add_contact(edit, "zeta", NewContact(email=email))
        registry.add_system(edit, "zeta", NewSystem(host_id="ZX-1"))
    mia = await person("mia", "manager")
    everything = await mia.get("/portal/orgs")
    assert everything.status_code == 200, everything.text
    assert listed(everything) == ["omega", "reseller", "tele-1", "tele-2", "zeta"]
    assert element(everything, "tr", "org-zeta") == "zeta Zeta Corp client America/Denver 2 1"
    assert element(everything, "tr", "org-omega") == "omega Omega Ltd client UTC 1 0"

    for q, ids in (
        ("ZETA", ["zeta"]),  # the id and the name, in any case
        ("corp", ["zeta"]),
        ("e", ["omega", "reseller", "tele-1", "tele-2", "zeta"]),
        ("0%", ["tele-1"]),  # "%" matches itself, not anything
        ("e_c", ["tele-1"]),  # and "_" itself, not any character
        ("nobody", []),
    ):
        found = await mia.get("/portal/orgs", params={"q": q})
        assert found.status_code == 200, q
        assert listed(found) == ids, q
    none = await mia.get("/portal/orgs", params={"q": "nobody"})
    assert element(none, "p", "no-orgs") == "No organisation's id or name holds “nobody”."
    long = await mia.get("/portal/orgs", params={"q": "x" * 201})
    assert long.status_code == 422 and error_beside(long, "q") == "is at most 200 characters"


async def test_the_list_pages_by_id(person: Person, engine: Engine) -> None:
    with Session(engine) as session, registry.editing(session, "cli:setup") as edit:
        for number in range(101):
            registry.create_organisation(
                edit, NewOrganisation(id=f"org-{number:03d}", name=f"Client {number}")
            )
    ida = await person("ida", "auditor")
    first = await ida.get("/portal/orgs")
    assert listed(first) == [f"org-{n:03d}" for n in range(100)]
    link = re.search(r'<a href="([^"]+)" rel="next" id="next-page">', first.text)
    assert link, "a next page"
    second = await ida.get(link.group(1).replace("&amp;", "&"))
    assert listed(second) == ["org-100"] and 'id="next-page"' not in second.text
