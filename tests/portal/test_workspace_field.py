"""Field service from the case page: dispatching a technician and shipping a part through
their step forms, and the field reports (arrived, completed, delivered) each record's state
allows, refused with the record's reason otherwise."""

import re

from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from escalator import cases
from escalator.infra.settings import Settings
from escalator.inventory_seed import load_inventory_seed
from models.case.resource import Case
from tests.portal.conftest import Person, csrf, opened
from tests.portal.workspace_helpers import check_controls, form_key, forms_on
from tests.workflow.cases import published

FIELDS = {
    "site_contact": "Sam, +1 212 555 0100",
    "site_address": "1 Main St",
    "system_serial": "X1",
}


async def protelecom_case(
    temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings, plan: str
) -> Case:
    with Session(engine) as session:
        published(session, "protelecom")
        load_inventory_seed(session)
    return await opened(
        temporal_env,
        engine,
        settings,
        policy="protelecom",
        plan=plan,
        severity="degraded",
        fields=FIELDS,
        region="north_america",
    )


async def test_a_visit_is_dispatched_and_reported_from_the_page(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await protelecom_case(temporal_env, engine, settings, "premier_plus")
    grace = await person("grace", "engineer")
    url = f"/portal/cases/{case.id}"
    page = await grace.get(url)
    assert "dispatch-onsite" in forms_on(page) and "ship-part" not in forms_on(page)
    assert re.search(
        r'data-refused="ship-part"><strong>[^<]+</strong>: plan premier_plus', page.text
    )
    # The case's contact is offered as the site's.
    contact = 'id="step-dispatch-onsite-contact-email" name="contact.email" type="email"'
    assert f'{contact} value="ada@acme.test"' in page.text

    def dispatch(**fields: str) -> dict[str, str]:
        return {
            "csrf_token": csrf(page),
            "form_key": form_key(page, "dispatch-onsite"),
            "site": "1 Main St, Springfield",
            "contact.name": "Sam Site",
            "contact.email": "sam@acme.test",
            **fields,
        }

    wrong = await grace.post(
        f"{url}/steps/dispatch-onsite", data=dispatch(**{"contact.email": "sam"})
    )
    assert wrong.status_code == 422
    assert 'id="step-dispatch-onsite-contact-email-error">' in wrong.text
    assert 'value="1 Main St, Springfield"' not in wrong.text  # a text area holds it
    assert ">1 Main St, Springfield</textarea>" in wrong.text

    sent = await grace.post(f"{url}/steps/dispatch-onsite", data=dispatch())
    assert sent.status_code == 303, sent.text
    live = await cases.read_case(temporal_env.client, case.id)
    (visit,) = live.field_service.dispatches
    assert visit.state == "booked" and visit.contact.email == "sam@acme.test"

    page = await grace.get(url)
    assert 'data-report="arrived"' in page.text and 'data-report="completed"' not in page.text
    base = f"{url}/dispatches/{visit.id}"
    early = await grace.post(f"{base}/completed", data={"csrf_token": csrf(page), "report": "Done"})
    assert early.status_code == 409
    assert "only a visit whose technician arrived can complete; it is booked" in early.text
    nameless = await grace.post(
        f"{base}/arrived", data={"csrf_token": csrf(page), "technician": ""}
    )
    assert nameless.status_code == 422
    assert f'id="step-arrived-{visit.id}-technician-error">is required<' in nameless.text

    arrived = await grace.post(
        f"{base}/arrived", data={"csrf_token": csrf(page), "technician": "Kim Tech"}
    )
    assert arrived.status_code == 303 and arrived.headers["location"] == f"{url}?done=arrived"
    page = await grace.get(url)
    assert 'data-report="completed"' in page.text and 'data-report="arrived"' not in page.text
    check_controls(page)
    completed = await grace.post(
        f"{base}/completed", data={"csrf_token": csrf(page), "report": "Replaced the codec"}
    )
    assert completed.status_code == 303, completed.text
    live = await cases.read_case(temporal_env.client, case.id)
    assert live.field_service.dispatches[0].state == "completed"
    page = await grace.get(url)
    assert "data-report=" not in page.text

    missing = await grace.post(
        f"{url}/dispatches/D-nope/arrived", data={"csrf_token": csrf(page), "technician": "Kim"}
    )
    assert missing.status_code == 404
    ada = await person("ada", "partner", org="acme")
    theirs = await ada.get(url)
    refused = await ada.post(
        f"{base}/arrived", data={"csrf_token": csrf(theirs), "technician": "Kim"}
    )
    assert refused.status_code == 403


async def test_a_part_is_shipped_from_the_page(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await protelecom_case(temporal_env, engine, settings, "premier")
    grace = await person("grace", "engineer")
    url = f"/portal/cases/{case.id}"
    page = await grace.get(url)
    # The catalogue's parts and the warehouses' regions.
    assert re.search(r'<option value="AV-CAM-PTZ">AV-CAM-PTZ: ', page.text)
    assert '<option value="north_america">north america</option>' in page.text

    def ship(**fields: str) -> dict[str, str]:
        return {"csrf_token": csrf(page), "form_key": form_key(page, "ship-part"), **fields}

    unknown = await grace.post(f"{url}/steps/ship-part", data=ship(sku="NOPE-1", quantity="1"))
    assert unknown.status_code == 422
    assert (
        'id="step-ship-part-sku-error">&#39;NOPE-1&#39; is not in the parts catalogue<'
        in unknown.text
    )
    zero = await grace.post(f"{url}/steps/ship-part", data=ship(sku="AV-CAM-PTZ", quantity="0"))
    assert zero.status_code == 422 and 'id="step-ship-part-quantity-error">' in zero.text

    sent = await grace.post(
        f"{url}/steps/ship-part", data=ship(sku="AV-CAM-PTZ", quantity="1", region="")
    )
    assert sent.status_code == 303, sent.text
    live = await cases.read_case(temporal_env.client, case.id)
    (parcel,) = live.field_service.shipments
    assert parcel.sku == "AV-CAM-PTZ" and parcel.region == "north_america"

    # Not shipped yet: no delivery form, and a forged one is refused with the record's reason.
    page = await grace.get(url)
    assert 'data-report="delivered"' not in page.text
    delivered = f"{url}/shipments/{parcel.id}/delivered"
    badly = await grace.post(delivered, data={"csrf_token": csrf(page), "at": "yesterday"})
    assert badly.status_code == 422 and "is not a date and time" in badly.text
    early = await grace.post(delivered, data={"csrf_token": csrf(page), "at": ""})
    assert early.status_code == 409
    assert f"only a shipped part can be delivered; this one is {parcel.state}" in early.text

    # The shipment's RMA is open: the return is recorded through its own form.
    (rma,) = (await cases.read_case(temporal_env.client, case.id)).field_service.rmas
    assert "receive-rma" in forms_on(page)
    check_controls(page)
    assert re.search(rf'<option value="{rma.id}">{rma.id}: 1 \u00d7 AV-CAM-PTZ, ', page.text)
    received = await grace.post(
        f"{url}/steps/receive-rma",
        data={
            "csrf_token": csrf(page),
            "form_key": form_key(page, "receive-rma"),
            "rma_id": rma.id,
            "tracking_number": "1Z999",
        },
    )
    assert received.status_code == 303, received.text
    (rma,) = (await cases.read_case(temporal_env.client, case.id)).field_service.rmas
    assert rma.state in ("received", "received_late") and rma.tracking_number == "1Z999"
