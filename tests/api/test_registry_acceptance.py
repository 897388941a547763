"""Issue 17's acceptance through the HTTP API, on SQLite and PostgreSQL: a client onboarded
by CSV files, cases from its backup contact (billable once the contact is removed), a
system's contract judged at intake (expired yesterday: a purchase order; expiring tomorrow:
covered), and a reseller that opens and follows its client's cases but no one else's."""

from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from escalator.policy_store import publish_examples_if_absent
from tests.api.conftest import TokenFactory

ROOT = Path(__file__).resolve().parents[2]
CSV = {"Content-Type": "text/csv"}


def intake(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "policy": "zsupport",
        "plan": "managed",
        "org": "globex",
        "severity": "standard",
        "subject": "Handsets reboot",
        "description": "Every hour on the hour.",
        "contact": {"name": "Bo Backup", "email": "bo@globex.test"},
    }
    return {**body, **overrides}


async def imported(api: httpx.AsyncClient, manager: dict[str, str], kind: str, text: str) -> None:
    answer = await api.post(f"/registry/{kind}.csv", content=text, headers={**manager, **CSV})
    assert answer.status_code == 200, answer.text


async def test_a_client_onboarded_by_csv_opens_cases_from_its_backup_contact(
    api: httpx.AsyncClient, tokens: TokenFactory, session: Session
) -> None:
    publish_examples_if_absent(session, ROOT / "escalator" / "policies")
    manager = tokens("manager")
    await imported(
        api,
        manager,
        "organisations",
        "id,name,kind,time_zone,holidays_country,holidays_subdivision,clients\n"
        "globex,Globex,client,America/Denver,US,CO,\n",
    )
    await imported(
        api,
        manager,
        "contacts",
        "org,email,name,role,phone\n"
        "globex,pat@globex.test,Pat Primary,primary,\n"
        "globex,bo@globex.test,Bo Backup,backup,+1 303 555 0101\n",
    )
    desk = tokens("partner", "globex")
    first = await api.post("/cases", json=intake(), headers=desk)
    assert first.status_code == 201, first.text
    assert first.json()["billable"] is False

    contacts = (await api.get("/orgs/globex/contacts", headers=manager)).json()
    bo = next(c for c in contacts if c["email"] == "bo@globex.test")
    removed = await api.delete(f"/orgs/globex/contacts/{bo['id']}", headers=manager)
    assert removed.status_code == 200, removed.text
    second = await api.post("/cases", json=intake(), headers=desk)
    assert second.status_code == 201, second.text
    assert second.json()["billable"] is True
    # The timeline says what the registry said, whatever it says today.
    timeline = (await api.get(f"/cases/{first.json()['id']}/timeline", headers=manager)).json()
    said = [entry["detail"] for entry in timeline if entry["kind"] == "registry_checked"]
    assert said == [
        "bo@globex.test is the backup contact of globex; business hours in America/Denver"
    ]


async def test_the_contract_of_the_named_system_decides_at_intake(
    api: httpx.AsyncClient,
    tokens: TokenFactory,
    session: Session,
    temporal_env: WorkflowEnvironment,
) -> None:
    publish_examples_if_absent(session, ROOT / "escalator" / "policies")
    manager = tokens("manager")
    now = await temporal_env.get_current_time()
    year_ago, yesterday, tomorrow = (
        (now + delta).astimezone(UTC).isoformat()
        for delta in (timedelta(days=-365), timedelta(days=-1), timedelta(days=1))
    )
    await imported(
        api,
        manager,
        "organisations",
        "id,name,kind,time_zone,holidays_country,holidays_subdivision,clients\n"
        "globex,Globex,client,America/Toronto,CA,ON,\n",
    )
    await imported(
        api, manager, "contacts", "org,email,name,role,phone\nglobex,bo@globex.test,Bo,primary,\n"
    )
    await imported(
        api,
        manager,
        "systems",
        "host_id,org,system_type,serial_numbers,software_release,site,region,site_time_zone,"
        "holidays_country,holidays_subdivision\n"
        "EMT-OLD,globex,UCX250,,6.0,Toronto,north_america,America/Toronto,CA,ON\n"
        "EMT-NEW,globex,UCX1000,,6.0,Toronto,north_america,America/Toronto,CA,ON\n",
    )
    await imported(
        api,
        manager,
        "contracts",
        "reference,org,host_id,plan,starts_at,expires_at,monthly_fee,currency\n"
        f"SSC-OLD,globex,EMT-OLD,standard,{year_ago},{yesterday},800.00,CAD\n"
        f"SSC-NEW,globex,EMT-NEW,standard,{year_ago},{tomorrow},800.00,CAD\n",
    )
    desk = tokens("partner", "globex")

    async def opened(host_id: str) -> dict[str, Any]:
        fields = {"host_id": host_id, "end_customer": "Globex", "system_type": "UCX"}
        body = intake(policy="emetrotel", plan="standard", fields=fields)
        answer = await api.post("/cases", json=body, headers=desk)
        assert answer.status_code == 201, answer.text
        case: dict[str, Any] = answer.json()
        return case

    assert (await opened("EMT-OLD"))["entitlement"] == "po_required"
    assert (await opened("EMT-NEW"))["entitlement"] == "covered"


async def test_a_reseller_opens_and_follows_its_client_s_cases_and_no_one_else_s(
    api: httpx.AsyncClient, tokens: TokenFactory, session: Session
) -> None:
    publish_examples_if_absent(session, ROOT / "escalator" / "policies")
    manager = tokens("manager")
    await imported(
        api,
        manager,
        "organisations",
        "id,name,kind,time_zone,holidays_country,holidays_subdivision,clients\n"
        "resell,Resell Inc,partner,America/Denver,US,CO,globex\n"
        "globex,Globex,client,America/Denver,US,CO,\n"
        "initech,Initech,client,America/Denver,US,CO,\n",
    )
    reseller = tokens("partner", "resell")
    mine = await api.post("/cases", json=intake(), headers=reseller)
    assert mine.status_code == 201, mine.text
    theirs = await api.post("/cases", json=intake(org="initech"), headers=tokens("engineer"))
    assert theirs.status_code == 201, theirs.text
    refused = await api.post("/cases", json=intake(org="initech"), headers=reseller)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["loc"] == ["body", "org"]

    listed = (await api.get("/cases", headers=reseller)).json()["items"]
    assert [item["org"] for item in listed] == ["globex"]
    assert (await api.get(f"/cases/{mine.json()['id']}", headers=reseller)).status_code == 200
    hidden = await api.get(f"/cases/{theirs.json()['id']}", headers=reseller)
    missing = await api.get("/cases/case-nonexistent", headers=reseller)
    assert hidden.status_code == missing.status_code == 404
    # The client's own desk sees its case too, not the reseller's other business.
    assert [
        i["id"]
        for i in (await api.get("/cases", headers=tokens("partner", "globex"))).json()["items"]
    ] == [mine.json()["id"]]
