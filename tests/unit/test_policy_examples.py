"""The five example policies: valid, round-tripping, and saying what their sources say."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from pydantic import TypeAdapter

from models.policy import Policy, TargetTime, load_policy
from models.policy.durations import Duration
from models.policy.intake import ACKNOWLEDGEMENT_VARIABLES
from models.policy.source import PolicyLoader
from models.time.shipping import ship_and_delivery_dates

POLICIES = Path(__file__).resolve().parents[2] / "escalator" / "policies"
NAMES = ["emetrotel", "maltarea", "maxony", "protelecom", "zsupport"]

DENVER = ZoneInfo("America/Denver")
CHICAGO = ZoneInfo("America/Chicago")
ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")


@cache
def policy(name: str) -> Policy:
    path = POLICIES / f"{name}.yaml"
    return load_policy(path.read_text(encoding="utf-8"), str(path))


def due(p: Policy, plan: str, severity: str, kind: str, at: datetime, outside: bool) -> datetime:
    target = p.target_for(plan, severity, kind, outside_hours=outside)  # type: ignore[arg-type]
    assert target is not None
    return p.due_at(target, at)


def test_every_example_is_there() -> None:
    assert sorted(p.stem for p in POLICIES.glob("*.yaml")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_example_validates_and_round_trips(name: str) -> None:
    loaded = policy(name)
    assert loaded.name == name
    assert load_policy(loaded.to_yaml()) == loaded
    resolved = loaded.resolved()
    assert all(spec.is_resolved for spec in resolved.calendars.values())
    body = json.loads(json.dumps(resolved.to_body()))
    assert Policy.model_validate(body) == resolved
    assert load_policy(json.dumps(body), f"{name}.json") == resolved


@pytest.mark.parametrize("name", NAMES)
def test_acknowledgement_renders_with_the_documented_variables(name: str) -> None:
    ack = policy(name).intake.acknowledgement
    assert ack is not None and ack.links, "every example acknowledges with helpful links"
    context: dict[str, object] = {key: f"<{key}>" for key in ACKNOWLEDGEMENT_VARIABLES}
    context["links"] = [link.model_dump() for link in ack.links]
    env = SandboxedEnvironment(undefined=StrictUndefined)
    subject = env.from_string(ack.subject).render(context)
    body = env.from_string(ack.body).render(context)
    assert "<subject>" in subject or "<ticket_number>" in subject
    assert ack.links[0].url in body


@pytest.mark.parametrize("name", NAMES)
def test_every_plan_has_targets_for_every_severity_unless_best_effort(name: str) -> None:
    p = policy(name)
    for plan_id, plan in p.plans.items():
        for severity in p.severities:
            target = p.target_for(plan_id, severity.id, "response")
            assert (target is None) == plan.best_effort


# -- Z-Support ------------------------------------------------------------------------------


def test_zsupport_business_hours_are_denver_weekdays_8_to_5_without_colorado_holidays() -> None:
    spec = policy("zsupport").calendars["business"]
    assert spec.timezone == "America/Denver"
    assert set(spec.hours) == {"mon", "tue", "wed", "thu", "fri"}
    assert all(windows == ("08:00-17:00",) for windows in spec.hours.values())
    assert (spec.holidays.country, spec.holidays.subdivision) == ("US", "CO")
    calendar = policy("zsupport").calendar("business")
    assert not calendar.is_business_day(date(2026, 7, 3))  # Independence Day, observed
    assert policy("zsupport").calendar("monitoring").is_open(datetime(2026, 7, 5, 3, tzinfo=DENVER))


def test_zsupport_response_2h_in_hours_and_12_business_hours_outside() -> None:
    p = policy("zsupport")
    assert p.target_for("managed", "standard", "response") == (Duration.parse("2h"), "business")
    assert p.target_for("managed", "standard", "response", outside_hours=True) == (
        Duration.parse("12h"),
        "business",
    )
    wednesday = datetime(2026, 3, 11, 10, 0, tzinfo=DENVER)
    assert due(p, "managed", "standard", "response", wednesday, False) == wednesday.replace(hour=12)
    saturday = datetime(2026, 3, 14, 10, 0, tzinfo=DENVER)
    # Monday 08-17 (9 h) then 3 h on Tuesday.
    assert due(p, "managed", "standard", "response", saturday, True) == datetime(
        2026, 3, 17, 11, 0, tzinfo=DENVER
    )
    before_holiday = datetime(2026, 7, 2, 16, 0, tzinfo=DENVER)
    assert due(p, "managed", "critical", "response", before_holiday, False) == datetime(
        2026, 7, 6, 9, 0, tzinfo=DENVER
    )


def test_zsupport_restoration_4h_or_12_clock_hours_for_critical_services_only() -> None:
    p = policy("zsupport")
    assert p.target_for("managed", "critical", "restoration") == (Duration.parse("4h"), "business")
    saturday = datetime(2026, 3, 14, 10, 0, tzinfo=DENVER)
    assert due(p, "managed", "critical", "restoration", saturday, True) == saturday + timedelta(
        hours=12
    )
    assert p.target_for("managed", "standard", "restoration") is None


def test_zsupport_plans_in_other_time_zones_share_the_targets() -> None:
    p = policy("zsupport")
    assert p.plans["managed_central"].targets == p.plans["managed"].targets
    assert p.calendars["business_central"].timezone == "America/Chicago"
    assert p.calendars["business_pacific"].timezone == "America/Los_Angeles"


def test_zsupport_intake_charges_and_contacts() -> None:
    intake = policy("zsupport").intake
    assert intake.ticket_prefix == "ZSU"
    charge = intake.missing_info_charge
    assert charge is not None
    assert (charge.amount, charge.currency, charge.per) == (Decimal(100), "USD", "occurrence")
    contacts = intake.authorised_contacts
    assert contacts is not None
    assert (contacts.required, contacts.others, contacts.billing) == (True, "billable", "hourly")
    assert {"company_name", "serial_numbers", "software_version", "problem_description"} <= set(
        intake.required_fields
    )
    assert "call_logs" not in intake.required_fields  # "if applicable"
    assert intake.monitoring is not None and "monitoring" in intake.channels


def test_zsupport_auto_close_after_48_business_hours() -> None:
    p = policy("zsupport")
    wait = p.customer_wait
    assert wait is not None and wait.auto_close_after is not None
    assert wait.pause_targets
    close = TargetTime(wait.auto_close_after.duration, "business")
    monday = datetime(2026, 3, 9, 8, 0, tzinfo=DENVER)
    # Five 9-hour days (45 h), then 3 h the next Monday.
    assert p.due_at(close, monday) == datetime(2026, 3, 16, 11, 0, tzinfo=DENVER)


def test_zsupport_rma_credit_and_billing() -> None:
    p = policy("zsupport")
    assert p.field_service is not None and p.field_service.rma is not None
    rma = p.field_service.rma
    assert rma.tracking_number_required and rma.test_before_issue and rma.advance_replacement
    assert rma.starts == "replacement_delivered"
    (credit,) = p.credits
    assert (credit.target, credit.basis, credit.scope) == (
        "restoration",
        "prorated_monthly_fee",
        "affected_portion",
    )
    assert credit.upon_request
    assert p.billing is not None and p.billing.outside_hours_rate == Decimal("1.5")


# -- E-MetroTel -------------------------------------------------------------------------------


def test_emetrotel_plans_and_response_targets() -> None:
    p = policy("emetrotel")
    premium = p.calendars[p.plans["premium"].calendar]
    assert set(premium.hours) == {"mon", "tue", "wed", "thu", "fri"}
    assert all(windows == ("07:00-19:00",) for windows in premium.hours.values())
    assert p.target_for("premium", "standard", "response") == (
        Duration.parse("4h"),
        "weekday_7_to_7",
    )
    standard = p.calendars[p.plans["standard"].calendar]
    assert all(windows == ("09:00-17:00",) for windows in standard.hours.values())
    assert p.target_for("standard", "standard", "response") == (
        Duration.parse("24h"),
        "weekday_9_to_5",
    )
    assert p.target_for("premium_plus", "emergency", "response") == (Duration.parse("2h"), "always")
    friday = datetime(2026, 3, 13, 17, 0, tzinfo=CHICAGO)
    assert due(p, "premium", "standard", "response", friday, False) == datetime(
        2026, 3, 16, 9, 0, tzinfo=CHICAGO
    )
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=CHICAGO)
    assert due(p, "standard", "standard", "response", monday, False) == datetime(
        2026, 3, 11, 17, 0, tzinfo=CHICAGO
    )
    saturday = datetime(2026, 3, 14, 3, 0, tzinfo=CHICAGO)
    assert due(p, "premium_plus", "standard", "response", saturday, False) == saturday.replace(
        hour=5
    )


def test_emetrotel_warranty_is_best_effort() -> None:
    p = policy("emetrotel")
    assert p.plans["warranty"].best_effort
    assert p.target_for("warranty", "emergency", "response") is None


def test_emetrotel_emergency_system_down_pages_everyone() -> None:
    p = policy("emetrotel")
    # The source writes the phrase with an en dash; resellers type either.
    severity = p.severity_for_subject("Emergency \u2013 System Down at the Dallas office")
    assert severity == "emergency"
    assert p.severity("emergency").name == "Emergency - System Down"
    assert p.page_all(severity)
    assert p.severity_for_subject("re: emergency - system down") == "emergency"
    assert p.severity_for_subject("Voicemail greeting question") is None


def test_emetrotel_required_fields_and_entitlement() -> None:
    p = policy("emetrotel")
    assert p.intake.required_fields == [
        "end_customer",
        "system_type",
        "host_id",
        "software_release",
        "call_scenario",
    ]
    entitlement = p.entitlement
    assert entitlement is not None
    assert entitlement.checks == ["contract", "warranty"]
    assert entitlement.match_plan_level and entitlement.advise_if_not_covered
    assert entitlement.opened_before_expiry
    expired = entitlement.expired_contract
    assert expired is not None
    assert expired.purchase_order_required and expired.renewal_surcharge
    assert not expired.remote_access and len(expired.purchase) == 3
    assert entitlement.warranty_plan == "warranty"
    contacts = p.intake.authorised_contacts
    assert contacts is not None and contacts.others == "refer"


# -- Maxony -----------------------------------------------------------------------------------


def test_maxony_tier_responses() -> None:
    p = policy("maxony")
    assert p.tier_response("europe", "level1") == (Duration.parse("4h"), "europe")
    assert p.tier_response("america", "level2") == (Duration.parse("8h"), "america")
    assert p.tier_response("europe", "legal") == (Duration.parse("5d"), "europe")
    assert [t.id for t in p.tiers] == ["level1", "level2", "development", "network", "legal"]
    assert {p.tier(t).team for t in ("development", "network", "legal")} == {
        "developers",
        "network",
        "legal",
    }
    legal = p.tier_response("europe", "legal")
    assert legal is not None
    monday = datetime(2026, 3, 2, 10, 0, tzinfo=ROME)
    assert p.due_at(legal, monday) == datetime(2026, 3, 9, 17, 0, tzinfo=ROME)


def test_maxony_two_regional_calendars() -> None:
    p = policy("maxony")
    assert p.calendars["europe"].timezone == "Europe/Rome"
    assert p.calendars["america"].timezone == "Etc/GMT+6"
    america = p.calendar("america")
    # 09:00 at GMT-6 is 15:00 UTC, all year.
    assert america.is_open(datetime(2026, 7, 6, 15, 0, tzinfo=UTC))
    assert not america.is_open(datetime(2026, 7, 6, 14, 59, tzinfo=UTC))
    europe = p.calendar("europe")
    # 08:00 in Rome is 06:00 UTC in summer.
    assert europe.is_open(datetime(2026, 7, 6, 6, 0, tzinfo=UTC))
    assert not europe.is_open(datetime(2026, 7, 6, 5, 59, tzinfo=UTC))


def test_maxony_level2_checklist() -> None:
    tier = policy("maxony").tier("level2")
    items = {item.id: item for item in tier.checklist}
    assert list(items) == [
        "customer_data",
        "reproduction_attempted",
        "faq_searched",
        "deliverability_checked",
    ]
    assert items["customer_data"].fields == ["customer_number", "browser", "screenshot"]
    assert items["deliverability_checked"].applies_when is not None
    assert "SPF" in items["deliverability_checked"].description
    assert "DKIM" in items["deliverability_checked"].description


def test_maxony_monitoring_is_monthly() -> None:
    p = policy("maxony")
    assert p.reporting.period == "monthly"
    assert {a.service for a in p.availability} >= {"API", "SMTP"}


# -- Maltarea ---------------------------------------------------------------------------------


def test_maltarea_round_the_clock_email_intake_and_severity_1() -> None:
    p = policy("maltarea")
    calendar = p.calendar(p.plans["partner"].calendar)
    assert calendar.is_open(datetime(2026, 12, 25, 3, 0, tzinfo=UTC))
    assert calendar.is_open(datetime(2026, 3, 8, 23, 30, tzinfo=UTC))
    assert p.page_all("sev1") and not p.page_all("sev2")
    assert p.intake.ticket_assigned == "on_triage"
    assert p.intake.notify_ticket_number
    assert "email" in p.intake.channels and p.intake.email_addresses
    ack = p.intake.acknowledgement
    assert ack is not None and len(ack.links) >= 2
    assert "contact your own support team" in ack.body


# -- ProTelecom -------------------------------------------------------------------------------


def test_protelecom_plans_and_next_business_day_onsite() -> None:
    p = policy("protelecom")
    assert p.plans["premier"].calendar == "business"
    assert p.plans["premier_plus"].calendar == "always"
    assert p.field_service is not None and p.field_service.onsite is not None
    onsite = p.field_service.onsite
    assert onsite.plans == ["premier_plus"]
    friday_night = datetime(2026, 3, 13, 20, 0, tzinfo=NEW_YORK)
    arrive = p.due_at(TargetTime(onsite.arrive_within, onsite.calendar), friday_night)
    assert arrive == datetime(2026, 3, 16, 17, 0, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("confirmed", "ships", "delivered"),
    [
        (datetime(2026, 3, 10, 14, 59), date(2026, 3, 10), date(2026, 3, 11)),
        (datetime(2026, 3, 10, 15, 1), date(2026, 3, 11), date(2026, 3, 12)),
        (datetime(2026, 3, 13, 14, 0), date(2026, 3, 13), date(2026, 3, 16)),
    ],
)
def test_protelecom_parts_cut_off(confirmed: datetime, ships: date, delivered: date) -> None:
    p = policy("protelecom")
    assert p.field_service is not None and p.field_service.parts is not None
    parts = p.field_service.parts
    dates = ship_and_delivery_dates(
        p.calendar(parts.calendar),
        confirmed.replace(tzinfo=NEW_YORK),
        cutoff=parts.cutoff,
        transit_days=parts.delivery_business_days,
    )
    assert (dates.ships_on, dates.delivered_on) == (ships, delivered)


def test_protelecom_returns_by_region() -> None:
    p = policy("protelecom")
    assert p.field_service is not None and p.field_service.rma is not None
    rma = p.field_service.rma
    assert rma.return_window("north_america") == Duration.parse("5d")
    assert rma.return_window("europe") == Duration.parse("10d")
    assert rma.return_window(None) == Duration.parse("10d")
    assert rma.tracking_number_required
    assert rma.overdue.billable and rma.overdue.charge is not None
    assert rma.overdue.notify == "logistics"


# -- the reference stays true -----------------------------------------------------------------


def test_every_yaml_example_in_the_reference_matches_the_schema() -> None:
    text = (POLICIES.parents[1] / "docs" / "policies.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in text.split("```yaml\n")[1:]]
    checked: set[str] = set()
    for block in blocks:
        data = yaml.load(block, Loader=PolicyLoader)
        for key, value in data.items():
            field = Policy.model_fields.get(key)
            if field is not None:
                assert field.annotation is not None, key
                TypeAdapter(field.annotation).validate_python(value)
                checked.add(key)
    assert checked >= {
        "calendars",
        "severities",
        "plans",
        "teams",
        "tiers",
        "escalation",
        "intake",
        "customer_wait",
        "entitlement",
        "field_service",
        "credits",
        "billing",
        "availability",
    }
