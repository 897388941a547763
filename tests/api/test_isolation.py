"""Partners see their own organisation's cases only; another's answers exactly like none."""

import httpx
from sqlmodel import Session

from tests.api.conftest import TokenFactory
from tests.api.test_cases_api import POLICY, intake
from tests.policies import store_policy_version


async def _open(api: httpx.AsyncClient, headers: dict[str, str], org: str, subject: str) -> str:
    response = await api.post("/cases", json=intake(org=org, subject=subject), headers=headers)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    return case_id


async def _listed(api: httpx.AsyncClient, headers: dict[str, str], **params: str) -> set[str]:
    response = await api.get("/cases", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def test_two_partners_each_see_only_their_own(
    api: httpx.AsyncClient, session: Session, tokens: TokenFactory
) -> None:
    store_policy_version(session, "zsupport", POLICY)
    acme, globex = tokens("partner", "acme"), tokens("partner", "globex")
    acme_ids = {
        await _open(api, acme, "acme", "Phones reboot hourly"),
        await _open(api, acme, "acme", "Voicemail silent"),
    }
    globex_ids = {await _open(api, globex, "globex", "Phones reboot on Mondays")}
    # An engineer's case for a third organisation is invisible to both partners.
    initech_id = await _open(api, tokens("engineer"), "initech", "Phones reboot at night")

    assert await _listed(api, acme) == acme_ids
    assert await _listed(api, globex) == globex_ids
    # Naming the other organisation does not widen the view: it narrows it to nothing.
    assert await _listed(api, acme, org="globex") == set()
    assert await _listed(api, globex, org="acme") == set()
    assert await _listed(api, acme, org="acme") == acme_ids
    # Searches stay inside the organisation too.
    assert len(await _listed(api, acme, q="reboot")) == 1
    assert await _listed(api, acme, q="reboot") < acme_ids
    assert await _listed(api, globex, q="reboot") == globex_ids
    assert await _listed(api, tokens("auditor"), q="reboot") == {
        *(await _listed(api, acme, q="reboot")),
        *globex_ids,
        initech_id,
    }

    unknown = await api.get("/cases/case-00000000000000000000", headers=acme)
    for partner, foreign_ids in ((acme, globex_ids | {initech_id}), (globex, acme_ids)):
        for case_id in foreign_ids:
            response = await api.get(f"/cases/{case_id}", headers=partner)
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == "application/problem+json"
            # Same words as for a case that never existed: nothing tells them apart.
            assert response.json()["detail"] == unknown.json()["detail"].replace(
                "case-00000000000000000000", case_id
            )
    for case_id in acme_ids:
        assert (await api.get(f"/cases/{case_id}", headers=acme)).json()["org"] == "acme"


async def test_everyone_but_partners_sees_every_organisation(
    api: httpx.AsyncClient, session: Session, tokens: TokenFactory
) -> None:
    store_policy_version(session, "zsupport", POLICY)
    ids = {
        await _open(api, tokens("partner", "acme"), "acme", "One"),
        await _open(api, tokens("partner", "globex"), "globex", "Two"),
    }
    for role in ("engineer", "manager", "auditor", "admin"):
        assert await _listed(api, tokens(role)) == ids, role
        for case_id in ids:
            assert (await api.get(f"/cases/{case_id}", headers=tokens(role))).status_code == 200


async def test_a_partner_opens_cases_for_its_own_organisation_only(
    api: httpx.AsyncClient, session: Session, tokens: TokenFactory
) -> None:
    store_policy_version(session, "zsupport", POLICY)

    response = await api.post(
        "/cases", json=intake(org="globex"), headers=tokens("partner", "acme")
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"loc": ["body", "org"], "msg": "this partner opens cases for 'acme' only"}
    ]
    assert await _listed(api, tokens("admin")) == set()
