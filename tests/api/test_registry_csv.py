"""`/registry/{kind}.csv` on SQLite and PostgreSQL: a file per kind, exported as imported
(round trip), imported all or nothing (a bad row names its line and column and leaves the
registry exactly as it was), each change in the trail; a partner exports what it sees."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from escalator.registry import COLUMNS, CSV_KINDS
from tests.api.conftest import TokenFactory
from tests.api.registry_client import answer, registry_client

FILES = {
    "organisations": (
        "id,name,kind,time_zone,holidays_country,holidays_subdivision,clients\r\n"
        "reseller,Reseller Ltd,partner,Europe/London,GB,,acme globex\r\n"
        "acme,Acme Corp,client,America/Denver,US,CO,\r\n"
        'globex,"Globex, Inc.",client,Europe/Paris,FR,,\r\n'
    ),
    "contacts": (
        "org,email,name,role,phone\r\n"
        "acme,Ada@Acme.test,Ada Admin,primary,+1 303 555 0100\r\n"
        "acme,bob@acme.test,Bob,backup,\r\n"
        "globex,gus@globex.test,Gus,,\r\n"
    ),
    "systems": (
        "host_id,org,system_type,serial_numbers,software_release,site,region,site_time_zone,"
        "holidays_country,holidays_subdivision\r\n"
        "EMT-0042,acme,MX-ONE,SN-1 SN-2,7.1.2,Denver HQ,north_america,America/Denver,US,CO\r\n"
        "GLX-1,globex,,,,,,,,\r\n"
    ),
    "contracts": (
        "reference,org,host_id,plan,starts_at,expires_at,monthly_fee,currency\r\n"
        "SSC-1,acme,EMT-0042,premium,2026-01-01,2027-01-01,1500.00,USD\r\n"
        "SSC-2,acme,,standard,2026-01-01T00:00:00+00:00,2026-07-01T00:00:00+00:00,,\r\n"
    ),
    "warranties": (
        "reference,org,host_id,plan,starts_at,expires_at,extended\r\n"
        "HW-7,globex,GLX-1,,2026-01-01,2029-01-01,true\r\n"
    ),
}
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
async def http(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    async with registry_client(engine) as client:
        yield client


async def _import(
    http: httpx.AsyncClient, kind: str, text: str, key: dict[str, str], status: int = 200
) -> Any:
    response = await http.post(f"/registry/{kind}.csv", content=text, headers={**key, **CSV})
    return answer(response, status)


async def _export(http: httpx.AsyncClient, kind: str, key: dict[str, str]) -> str:
    response = await http.get(f"/registry/{kind}.csv", headers=key)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="{kind}.csv"'
    return response.text


@pytest.fixture
async def imported(http: httpx.AsyncClient, tokens: TokenFactory) -> None:
    for kind in CSV_KINDS:
        summary = await _import(http, kind, FILES[kind], tokens("manager"))
        assert summary["created"] == FILES[kind].count("\n") - 1, kind


@pytest.mark.usefixtures("imported")
async def test_an_export_is_what_the_import_reads(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    manager = tokens("manager")
    exported = {kind: await _export(http, kind, manager) for kind in CSV_KINDS}
    for kind, text in exported.items():
        assert text.splitlines()[0] == ",".join(COLUMNS[kind])
        summary = await _import(http, kind, text, manager)
        assert summary == {
            "kind": kind,
            "created": 0,
            "updated": 0,
            "unchanged": FILES[kind].count("\n") - 1,
        }
        assert await _export(http, kind, manager) == text
    assert (
        exported["contacts"].splitlines()[1]
        == "acme,ada@acme.test,Ada Admin,primary,+1 303 555 0100"
    )
    # A date alone is the start of that day where the organisation is (Denver, -07:00).
    assert (
        ",2026-01-01T07:00:00+00:00,2027-01-01T07:00:00+00:00,1500.00,USD" in exported["contracts"]
    )
    assert (
        exported["organisations"].splitlines()[3]
        == "reseller,Reseller Ltd,partner,Europe/London,GB,,acme globex"
    )
    assert exported["warranties"].splitlines()[1].endswith(",true")

    # What the files said is what the API reads.
    org = answer(await http.get("/orgs/globex", headers=manager), 200)
    assert (org["name"], org["partners"]) == ("Globex, Inc.", ["reseller"])
    (contract,) = answer(await http.get("/systems/1/contracts", headers=manager), 200)
    assert (contract["reference"], contract["monthly_fee"]) == ("SSC-1", "1500.00")


@pytest.mark.usefixtures("imported")
async def test_a_row_updates_the_record_of_its_natural_key(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    admin = tokens("admin")
    contacts = (
        "org,email,name,role,phone\n"
        "acme,ADA@acme.test,Ada Lovelace,primary,\n"
        "acme,new@acme.test,New,,\n"
    )
    assert await _import(http, "contacts", contacts, admin) == {
        "kind": "contacts",
        "created": 1,
        "updated": 1,
        "unchanged": 0,
    }
    listed = answer(await http.get("/orgs/acme/contacts", headers=admin), 200)
    ada = next(c for c in listed if c["email"] == "ada@acme.test")
    assert (ada["name"], ada["phone"]) == ("Ada Lovelace", None)  # an empty cell clears it
    # The partner stops acting for globex when its row says so.
    orgs = FILES["organisations"].replace("acme globex", "acme")
    assert (await _import(http, "organisations", orgs, admin))["updated"] == 1
    assert answer(await http.get("/orgs/globex", headers=admin), 200)["partners"] == []

    trail = answer(await http.get("/orgs/acme/changes", headers=tokens("auditor")), 200)
    assert [(c["actor"], c["entity"], c["action"]) for c in trail[:2]] == [
        ("admin:admin-all", "contact", "created"),
        ("admin:admin-all", "contact", "updated"),
    ]
    assert trail[1]["before"]["name"] == "Ada Admin"
    globex = answer(await http.get("/orgs/globex/changes", headers=admin), 200)
    assert (globex[0]["entity"], globex[0]["action"]) == ("partner_client", "removed")


# Per kind: a file whose line 4 is wrong in this column (its earlier lines are right).
BAD_LINE_4 = {
    "organisations": (
        FILES["organisations"].replace("Europe/Paris", "Mars/Olympus"),
        "time_zone",
    ),
    "contacts": (
        "org,email,name,role,phone\n"
        "acme,a@acme.test,A,,\n"
        "acme,b@acme.test,B,,\n"
        "acme,not-an-address,C,,\n",
        "email",
    ),
    "systems": (FILES["systems"] + "GLX-2,globex,,,,,,Mars/Olympus,,\n", "site_time_zone"),
    "contracts": (
        FILES["contracts"] + "SSC-3,acme,,basic,2026-01-01,2025-01-01,,\n",
        "expires_at",
    ),
    "warranties": (
        FILES["warranties"]
        + "HW-8,globex,GLX-1,,2026-01-01,2027-01-01,\n"
        + "HW-9,globex,GLX-1,,2026-01-01,2027-01-01,maybe\n",
        "extended",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_LINE_4))
async def test_one_bad_row_is_refused_naming_line_and_column_and_nothing_changes(
    http: httpx.AsyncClient, tokens: TokenFactory, kind: str
) -> None:
    manager = tokens("manager")
    for earlier in CSV_KINDS[: CSV_KINDS.index(kind)]:  # what this kind's rows refer to
        await _import(http, earlier, FILES[earlier], manager)
    before = {k: await _export(http, k, manager) for k in CSV_KINDS}
    trails = {org: await _trail(http, org, manager) for org in ("acme", "globex", "reseller")}

    text, column = BAD_LINE_4[kind]
    refused = await _import(http, kind, text, manager, 422)
    assert refused["errors"] == [{"loc": ["body", 4, column], "msg": refused["errors"][0]["msg"]}]
    assert str(refused["detail"]).startswith(f"line 4, column {column}: ")

    assert {k: await _export(http, k, manager) for k in CSV_KINDS} == before
    assert {org: await _trail(http, org, manager) for org in trails} == trails


async def _trail(http: httpx.AsyncClient, org: str, key: dict[str, str]) -> object:
    response = await http.get(f"/orgs/{org}/changes", headers=key)
    return response.json() if response.status_code == 200 else response.status_code


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "",
            "line 1 (the header): the file is empty; a contacts file starts with "
            "org,email,name,role,phone",
        ),
        ("\ufeff\n\n", "line 1 (the header): the file is empty"),
        (
            FILES["systems"],
            "line 1 (the header): this is the header of systems; a contacts file starts "
            "with org,email,name,role,phone",
        ),
        (
            "org,email,name\nacme,a@acme.test,A\n",
            "line 1 (the header): the header must be org,email,name,role,phone, "
            "not 'org,email,name'",
        ),
        (
            # Quoted: a problem document holds no control character.
            "org,em\x01ail\n",
            "line 1 (the header): the header must be org,email,name,role,phone, "
            "not 'org,em\\x01ail'",
        ),
        (
            "org,email,name,role,phone\nacme,a@acme.test,A\n",
            "line 2: has 3 cells; the header names 5",
        ),
        (
            'org,email,name,role,phone\nacme,a@acme.test,"Ada\nLovelace",,\n',
            "line 2, column name: may not contain the control character U+000A",
        ),
        (
            "org,email,name,role,phone\n\nnowhere,a@acme.test,A,,\n",
            "line 3, column org: no organisation 'nowhere' (import organisations first)",
        ),
        (
            "org,email,name,role,phone\nacme,a@acme.test,A,chief,\n",
            "line 2, column role: Input should be 'primary', 'backup' or 'other'",
        ),
        (
            'org,email,name,role,phone\nacme,a@acme.test,"A"x",,\n',
            "line 2: not CSV: ',' expected after '\"'",
        ),
    ],
)
async def test_a_file_that_is_not_a_contacts_file_is_refused_saying_why(
    http: httpx.AsyncClient, tokens: TokenFactory, text: str, says: str
) -> None:
    manager = tokens("manager")
    await _import(http, "organisations", FILES["organisations"], manager)
    refused = await _import(http, "contacts", text, manager, 422)
    assert str(refused["detail"]).startswith(says), refused["detail"]
    assert (await _export(http, "contacts", manager)).splitlines()[1:] == []


async def test_what_may_send_a_file_and_how(http: httpx.AsyncClient, tokens: TokenFactory) -> None:
    text = FILES["organisations"]
    path = "/registry/organisations.csv"
    manager = tokens("manager")
    plain = {**manager, "Content-Type": "text/plain"}
    answer(await http.post(path, content=text, headers=plain), 415)
    latin = {**manager, **CSV}
    unreadable = answer(
        await http.post(path, content="id\xff".encode("latin-1"), headers=latin), 422
    )
    assert unreadable["errors"] == [{"loc": ["body"], "msg": "not UTF-8 text"}]
    huge = text + "x" * 5_000_001
    answer(await http.post(path, content=huge, headers=latin), 413)
    auditor = answer(await http.post(path, content=text, headers={**tokens("auditor"), **CSV}), 403)
    assert auditor["detail"] == "auditors read everything and change nothing"
    partner = {**tokens("partner", "reseller"), **CSV}
    answer(await http.post(path, content=text, headers=partner), 403)
    answer(await http.get("/registry/people.csv", headers=manager), 422)
    answer(await http.post(path, content=text, headers={**tokens("admin"), **CSV}), 200)


@pytest.mark.usefixtures("imported")
async def test_a_partner_exports_its_own_organisation_and_its_clients(
    http: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    manager = tokens("manager")
    orgs = FILES["organisations"].replace("acme globex", "acme")
    await _import(http, "organisations", orgs, manager)
    partner = tokens("partner", "reseller")
    organisations = (await _export(http, "organisations", partner)).splitlines()
    assert [line.split(",")[0] for line in organisations[1:]] == ["acme", "reseller"]
    contacts = (await _export(http, "contacts", partner)).splitlines()
    assert [line.split(",")[1] for line in contacts[1:]] == ["ada@acme.test", "bob@acme.test"]
    assert (await _export(http, "warranties", partner)).splitlines()[1:] == []  # globex's
    engineer = (await _export(http, "warranties", tokens("engineer"))).splitlines()
    assert len(engineer) == 2
