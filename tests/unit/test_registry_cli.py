"""`escalator org ...` end to end on the database the environment names: every command,
refusals that print the field and exit 1, changes recorded as cli:LOGIN."""

import getpass
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from activities.client_registry import RegistryActivities
from escalator import registry
from escalator.cli import main
from escalator.infra.settings import get_settings
from models.case.activity_inputs import ContactRequest


@pytest.fixture(autouse=True)
def cli_database(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[None]:
    monkeypatch.setenv("ESCALATOR_DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def org(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["org", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = org(capsys, *argv)
    assert code == 0, err
    return out


SETUP = [
    "create acme --name 'Acme Corp' --time-zone America/Denver --holidays US-CO",
    "contact add acme Ada@Acme.test --name Ada --role primary --phone '+1 303 555 0100'",
    "system add acme EMT-0042 --type MX-ONE --site 'Denver HQ' --time-zone America/Denver"
    " --holidays US-CO --region north_america",
    "contract add EMT-0042 SSC-1 --plan premium --start 2026-01-01 --end 2027-01-01"
    " --monthly-fee 1500.00 --currency USD",
    "warranty add EMT-0042 HW-7 --start 2026-01-01 --end 2029-01-01 --extended",
]


@pytest.fixture
def acme(capsys: pytest.CaptureFixture[str]) -> None:
    for line in SETUP:
        ok(capsys, *shlex.split(line))


@pytest.mark.usefixtures("acme")
def test_an_organisation_is_set_up_and_shown(capsys: pytest.CaptureFixture[str]) -> None:
    ok(capsys, "create", "reseller", "--name", "Reseller", "--kind", "partner", "--clients", "acme")
    listed = ok(capsys, "list").splitlines()
    assert listed[0].split() == ["ID", "KIND", "NAME", "TIME", "ZONE", "HOLIDAYS", "CLIENTS"]
    assert listed[1].split() == ["acme", "client", "Acme", "Corp", "America/Denver", "US-CO", "-"]
    assert listed[2].split()[:2] == ["reseller", "partner"] and listed[2].endswith("acme")

    shown = ok(capsys, "show", "acme")
    assert shown.startswith("acme: Acme Corp (client), America/Denver, holidays US-CO\n")
    assert "partners: reseller" in shown
    assert "ada@acme.test  Ada   primary  +1 303 555 0100" in shown
    assert "EMT-0042  MX-ONE" in shown
    # A date alone is midnight where the organisation is: 07:00 UTC in Denver in winter.
    assert "contract             SSC-1      EMT-0042  premium  2026-01-01 07:00:00Z" in shown
    assert "1500.00 USD" in shown and "warranty (extended)  HW-7" in shown

    ok(capsys, "update", "acme", "--name", "Acme Inc", "--holidays", "")
    assert ok(capsys, "show", "acme").startswith(
        "acme: Acme Inc (client), America/Denver, holidays none"
    )


@pytest.mark.usefixtures("acme")
def test_changes_are_recorded_as_the_login(capsys: pytest.CaptureFixture[str]) -> None:
    lines = ok(capsys, "changes", "acme").splitlines()
    assert lines[0].split() == ["AT", "ACTOR", "ACTION", "ENTITY", "ID", "CHANGED"]
    actors = {line.split()[2] for line in lines[1:]}
    assert actors == {f"cli:{getpass.getuser()}"}
    entities = [line.split()[4] for line in lines[1:]]
    assert entities == ["warranty", "contract", "system", "contact", "organisation"]


@pytest.mark.usefixtures("acme")
def test_a_removed_contact_may_no_longer_open_cases(
    capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    authorised = RegistryActivities(engine).is_authorised_contact
    ada = ContactRequest(org="acme", email="ada@acme.test")
    assert authorised(ada)
    out = ok(capsys, "contact", "remove", "acme", "ADA@acme.test")
    assert out == "ada@acme.test may no longer open cases for acme\n"
    assert not authorised(ada)
    code, _out, err = org(capsys, "contact", "remove", "acme", "ada@acme.test")
    assert (code, err) == (
        1,
        "escalator org contact remove: error: email: acme has no contact ada@acme.test\n",
    )


CONTRACT = "contract add EMT-0042 SSC-2 --plan p"
YEAR = "--start 2026-01-01 --end 2027-01-01"
REFUSALS = [
    ("create acme --name Again", "create: error: id: the organisation 'acme' exists"),
    ("create 'bad id' --name X", "create: error: id: String should match pattern"),
    (
        "create x --name X --time-zone Mars/Olympus",
        "create: error: time_zone: unknown IANA time zone 'Mars/Olympus'",
    ),
    (
        "create x --name X --holidays US-ZZ",
        "create: error: holidays_subdivision: unknown subdivision 'ZZ' of US",
    ),
    ("create x --name X --holidays XX", "create: error: holidays_country: unknown holiday"),
    ("update nobody --name X", "update: error: no organisation 'nobody'"),
    (
        "contact add acme ada@acme.test --name Ada",
        "contact add: error: email: ada@acme.test is already a contact of acme",
    ),
    ("contact add acme ada --name Ada", "contact add: error: email: is not an e-mail address"),
    (
        "contact add acme eve@acme.test --name 'Eve\x07'",
        "contact add: error: name: may not contain the control character U+0007",
    ),
    (
        "system add acme EMT-0042",
        "system add: error: host_id: the host ID 'EMT-0042' is already a system of acme",
    ),
    (f"contract add NOPE SSC-2 --plan p {YEAR}", "contract add: error: host_id: no system"),
    (
        f"{CONTRACT} --start 2027-01-01 --end 2026-01-01",
        "contract add: error: expires_at: must be after starts_at",
    ),
    (
        f"{CONTRACT} --start soon --end 2026-01-01",
        "contract add: error: starts_at: 'soon' is neither a date",
    ),
    (
        f"{CONTRACT} {YEAR} --monthly-fee -1 --currency USD",
        "contract add: error: monthly_fee: may not be negative",
    ),
    (f"{CONTRACT} {YEAR} --monthly-fee 10", "contract add: error: currency: a fee needs its"),
    (
        f"{CONTRACT} {YEAR} --monthly-fee 10 --currency Dollars",
        "contract add: error: currency: 'Dollars' is not an ISO 4217 currency code",
    ),
    (
        f"warranty add EMT-0042 HW-7 {YEAR}",
        "warranty add: error: reference: the warranty reference 'HW-7' is taken",
    ),
    ("show nobody", "show: error: no organisation 'nobody'"),
    ("changes nobody", "changes: error: no organisation 'nobody'"),
]


@pytest.mark.usefixtures("acme")
@pytest.mark.parametrize(("command", "says"), REFUSALS)
def test_a_refusal_prints_the_field_and_exits_1(
    capsys: pytest.CaptureFixture[str], command: str, says: str
) -> None:
    code, out, err = org(capsys, *shlex.split(command))
    assert code == 1 and out == ""
    assert err.startswith(f"escalator org {says}"), err


@pytest.mark.usefixtures("acme")
def test_files_are_exported_and_imported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    exported = ok(capsys, "export", "contracts")
    assert exported.splitlines()[1] == (
        "SSC-1,acme,EMT-0042,premium,2026-01-01T07:00:00+00:00,2027-01-01T07:00:00+00:00,"
        "1500.00,USD"
    )
    file = tmp_path / "contracts.csv"
    assert ok(capsys, "export", "contracts", str(file)) == ""
    assert file.read_bytes().decode() == exported
    assert ok(capsys, "import", "contracts", str(file)) == (
        "contracts: 0 created, 0 updated, 1 unchanged\n"
    )
    file.write_text(
        exported.replace("1500.00", "1750.00") + "SSC-2,acme,,basic,2026-01-01,2026-02-01,,\n"
    )
    out = ok(capsys, "import", "contracts", str(file))
    assert out == "contracts: 1 created, 1 updated, 0 unchanged\n"
    fees = {
        c.reference: c.model_dump().get("monthly_fee")
        for c in registry.coverage_of_org(session, "acme")
    }
    assert fees == {"SSC-1": "1750.00", "SSC-2": None, "HW-7": None}

    file.write_text("org,email,name,role,phone\nacme,eve@acme.test,Eve,,\nacme,x,X,,\n")
    code, _out, err = org(capsys, "import", "contacts", str(file))
    assert (code, err) == (
        1,
        "escalator org import: error: line 3, column email: is not an e-mail address "
        "(name@domain.example)\n",
    )
    assert [c.email for c in registry.list_contacts(session, "acme")] == ["ada@acme.test"]
    code, _out, err = org(capsys, "import", "contacts", str(tmp_path / "missing.csv"))
    assert code == 1 and "No such file" in err
