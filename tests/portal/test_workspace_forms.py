"""Forms into step and field-report bodies (api/pages/step_forms.py), and the field-report
forms each record's state offers, without a server."""

from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from api.pages.rendering import environment
from api.pages.step_forms import FormInvalid, Posted, report_body, step_body
from models.case.resource import Case
from models.case.steps import DispatchOnsite, Escalate, RequestInfo, ShipPart, Triage
from models.field.records import Delivered, Dispatch, FieldService, Shipment, SiteContact

ROME = ZoneInfo("Europe/Rome")
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def posted(values: dict[str, str], **lists: list[str]) -> Posted:
    return Posted(values, {name: [value] for name, value in values.items()} | lists)


def test_forms_become_step_bodies() -> None:
    triage = step_body("triage", posted({"severity": " critical ", "priority": ""}), "engineer:g")
    assert triage == Triage(severity="critical", actor="engineer:g")

    asked = step_body(
        "request-info",
        posted({"message": "Two things,\nplease"}, fields=["serial_numbers", "", "notes"]),
        "engineer:g",
    )
    assert isinstance(asked, RequestInfo)
    assert asked.fields == ["serial_numbers", "notes"] and asked.message == "Two things,\nplease"

    escalate = step_body(
        "escalate",
        posted(
            {
                "to_tier": "engineering",
                "reason": "Network",
                "checklist.engineering.client_isolation": "done",
                "checklist.engineering.hardware_tested": "n/a",
                "checklist.engineering.skipped": "",
                # Another tier's answers do not count.
                "checklist.helpdesk.other": "done",
            }
        ),
        "engineer:g",
    )
    assert isinstance(escalate, Escalate)
    assert escalate.checklist == {
        "client_isolation": True,
        "hardware_tested": "n/a",
        "skipped": False,
    }

    visit = step_body(
        "dispatch-onsite",
        posted(
            {
                "site": "HQ",
                "contact.name": "Sam",
                "contact.email": "sam@a.test",
                "contact.phone": "",
            }
        ),
        "engineer:g",
    )
    assert visit == DispatchOnsite(
        site="HQ", contact=SiteContact(name="Sam", email="sam@a.test"), actor="engineer:g"
    )
    part = step_body("ship-part", posted({"sku": "AV-1", "quantity": "3", "region": ""}), "e")
    assert part == ShipPart(sku="AV-1", quantity=3, actor="e")


@pytest.mark.parametrize(
    ("step", "values", "errors"),
    [
        ("triage", {}, {"severity": "is required"}),
        ("respond", {"message": "\n \n"}, {"message": "is required"}),
        (
            "assign",
            {"engineer": "gr\nace"},
            {"engineer": "may not contain the control character U+000A"},
        ),
        ("add-note", {"text": "a\x00b"}, {"text": "may not contain the control character U+0000"}),
        (
            "dispatch-onsite",
            {"site": "HQ", "contact.name": "Sam", "contact.email": "sam"},
            {"contact.email": "is not an e-mail address (name@domain.example)"},
        ),
        (
            "ship-part",
            {"sku": "AV-1", "quantity": "lots"},
            {"quantity": "Input should be a valid integer, unable to parse string as an integer"},
        ),
        (
            "ship-part",
            {"sku": "AV-1", "quantity": "101"},
            {"quantity": "Input should be less than or equal to 100"},
        ),
    ],
)
def test_wrong_forms_name_their_fields(
    step: str, values: dict[str, str], errors: dict[str, str]
) -> None:
    with pytest.raises(FormInvalid) as refused:
        step_body(step, posted(values), "engineer:g")
    assert refused.value.errors == errors


def test_a_delivery_instant_is_read_in_the_viewers_zone() -> None:
    at = report_body("delivered", posted({"at": "2026-12-07T14:30"}), "engineer:g", ROME)
    assert at == Delivered(at=datetime(2026, 12, 7, 13, 30, tzinfo=UTC), actor="engineer:g")
    assert report_body("delivered", posted({"at": ""}), "e", ROME) == Delivered(actor="e")
    with pytest.raises(FormInvalid) as refused:
        report_body("delivered", posted({"at": "soon"}), "e", ROME)
    assert list(refused.value.errors) == ["at"]


def rendered(field_service: FieldService) -> str:
    case = Case(
        id="case-1",
        policy="protelecom",
        policy_version=1,
        plan="premier",
        org="acme",
        channel="api",
        subject="Codec",
        contact={"name": "Ada", "email": "ada@acme.test"},
        received_at=T0,
        updated_at=T0,
        field_service=field_service,
    )
    viewer = SimpleNamespace(csrf_token="t", account=SimpleNamespace(time_zone="Europe/Rome"))
    template = environment.get_template("steps/field_reports.html")
    return template.render(case=case, viewer=viewer, view=SimpleNamespace(options=None))


def shipment(state: str, delivered_at: datetime | None = None) -> Shipment:
    return Shipment(
        id="S-1",
        workflow_id="w",
        sku="AV-1",
        quantity=1,
        region="north_america",
        confirmed_at=T0,
        state=state,
        delivered_at=delivered_at,
    )


def dispatch(state: str) -> Dispatch:
    contact = SiteContact(name="Sam", email="sam@a.test")
    return Dispatch(
        id="D-1",
        workflow_id="w",
        site="HQ",
        contact=contact,
        requested_at=T0,
        promised_on=date(2026, 12, 8),
        due_at=T0,
        state=state,
    )


@pytest.mark.parametrize(
    ("records", "reports"),
    [
        (FieldService(), set()),
        (FieldService(dispatches=[dispatch("booked")]), {"arrived"}),
        (FieldService(dispatches=[dispatch("late")]), {"arrived"}),
        (FieldService(dispatches=[dispatch("arrived")]), {"completed"}),
        (FieldService(dispatches=[dispatch("completed")]), set()),
        (FieldService(shipments=[shipment("scheduled")]), set()),
        (FieldService(shipments=[shipment("shipped")]), {"delivered"}),
        (FieldService(shipments=[shipment("delivery_late")]), {"delivered"}),
        (FieldService(shipments=[shipment("delivery_late", T0)]), set()),
        (FieldService(shipments=[shipment("delivered", T0)]), set()),
    ],
)
def test_each_record_offers_the_reports_its_state_allows(
    records: FieldService, reports: set[str]
) -> None:
    page = rendered(records)
    offered = {
        name for name in ("arrived", "completed", "delivered") if f'data-report="{name}"' in page
    }
    assert offered == reports
    if "delivered" in reports:
        assert 'action="/portal/cases/case-1/shipments/S-1/delivered"' in page
        assert 'type="datetime-local"' in page and "your time (Europe/Rome)" in page
