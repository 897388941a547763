"""Alert receipts: a webhook whose alerts are not all worked within the bound is answered
202 with its receipt, which shows every alert reaching its final state, once; a partner
reads only its own receipts; what a stopped API left pending is worked when one starts."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from escalator.cases import intake_sha256, start_case
from escalator.infra.settings import Settings
from escalator.intake.alert_receipts import item_key
from escalator.intake.alerts import ALERT_ITEM_MEMO, check
from models.intake.alerts import Alert, AlertmanagerWebhook
from models.tables.client_registry import AuthorisedContactRow
from models.tables.intake import AlertReceiptItemRow, AlertReceiptRow
from tests.api.conftest import TokenFactory
from tests.api.test_alert_intake import MAXONY, alert, hook
from tests.policies import store_policy_version

FINAL = {"opened", "noted", "skipped", "failed"}


@pytest.fixture(autouse=True)
def registry(session: Session) -> None:
    store_policy_version(session, "maxony", MAXONY)
    session.add(AuthorisedContactRow(org="acme", email="ops@acme.test", name="Acme Ops"))
    session.add(AuthorisedContactRow(org="globex", email="ops@globex.test", name="Globex Ops"))
    session.commit()


@asynccontextmanager
async def serving(
    settings: Settings, engine: Engine, env: WorkflowEnvironment, **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """An app of these settings' changes, its lifespan included (it resumes receipts)."""
    app = create_app(settings.model_copy(update=changes), engine=engine, client=env.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def until_done(
    api: httpx.AsyncClient, headers: dict[str, str], receipt_id: int
) -> dict[str, Any]:
    """The receipt once every alert is final; it never goes back to pending."""
    path = f"/intake/alerts/receipts/{receipt_id}"
    for _ in range(600):
        response = await api.get(path, headers=headers)
        assert response.status_code == 200, response.text
        receipt: dict[str, Any] = response.json()
        if receipt["done"]:
            return receipt
        await asyncio.sleep(0.1)
    raise AssertionError(f"receipt {receipt_id} not done: {receipt['counts']}")


async def test_a_webhook_past_the_bound_is_202_and_its_receipt_shows_each_alert_once(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    engine: Engine,
    settings: Settings,
    tokens: TokenFactory,
) -> None:
    engineer = tokens("engineer")
    firing = [alert("firing", f"s{n}", "warning") for n in range(24)]
    globex = alert("firing", "g1", "critical", org="globex")
    # The same alert twice in one webhook: one case, noted by the second.
    alerts = [*firing, globex, firing[0], alert("resolved", "never-fired", "warning")]
    # A bound no webhook's cases open within: up once the webhook is checked and recorded.
    async with serving(settings, engine, temporal_env, workflow_wait_seconds=0.001) as api:
        params = {"policy": "maxony", "org": "acme"}
        posted = await api.post(
            "/intake/alerts", json=hook("firing", *alerts), params=params, headers=engineer
        )
        assert posted.status_code == 202, posted.text
        answer = posted.json()
        assert posted.headers["location"] == f"/intake/alerts/receipts/{answer['id']}"
        assert answer["count"] == len(alerts) == len(answer["items"])
        assert answer["received_by"] == "engineer:engineer-all"
        assert all(i["state"] in FINAL | {"pending"} for i in answer["items"])

        receipt = await until_done(api, engineer, answer["id"])
        items = receipt["items"]
        assert [i["index"] for i in items] == list(range(len(alerts)))
        assert [i["fingerprint"] for i in items] == [a["fingerprint"] for a in alerts]
        assert receipt["counts"] == {
            "pending": 0,
            "opened": 25,
            "noted": 1,
            "skipped": 1,
            "failed": 0,
        }
        assert receipt["finished_at"] is not None
        received = datetime.fromisoformat(receipt["received_at"])
        assert datetime.fromisoformat(receipt["last_opened_at"]) >= received
        opened = [i for i in items if i["state"] == "opened"]
        # One case per firing episode, each with its ticket number.
        assert len({i["case_id"] for i in opened}) == 25
        assert all(i["ticket_number"].startswith("MAX-") for i in opened)
        repeat, unseen = items[-2], items[-1]
        assert (repeat["state"], repeat["case_id"]) == ("noted", items[0]["case_id"])
        assert (unseen["state"], unseen["case_id"]) == ("skipped", None)
        assert unseen["reason"] == "resolved before any case was opened"
        assert items[24]["org"] == "globex"

        listed = (await api.get("/cases", params={"limit": 200}, headers=engineer)).json()
        assert sorted(c["id"] for c in listed["items"]) == sorted(i["case_id"] for i in opened)
        case = (await api.get(f"/cases/{items[0]['case_id']}", headers=engineer)).json()
        notes = [n["text"] for n in case["notes"] if n["actor"] == "monitoring"]
        assert len(notes) == 1 and notes[0].startswith("alert s0 still firing")

        # Partners read receipts whose every alert is of an organisation they see.
        path = f"/intake/alerts/receipts/{answer['id']}"
        assert (await api.get(path, headers=tokens("auditor"))).status_code == 200
        for org in ("acme", "globex"):
            mixed = await api.get(path, headers=tokens("partner", org))
            assert mixed.status_code == 404, mixed.text
        mine = await api.post(
            "/intake/alerts",
            json=hook("firing", alert("firing", "p1", "warning")),
            params=params,
            headers=tokens("partner", "acme"),
        )
        assert mine.status_code == 202, mine.text
        theirs = f"/intake/alerts/receipts/{mine.json()['id']}"
        assert (await until_done(api, tokens("partner", "acme"), mine.json()["id"]))["done"]
        assert (await api.get(theirs, headers=tokens("partner", "globex"))).status_code == 404
        missing = await api.get("/intake/alerts/receipts/999999", headers=engineer)
        assert missing.status_code == 404


async def test_small_webhooks_answer_their_results_and_receipt(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    engineer = tokens("engineer")
    body = hook("firing", alert("firing", "t1", "critical"), alert("firing", "t2", "warning"))
    posted = await api.post(
        "/intake/alerts", json=body, params={"policy": "maxony", "org": "acme"}, headers=engineer
    )
    assert posted.status_code == 200, posted.text
    answer = posted.json()
    receipt = (
        await api.get(f"/intake/alerts/receipts/{answer['receipt_id']}", headers=engineer)
    ).json()
    assert receipt["done"] and receipt["counts"]["opened"] == 2
    assert [(i["state"], i["case_id"], i["ticket_number"]) for i in receipt["items"]] == [
        (r["outcome"], r["case_id"], r["ticket_number"]) for r in answer["results"]
    ]


def pending_receipt(engine: Engine, *alerts: dict[str, Any]) -> int:
    """A receipt as an API that stopped before working any of its alerts left it."""
    now = datetime.now(UTC)
    with Session(engine) as session:
        receipt = AlertReceiptRow(
            policy="maxony",
            policy_version=1,
            received_at=now,
            received_by="engineer:alertmanager",
            count=len(alerts),
        )
        session.add(receipt)
        session.flush()
        assert receipt.id is not None
        for index, body in enumerate(alerts):
            parsed = Alert.model_validate(body)
            session.add(
                AlertReceiptItemRow(
                    receipt_id=receipt.id,
                    position=index,
                    fingerprint=parsed.fingerprint,
                    status=parsed.status,
                    org="acme",
                    updated_at=now,
                    alert=parsed.model_dump(mode="json"),
                )
            )
        session.commit()
        return receipt.id


async def test_the_api_works_pending_alerts_when_it_starts(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    engine: Engine,
    settings: Settings,
    tokens: TokenFactory,
) -> None:
    engineer = tokens("engineer")
    params = {"policy": "maxony", "org": "acme"}
    earlier, fresh, started = (alert("firing", name, "warning") for name in ("w0", "w1", "w2"))
    async with serving(settings, engine, temporal_env) as api:
        first = await api.post(
            "/intake/alerts", json=hook("firing", earlier), params=params, headers=engineer
        )
        assert first.status_code == 200, first.text
    # Then an API accepted these three, started the last one's case and stopped.
    receipt_id = pending_receipt(engine, earlier, fresh, started)
    webhook = AlertmanagerWebhook.model_validate(hook("firing", started))
    checked = check(engine, webhook, "maxony", "acme", None, datetime.now(UTC))
    (planned,) = checked.alerts
    assert planned.intake is not None
    await start_case(
        temporal_env.client,
        settings,
        planned.intake,
        checked.target.policy,
        planned.case_id,
        intake_sha256(planned.intake),
        memo={ALERT_ITEM_MEMO: item_key(receipt_id, 2)},
    )

    async with serving(settings, engine, temporal_env) as api:
        receipt = await until_done(api, engineer, receipt_id)
        states = [(i["fingerprint"], i["state"]) for i in receipt["items"]]
        # The earlier delivery's case is noted; the case this receipt started counts as its.
        assert states == [("w0", "noted"), ("w1", "opened"), ("w2", "opened")]
        assert receipt["items"][2]["case_id"] == planned.case_id
        assert all(i["ticket_number"] for i in receipt["items"])
        listed = (await api.get("/cases", headers=engineer)).json()["items"]
        assert len(listed) == 3
