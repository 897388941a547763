"""What the registry pages' tests share: a registry to start from (made through the service,
as any door would), and reading the pages' forms, errors and change trail."""

import html
import re
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from escalator import registry
from escalator.infra.settings import Settings
from escalator.registry.inputs import NewContact, NewOrganisation

# Every form the pages post to changes something, unlike the sign-out form every page has.
CHANGING_FORM = re.compile(r'<form method="post" action="(?!/sign-out)[^"]*"')


async def app_without_worker(engine: Engine, settings: Settings) -> AsyncIterator[FastAPI]:
    """The app on its database, its Temporal client lazy: no registry page calls Temporal."""
    app = create_app(settings, engine=engine)
    async with app.router.lifespan_context(app):
        yield app


def seed(engine: Engine) -> None:
    """A client with a contact, a partner acting for it, and another client."""
    with Session(engine) as session, registry.editing(session, "cli:setup") as edit:
        registry.create_organisation(
            edit, NewOrganisation(id="zeta", name="Zeta Corp", time_zone="America/Denver")
        )
        registry.create_organisation(edit, NewOrganisation(id="omega", name="Omega Ltd"))
        registry.create_organisation(
            edit, NewOrganisation(id="reseller", name="Reseller", kind="partner", clients=["zeta"])
        )
        registry.add_contact(edit, "omega", NewContact(email="olga@omega.test", role="primary"))


def text_of(fragment: str) -> str:
    """What a person reads of an HTML fragment: no tags, entities unescaped, spaces squeezed."""
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    return re.sub(r" ([.,:;])", r"\1", text)


def element(page: httpx.Response, tag: str, element_id: str) -> str:
    """The text of the element `<tag id="element_id">` (not nested in one of its own tag)."""
    found = re.search(rf'<{tag}[^>]* id="{element_id}"[^>]*>(.*?)</{tag}>', page.text, re.S)
    assert found, f"no <{tag} id={element_id!r}> in the page"
    return text_of(found.group(1))


def error_beside(page: httpx.Response, input_id: str) -> str:
    """The error shown beside an input, which names it (aria-describedby) as invalid."""
    assert re.search(
        rf'id="{input_id}"[^>]*aria-describedby="[^"]*{input_id}-error"[^>]*aria-invalid="true"',
        page.text,
    ), f"the input {input_id} is not marked invalid"
    return element(page, "p", f"{input_id}-error")


TRAIL_ENTRY = re.compile(
    r'<li class="entry" id="(change-\d+)">\s*<p><span class="actor">(.*?)</span> '
    r'<span class="action[^"]*">(.*?)</span>\s*the <span class="entity">(.*?)</span> '
    r'<strong class="subject text">(.*?)</strong>, <time datetime="([^"]+)">',
    re.S,
)


def trail(page: httpx.Response) -> list[tuple[str, str, str, str]]:
    """The change trail's entries, newest first: (actor, action, entity, subject)."""
    entries = TRAIL_ENTRY.findall(page.text)
    assert len(entries) == page.text.count('<li class="entry"'), "every entry read"
    return [tuple(text_of(part) for part in entry[1:5]) for entry in entries]  # type: ignore[misc]


def trail_ids(page: httpx.Response) -> list[str]:
    """The ids of the trail's entries (`change-12`), newest first."""
    return [entry[0] for entry in TRAIL_ENTRY.findall(page.text)]


def changing_forms(page: httpx.Response) -> list[str]:
    return CHANGING_FORM.findall(page.text)
