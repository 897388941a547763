"""The field-service steps through HTTP (`POST /cases/{id}/{step}`, routed from STEP_BODIES):
their answers show the field_service section; refusals are 409 and bad bodies 422."""

from collections.abc import AsyncIterator
from datetime import time, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from activities.inventory import tracking_number
from api.app import create_app
from api.auth import issue_api_key
from tests.workflow.cases import example_policy
from tests.workflow.clock import advance_to, next_quiet
from tests.workflow.field_service import (
    Stack,
    local,
    open_field_case,
)

CONTACT = {"name": "Sam Site", "email": "sam.site@acme.test"}


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(stack.settings, engine=stack.engine, client=stack.client)
    with Session(stack.engine) as session:
        _row, secret = issue_api_key(session, "engineer", "field engineer")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {secret}"},
        ) as client:
            yield client


async def post(
    api: httpx.AsyncClient, case_id: str, step: str, body: dict[str, Any], status: int
) -> dict[str, Any]:
    response = await api.post(f"/cases/{case_id}/{step}", json=body)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_field_service_steps_over_http(
    stack: Stack, session: Session, api: httpx.AsyncClient
) -> None:
    policy = example_policy(session, "protelecom")
    thursday = next_quiet(
        policy.calendar("business"), await stack.env.get_current_time(), 3, time(14, 0)
    )
    await advance_to(stack.env, thursday - timedelta(minutes=5))
    async with stack.worker() as worker:
        premier = await open_field_case(
            stack, session, worker, policy, "premier", region="north_america"
        )
        plus = await open_field_case(stack, session, worker, policy, "premier_plus")
        await advance_to(stack.env, thursday)

        case = await post(api, premier.id, "ship-part", {"sku": "AV-CAM-PTZ"}, 200)
        (shipment,) = case["field_service"]["shipments"]
        assert shipment["state"] == "scheduled" and shipment["ships_on"] == str(thursday.date())
        assert shipment["tracking_number"] == tracking_number(shipment["workflow_id"])
        assert case["notes"][-1]["actor"] != "system"

        refused = await post(
            api, premier.id, "dispatch-onsite", {"site": "HQ", "contact": CONTACT}, 409
        )
        assert "plan premier has no on-site dispatch" in refused["detail"]
        invalid = await post(
            api, premier.id, "ship-part", {"sku": "AV-CAM-PTZ", "quantity": 0}, 422
        )
        assert any(error["loc"][-1] == "quantity" for error in invalid["errors"])
        unknown = await post(
            api, premier.id, "receive-rma", {"rma_id": "RMA-X", "tracking_number": "1Z"}, 409
        )
        assert "has no RMA 'RMA-X'" in unknown["detail"]

        case = await post(api, plus.id, "dispatch-onsite", {"site": "HQ", "contact": CONTACT}, 200)
        (dispatch,) = case["field_service"]["dispatches"]
        assert dispatch["state"] == "booked"
        assert dispatch["due_at"] == local(thursday.date() + timedelta(days=1), 17, 0).isoformat()

        # The technician's visit and the part's delivery, reported against their records.
        visit = f"/cases/{plus.id}/dispatches/{dispatch['id']}"
        early = await api.post(f"{visit}/completed", json={"report": "done"})
        assert early.status_code == 409 and "arrived" in early.json()["detail"]
        arrived = await api.post(f"{visit}/arrived", json={"technician": "Kim Tech"})
        assert arrived.status_code == 200, arrived.text
        (on_site,) = arrived.json()["field_service"]["dispatches"]
        assert on_site["state"] == "arrived" and on_site["technician"] == "Kim Tech"
        done = await api.post(f"{visit}/completed", json={"report": "Replaced the codec"})
        assert done.json()["field_service"]["dispatches"][0]["state"] == "completed"
        missing = await api.post(f"/cases/{plus.id}/dispatches/D-nope/arrived", json={})
        assert missing.status_code in (404, 422)
        missing = await api.post(
            f"/cases/{plus.id}/dispatches/D-nope/arrived", json={"technician": "Kim"}
        )
        assert missing.status_code == 404

        parcel = f"/cases/{premier.id}/shipments/{shipment['id']}/delivered"
        not_yet = await api.post(parcel)
        assert not_yet.status_code == 409 and "shipped" in not_yet.json()["detail"]
        await advance_to(stack.env, thursday + timedelta(hours=1, minutes=1))
        delivered = await api.post(parcel)
        assert delivered.status_code == 200, delivered.text
        (parcel_state,) = delivered.json()["field_service"]["shipments"]
        assert parcel_state["state"] == "delivered" and parcel_state["delivered_at"]
