"""The registry's CSV files from the portal: an import all or nothing, a refused file named
by its line and column, and the export of each kind."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from api.routers.registry_csv import MAX_CSV_BYTES
from escalator import registry
from escalator.infra.settings import Settings
from tests.portal.conftest import Person, csrf
from tests.portal.registry_pages import (
    app_without_worker,
    changing_forms,
    element,
    error_beside,
    seed,
    trail,
)

CONTACTS = (
    "org,email,name,role,phone\r\n"
    "zeta,ann@zeta.test,Ann Alpha,primary,+1 303 555 0102\r\n"
    "omega,olga@omega.test,Olga Omega,backup,\r\n"
)
BAD_LINE_3 = (
    "org,email,name,role,phone\nzeta,ann@zeta.test,Ann,primary,\nzeta,not-an-address,Bad,other,\n"
)


@pytest.fixture
async def portal_app(engine: Engine, settings: Settings) -> AsyncIterator[FastAPI]:
    async for app in app_without_worker(engine, settings):
        yield app


async def upload(
    client: httpx.AsyncClient, token: str, kind: str, content: bytes
) -> httpx.Response:
    """The import form sent with a file of `content`."""
    return await client.post(
        "/portal/registry/import",
        data={"csrf_token": token, "kind": kind},
        files={"file": (f"{kind or 'registry'}.csv", content, "text/csv")},
    )


async def test_a_bad_line_is_named_and_the_file_changes_nothing(
    person: Person, engine: Engine
) -> None:
    seed(engine)
    mia = await person("mia", "manager")
    form = await mia.get("/portal/registry/import")
    assert form.status_code == 200, form.text
    token = csrf(form)
    refused = await upload(mia, token, "contacts", BAD_LINE_3.encode())
    assert refused.status_code == 422, refused.text
    assert error_beside(refused, "import-file") == (
        "line 3, column email: is not an e-mail address (name@domain.example)"
    )
    assert 'option value="contacts" selected' in refused.text, "the kind stays chosen"
    with Session(engine) as session:
        assert registry.list_contacts(session, "zeta") == [], "line 2 was not applied either"

    wrong_kind = await upload(mia, token, "systems", CONTACTS.encode())
    assert wrong_kind.status_code == 422
    assert error_beside(wrong_kind, "import-file").startswith(
        "line 1 (the header): this is the header of contacts; a systems file starts with host_id,"
    )
    latin = await upload(mia, token, "contacts", "org,é".encode("latin-1"))
    assert latin.status_code == 422 and "is not UTF-8 text" in error_beside(latin, "import-file")
    large = await upload(mia, token, "contacts", b"x" * (MAX_CSV_BYTES + 1))
    assert large.status_code == 413 and "may not exceed 5,000,000 bytes" in large.text
    no_kind = await upload(mia, token, "", CONTACTS.encode())
    assert no_kind.status_code == 422
    assert error_beside(no_kind, "import-kind") == "choose the kind of records the file holds"
    no_file = await mia.post(
        "/portal/registry/import", data={"csrf_token": token, "kind": "contacts"}
    )
    assert (
        no_file.status_code == 422 and error_beside(no_file, "import-file") == "choose a CSV file"
    )
    with Session(engine) as session:
        assert registry.list_contacts(session, "zeta") == []


async def test_an_import_says_what_it_did_and_the_trail_names_the_importer(
    person: Person, engine: Engine
) -> None:
    seed(engine)
    mia = await person("mia", "manager")
    token = csrf(await mia.get("/portal/registry/import"))
    imported = await upload(mia, token, "contacts", ("\ufeff" + CONTACTS).encode())
    assert imported.status_code == 303, imported.text
    location = imported.headers["location"]
    assert (
        location
        == "/portal/registry/import?imported=contacts&created=1&updated=1&unchanged=0#result"
    )
    result = await mia.get(location)
    assert element(result, "p", "result") == (
        "Imported contacts: 1 created, 1 updated, 0 unchanged."
    )
    again = await upload(mia, token, "contacts", CONTACTS.encode())
    assert "created=0&updated=0&unchanged=2" in again.headers["location"]
    with Session(engine) as session:
        olga = registry.list_contacts(session, "omega")
    assert [(c.email, c.name, c.role) for c in olga] == [
        ("olga@omega.test", "Olga Omega", "backup")
    ]
    zeta = await mia.get("/portal/orgs/zeta")
    assert trail(zeta)[0] == ("manager:mia", "created", "contact", "ann@zeta.test")
    # Numbers no import wrote say nothing.
    for forged in ("?imported=contacts&created=x&updated=1&unchanged=0", "?imported=nope"):
        shown = await mia.get("/portal/registry/import" + forged)
        assert shown.status_code == 200 and 'id="result"' not in shown.text


async def test_exports_for_managers_and_auditors_and_imports_for_managers_only(
    person: Person, engine: Engine
) -> None:
    seed(engine)
    ida = await person("ida", "auditor")
    files = await ida.get("/portal/registry/import")
    assert files.status_code == 200, files.text
    assert changing_forms(files) == [], "an auditor gets no import form"
    for kind in registry.CSV_KINDS:
        assert f'href="/portal/registry/{kind}.csv"' in files.text
    exported = await ida.get("/portal/registry/contacts.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == 'attachment; filename="contacts.csv"'
    assert exported.text == "org,email,name,role,phone\r\nomega,olga@omega.test,,primary,\r\n"
    organisations = await ida.get("/portal/registry/organisations.csv")
    assert "reseller,Reseller,partner,UTC,,,zeta\r\n" in organisations.text
    assert (await ida.get("/portal/registry/nothing.csv")).status_code == 404
    refused = await upload(ida, csrf(files), "contacts", CONTACTS.encode())
    assert refused.status_code == 403
    assert "Auditors read everything and change nothing." in refused.text
    unsigned = await upload((await person("mia", "manager")), "", "contacts", CONTACTS.encode())
    assert unsigned.status_code == 403 and "Form refused" in unsigned.text
    with Session(engine) as session:
        assert registry.list_contacts(session, "zeta") == []
    eve = await person("eve", "engineer")
    assert (await eve.get("/portal/registry/import")).status_code == 403
