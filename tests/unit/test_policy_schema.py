"""The policy schema: durations, every error at once with path and line, reference checks."""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from models.policy import Policy, TargetTime, load_policy, validate_policy_text
from models.policy.durations import Duration, Span, Target
from models.policy.errors import PolicyError, PolicyIssue
from models.policy.source import PolicyLoader
from models.policy.teams import OnCall

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

MINIMAL = """\
name: mini
description: A small valid policy the tests change one thing at a time.
calendars:
  office:
    timezone: Europe/Rome
    hours: {mon: ["09:00-17:00"], tue: ["09:00-17:00"], wed: ["09:00-17:00"],
            thu: ["09:00-17:00"], fri: ["09:00-17:00"]}
severities:
  - {id: high, name: High, page_all: true, match: ["System Down"]}
  - {id: low, name: Low}
plans:
  gold:
    name: Gold
    calendar: office
    targets:
      high:
        response: {duration: 2h, outside_hours: 6h}
        restoration: {duration: 12h, calendar: always}
      low: {response: 1d}
teams:
  support:
    name: Support
    members:
      - {id: ann, name: Ann, email: ann@example.test, phone: "+39 02 5550 0001"}
      - {id: bob, name: Bob, email: bob@example.test}
    on_call: {rotation: [ann, bob], handoff: "09:00", timezone: Europe/Rome,
              starts: "2026-01-05"}
tiers:
  - {id: first, name: First, level: 1, team: support, response: 3h}
  - id: second
    name: Second
    level: 2
    team: support
    checklist:
      - {id: data, description: Customer data collected, fields: [customer]}
escalation:
  - id: warn
    trigger: {target: response, at: 75%}
    steps:
      - {notify: support, round_robin: true}
      - {after: 30m, page: support, only_during: office, repeat: {every: 1h, times: 2}}
      - {escalate: second}
intake:
  ticket_prefix: MIN
  channels: [email, api]
  fields:
    - {name: customer, description: Customer number}
"""


def base() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(MINIMAL, Loader=PolicyLoader)
    return data


def issues_of(data: dict[str, Any]) -> list[PolicyIssue]:
    return validate_policy_text(yaml.safe_dump(data, sort_keys=False))


def paths_and_messages(data: dict[str, Any]) -> dict[str, str]:
    return {issue.path: issue.message for issue in issues_of(data)}


# -- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "wall", "delta", "days"),
    [
        ("30m", 30, "m", False, timedelta(minutes=30), None),
        ("4h", 4, "h", False, timedelta(hours=4), None),
        ("5d", 5, "d", False, None, 5),
        ("2h wall", 2, "h", True, timedelta(hours=2), None),
        ("3d wall", 3, "d", True, timedelta(days=3), None),
    ],
)
def test_duration_forms(
    text: str, value: int, unit: str, wall: bool, delta: timedelta | None, days: int | None
) -> None:
    duration = Duration.parse(text)
    assert (duration.value, duration.unit, duration.wall) == (value, unit, wall)
    assert duration.timedelta == delta
    assert duration.business_days == days
    assert str(duration) == text
    assert Duration.parse(str(duration)) == duration


@pytest.mark.parametrize("text", ["4 hrs", "1.5h", "h", "4", "-2h", "2h clock", "4H", ""])
def test_duration_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueError, match=r'is not a duration \(use 30m, 4h, 5d or "2h wall"\)'):
        Duration.parse(text)


def test_a_bare_number_is_not_a_duration() -> None:
    data = base()
    data["plans"]["gold"]["targets"]["low"]["response"] = 4
    data["tiers"][0]["response"] = 2.5
    found = paths_and_messages(data)
    assert found["plans.gold.targets.low.response"] == (
        '4 is not a duration (use 30m, 4h, 5d or "2h wall")'
    )
    assert found["tiers.0.response"].startswith("2.5 is not a duration")


def test_zero_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        Duration.parse("0h")


def test_span_and_target_dump_as_written() -> None:
    # Pydantic types model_dump() as a dict; the model serializer makes this one a string.
    compact: object = Span.model_validate("4h").model_dump()
    assert compact == "4h"
    named = Span.model_validate({"duration": "12h", "calendar": "always"})
    assert named.model_dump() == {"duration": "12h", "calendar": "always"}
    target = Target.model_validate({"duration": "2h", "outside_hours": "12h"})
    assert target.model_dump() == {"duration": "2h", "outside_hours": "12h"}
    assert Target.model_validate(target.model_dump()) == target


def test_wall_time_cannot_name_a_calendar() -> None:
    data = base()
    data["plans"]["gold"]["targets"]["low"]["response"] = {"duration": "2h wall", "calendar": "x"}
    found = paths_and_messages(data)
    assert "wall-clock time" in found["plans.gold.targets.low.response.calendar"]


# -- the loader -----------------------------------------------------------------------------


def test_loader_keeps_text_that_yaml_1_1_would_convert() -> None:
    data = yaml.load(
        "a: NO\nb: 15:00\nc: 2026-12-24\nd: on\ne: 3\nf: 1.5\ng: true\nh: ~\n", Loader=PolicyLoader
    )
    assert data == {
        "a": "NO",
        "b": "15:00",
        "c": "2026-12-24",
        "d": "on",
        "e": 3,
        "f": 1.5,
        "g": True,
        "h": None,
    }


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    text = MINIMAL.replace("  ticket_prefix: MIN\n", "  ticket_prefix: MIN\n  ticket_prefix: DUP\n")
    first = text.splitlines().index("  ticket_prefix: MIN") + 1
    issues = validate_policy_text(text)
    assert [(i.path, i.line) for i in issues] == [("intake.ticket_prefix", first + 1)]
    assert issues[0].message == f"duplicate key (first given on line {first})"


def test_yaml_syntax_error_has_a_line() -> None:
    issues = validate_policy_text("name: x\ncalendars: [unclosed\nplans: {}\n")
    assert len(issues) == 1
    assert issues[0].message.startswith("invalid YAML")
    assert issues[0].line == 3


def test_json_policies_load_and_json_errors_have_lines() -> None:
    policy = load_policy(MINIMAL)
    as_json = json.dumps(policy.to_body(), indent=2)
    assert load_policy(as_json, "mini.json") == policy
    broken = as_json.replace('"name": "mini"', '"name": "mini",,', 1)
    issues = validate_policy_text(broken, "mini.json")
    assert len(issues) == 1
    assert issues[0].message.startswith("invalid JSON")
    assert issues[0].line == 2


def test_json_errors_point_at_lines_too() -> None:
    body = load_policy(MINIMAL).to_body()
    body["plans"]["gold"]["calendar"] = "nowhere"
    issues = validate_policy_text(json.dumps(body, indent=2), "mini.json")
    assert [i.path for i in issues] == ["plans.gold.calendar"]
    assert issues[0].line is not None
    line = json.dumps(body, indent=2).splitlines()[issues[0].line - 1]
    assert '"calendar": "nowhere"' in line


def test_anchor_expansion_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    issues = validate_policy_text("\n".join(lines) + "\n")
    assert [i.message for i in issues] == ["the document is too large once anchors are expanded"]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "null\n"])
def test_empty_document(text: str) -> None:
    assert [i.message for i in validate_policy_text(text)] == ["the file is empty"]


def test_a_list_at_the_top_is_refused() -> None:
    issues = validate_policy_text("- a\n- b\n")
    assert [(i.path, i.message) for i in issues] == [
        ("(policy)", "expected a mapping of sections (name, calendars, ...)")
    ]


# -- every error at once ---------------------------------------------------------------------


def test_broken_fixture_reports_all_ten_mistakes_with_paths_and_lines() -> None:
    text = (FIXTURES / "broken_policy.yaml").read_text()
    with pytest.raises(PolicyError) as raised:
        load_policy(text, "broken_policy.yaml")
    found = [(issue.path, issue.line) for issue in raised.value.issues]
    assert found == [
        ("name", 2),
        ("calendars.office.timezone", 7),
        ("calendars.always", 10),
        ("plans.premium.targets.sev1.response", 27),
        ("plans.basic.calendar", 32),
        ("teams.support.on_call.rotation.1", 43),
        ("tiers.1.team", 56),
        ("escalation.0.steps.0", 62),
        ("intake.channels.1", 67),
        ("intake.colour", 68),
    ]
    messages = [issue.message for issue in raised.value.issues]
    assert messages[3] == '"4 hrs" is not a duration (use 30m, 4h, 5d or "2h wall")'
    assert messages[4] == 'unknown calendar "nights" (known: always, office)'
    assert "Mars/Olympus" in messages[1]
    assert "built-in 24x7 calendar" in messages[2]
    assert messages[5] == 'unknown member "bob" (known: ann)'
    assert messages[6] == 'unknown team "developers" (known: support)'
    assert "exactly one of notify, page or escalate" in messages[7]
    assert messages[8].startswith('"fax": input should be')
    assert messages[9].startswith("unknown key")
    rendered = str(raised.value).splitlines()
    assert rendered[0] == "10 problems in the policy:"
    assert rendered[4] == (
        'broken_policy.yaml:27: plans.premium.targets.sev1.response: "4 hrs" is not a duration '
        '(use 30m, 4h, 5d or "2h wall")'
    )


def test_unknown_keys_are_refused_everywhere_with_a_suggestion() -> None:
    data = base()
    data["plans"]["gold"]["calender"] = "office"
    data["tiers"][1]["checklist"][0]["colour"] = "red"
    data["colour"] = "red"
    found = paths_and_messages(data)
    assert found["plans.gold.calender"] == 'unknown key (did you mean "calendar"?)'
    assert found["tiers.1.checklist.0.colour"].startswith("unknown key (expected one of: id,")
    assert found["colour"].startswith("unknown key")


def test_missing_required_sections_are_named() -> None:
    data = base()
    del data["intake"]
    del data["plans"]["gold"]["calendar"]
    found = paths_and_messages(data)
    assert found["intake"] == "is required"
    assert found["plans.gold.calendar"] == "is required"


def test_validator_messages_point_at_the_field_they_name() -> None:
    data = base()
    data["calendars"]["office"]["hours"]["tue"] = ["09:00-17:00", "16:00-18:00"]
    data["teams"]["support"]["on_call"]["overrides"] = [
        {"member": "ann", "from": "2026-02-02T09:00:00+01:00", "to": "2026-02-01T09:00:00+01:00"}
    ]
    data["escalation"][0]["steps"][0]["who"] = "all"
    found = paths_and_messages(data)
    assert "overlaps" in found["calendars.office.hours.tue.1"]
    assert found["teams.support.on_call.overrides.0.to"].endswith("is not after 'from'")
    assert found["escalation.0.steps.0.who"] == "only goes with 'page'"


# -- reference checks -------------------------------------------------------------------------


def test_plans_need_targets_for_every_severity_and_known_severities_only() -> None:
    data = base()
    data["plans"]["gold"]["targets"]["urgent"] = {"response": "1h"}
    del data["plans"]["gold"]["targets"]["low"]
    data["plans"]["gold"]["targets"]["high"].pop("response")
    found = paths_and_messages(data)
    assert found["plans.gold.targets.urgent"].startswith('unknown severity "urgent"')
    assert found["plans.gold.targets"] == 'no targets for severity "low"'
    assert found["plans.gold.targets.high.response"] == "is required"


def test_best_effort_plans_have_no_targets() -> None:
    data = base()
    data["plans"]["warranty"] = {"name": "W", "calendar": "office", "best_effort": True}
    assert issues_of(data) == []
    data["plans"]["warranty"]["targets"] = {"high": {"response": "1h"}}
    assert paths_and_messages(data) == {
        "plans.warranty.targets": "a best-effort plan has no targets"
    }


def test_tier_order_and_entry_tier() -> None:
    data = base()
    data["tiers"].append({"id": "zero", "name": "Zero", "level": 1, "team": "support"})
    found = paths_and_messages(data)
    assert found["tiers.2.level"].startswith("tiers are listed from the lowest level up")
    data["tiers"].insert(1, data["tiers"].pop())
    found = paths_and_messages(data)
    assert found == {
        "tiers": "cases start at the one tier of the lowest level; level 1 has first, zero"
    }


def test_duplicate_ids_are_reported_at_the_second_one() -> None:
    data = base()
    data["severities"].append({"id": "low", "name": "Again"})
    data["teams"]["support"]["members"].append({"id": "ann", "name": "A", "email": "a@x.test"})
    found = paths_and_messages(data)
    assert found["severities.2.id"] == 'duplicate id "low" (also at index 1)'
    assert found["teams.support.members.2.id"] == 'duplicate id "ann" (also at index 0)'


def test_escalation_references() -> None:
    data = base()
    rule = data["escalation"][0]
    rule["plans"] = ["silver"]
    rule["severities"] = ["high", "nope"]
    rule["steps"][0]["notify"] = "ghosts"
    rule["steps"][2]["escalate"] = "third"
    rule["steps"][1]["only_during"] = "night"
    data["escalation"].append(
        {"id": "res", "trigger": {"target": "resolution", "at": "breach"}, "steps": [{"page": "x"}]}
    )
    found = paths_and_messages(data)
    assert found["escalation.0.plans.0"] == 'unknown plan "silver" (known: gold)'
    assert found["escalation.0.severities.1"] == 'unknown severity "nope" (known: high, low)'
    assert found["escalation.0.steps.0.notify"] == 'unknown team "ghosts" (known: support)'
    assert found["escalation.0.steps.2.escalate"] == 'unknown tier "third" (known: first, second)'
    assert found["escalation.0.steps.1.only_during"].startswith('unknown calendar "night"')
    assert found["escalation.1.trigger.target"] == 'no plan in scope has a "resolution" target'


def test_paging_the_on_call_needs_a_rotation() -> None:
    data = base()
    del data["teams"]["support"]["on_call"]
    found = paths_and_messages(data)
    assert found == {
        "escalation.0.steps.1.page": 'team "support" has no on-call rotation '
        "(add teams.support.on_call or page who: all)"
    }
    data["escalation"][0]["steps"][1]["who"] = "all"
    assert issues_of(data) == []


def test_triggers_need_a_target_and_a_share() -> None:
    data = base()
    data["escalation"][0]["trigger"] = {"target": "response"}
    assert paths_and_messages(data) == {
        "escalation.0.trigger.at": "is required with 'target' (e.g. 75% or breach)"
    }
    data["escalation"][0]["trigger"] = {"target": "tier_response", "at": "150%"}
    assert issues_of(data) == []
    data["tiers"][0].pop("response")
    assert paths_and_messages(data) == {
        "escalation.0.trigger.target": "no tier in scope has a response target"
    }


def test_checklists_and_intake_references() -> None:
    data = base()
    data["tiers"][1]["checklist"][0]["fields"] = ["customer", "browser"]
    data["intake"]["monitoring"] = {"severities": {"critical": "sev0"}, "plan": "bronze"}
    data["intake"]["missing_info_charge"] = {"amount": 100, "currency": "usd"}
    found = paths_and_messages(data)
    assert found["tiers.1.checklist.0.fields.1"] == (
        'unknown intake field "browser" (known: customer)'
    )
    assert found["intake.monitoring"] == 'the "monitoring" channel is not in intake.channels'
    assert found["intake.monitoring.severities.critical"].startswith('unknown severity "sev0"')
    assert found["intake.monitoring.plan"] == 'unknown plan "bronze" (known: gold)'
    assert found["intake.missing_info_charge.currency"].startswith('"usd" is not a valid currency')


def test_acknowledgement_templates_are_checked() -> None:
    data = base()
    data["intake"]["acknowledgement"] = {
        "subject": "[{{ ticket_number }] {{ subject }}",
        "body": "Hello {{ customer_name }}",
    }
    found = paths_and_messages(data)
    assert found["intake.acknowledgement.subject"].startswith("template error on its line 1")
    assert found["intake.acknowledgement.body"].startswith(
        "unknown template variable customer_name (available: case_id, contact_email"
    )


def test_how_far_back_a_request_may_be_dated() -> None:
    intake = Policy.model_validate(base()).intake
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert str(intake.received_at_max_age) == "7d wall"
    assert intake.refuse_received_at(now - timedelta(days=7), now) is None
    assert intake.refuse_received_at(now + timedelta(seconds=5), now) is None
    assert intake.refuse_received_at(now + timedelta(seconds=6), now) == "is in the future"
    assert intake.refuse_received_at(now - timedelta(days=7, seconds=1), now) == (
        "is more than 7d wall ago (intake.received_at_max_age)"
    )
    data = base()
    assert intake.earliest_received_at(now) == now - timedelta(days=7)
    for business in ("5d", "12h"):
        data["intake"]["received_at_max_age"] = business
        assert paths_and_messages(data) == {
            "intake.received_at_max_age": f'"{business}" is business time; write wall-clock '
            'time, e.g. "7d wall"'
        }


def test_customer_wait_reminders_come_before_closing() -> None:
    data = base()
    data["customer_wait"] = {"reminders": ["24h", "12h"], "auto_close_after": "48h"}
    assert paths_and_messages(data) == {
        "customer_wait.reminders.1": "12h is not after 24h (list them in order)"
    }
    data["customer_wait"]["reminders"] = ["24h", "48h"]
    assert paths_and_messages(data) == {
        "customer_wait.reminders.1": "48h is not before auto_close_after (48h)"
    }


def test_field_service_and_credit_references() -> None:
    data = base()
    data["field_service"] = {
        "onsite": {"plans": ["platinum"], "arrive_within": "1d", "calendar": "office"},
        "parts": {"cutoff": "3pm", "calendar": "depot"},
        "rma": {"calendar": "office", "return_within": {"europe": "5d"}},
    }
    data["credits"] = [{"target": "resolution", "basis": "prorated_monthly_fee"}]
    found = paths_and_messages(data)
    assert found["field_service.onsite.plans.0"] == 'unknown plan "platinum" (known: gold)'
    assert found["field_service.parts.cutoff"].startswith('"3pm" is not a time of day')
    assert found["field_service.rma.return_within"].startswith("needs an 'other' entry")
    assert found["credits.0.target"] == 'no plan has a "resolution" target'


def test_a_shape_error_in_one_item_does_not_hide_references_in_others() -> None:
    data = base()
    data["plans"]["gold"]["targets"]["low"]["response"] = "soon"
    data["plans"]["silver"] = {"name": "S", "calendar": "moon", "targets": {}}
    found = paths_and_messages(data)
    assert "plans.gold.targets.low.response" in found
    assert found["plans.silver.calendar"].startswith('unknown calendar "moon"')
    # A broken calendar still exists for the plans that name it.
    data["calendars"]["office"]["timezone"] = "Nowhere/City"
    assert "plans.gold.calendar" not in paths_and_messages(data)


# -- lookups ----------------------------------------------------------------------------------


def test_targets_and_their_calendars() -> None:
    policy = load_policy(MINIMAL)
    two, six = Duration.parse("2h"), Duration.parse("6h")
    assert policy.target_for("gold", "high", "response") == TargetTime(two, "office")
    assert policy.target_for("gold", "high", "response", outside_hours=True) == (six, "office")
    assert policy.target_for("gold", "high", "restoration", True) == (
        Duration.parse("12h"),
        "always",
    )
    assert policy.target_for("gold", "low", "restoration") is None
    assert policy.tier_response("gold", "first") == (Duration.parse("3h"), "office")
    assert policy.tier_response("gold", "second") is None
    with pytest.raises(KeyError, match="no plan 'iron'"):
        policy.target_for("iron", "high", "response")
    with pytest.raises(KeyError, match="no severity 'mid'"):
        policy.target_for("gold", "mid", "response")


def test_due_dates_in_business_time() -> None:
    policy = load_policy(MINIMAL)
    rome = ZoneInfo("Europe/Rome")
    friday_4pm = datetime(2026, 3, 6, 16, 0, tzinfo=rome)
    response = policy.target_for("gold", "high", "response")
    assert response is not None
    assert policy.due_at(response, friday_4pm) == datetime(2026, 3, 9, 10, 0, tzinfo=rome)
    low = policy.target_for("gold", "low", "response")
    assert low is not None
    # 1d: by the close of the next business day.
    assert policy.due_at(low, friday_4pm) == datetime(2026, 3, 9, 17, 0, tzinfo=rome)
    wall = TargetTime(Duration.parse("2h wall"), "always")
    assert policy.due_at(wall, friday_4pm) == friday_4pm + timedelta(hours=2)


def test_severity_helpers_and_entry_tier() -> None:
    policy = load_policy(MINIMAL)
    assert policy.severity_for_subject("URGENT: system down since 9") == "high"
    assert policy.severity_for_subject("question") is None
    assert policy.page_all("high") and not policy.page_all("low") and not policy.page_all(None)
    assert policy.entry_tier.id == "first"
    assert policy.calendar("always").is_open(datetime(2026, 1, 1, 3, tzinfo=UTC))
    assert not policy.calendar("office").is_open(datetime(2026, 1, 3, 12, tzinfo=UTC))


def test_on_call_rotation_hands_off_at_local_time_and_obeys_overrides() -> None:
    rome = ZoneInfo("Europe/Rome")
    on_call = OnCall.model_validate(
        {
            "rotation": ["ann", "bob", "cy"],
            "handoff": "09:00",
            "timezone": "Europe/Rome",
            "starts": "2026-01-05",
            "overrides": [
                {"member": "cy", "from": "2026-01-07T12:00+01:00", "to": "2026-01-08T00:00+01:00"}
            ],
        }
    )
    assert on_call.member_at(datetime(2026, 1, 5, 9, 0, tzinfo=rome)) == "ann"
    assert on_call.member_at(datetime(2026, 1, 12, 8, 59, tzinfo=rome)) == "ann"
    assert on_call.member_at(datetime(2026, 1, 12, 9, 0, tzinfo=rome)) == "bob"
    assert on_call.member_at(datetime(2026, 1, 7, 13, 0, tzinfo=rome)) == "cy"
    assert on_call.member_at(datetime(2026, 1, 4, 12, 0, tzinfo=rome)) == "cy"  # before start
    # 13 weeks on, after the spring DST change: hand-off still at 09:00 local (07:00 UTC).
    assert on_call.member_at(datetime(2026, 4, 6, 6, 59, tzinfo=UTC)) == "ann"
    assert on_call.member_at(datetime(2026, 4, 6, 7, 0, tzinfo=UTC)) == "bob"
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call.member_at(datetime(2026, 1, 5, 9, 0))


# -- storage forms ----------------------------------------------------------------------------


def test_dump_and_body_round_trip() -> None:
    policy = load_policy(MINIMAL)
    assert load_policy(policy.to_yaml()) == policy
    resolved = policy.resolved()
    assert Policy.model_validate(resolved.to_body()) == resolved
    assert Policy.model_validate(json.loads(json.dumps(resolved.to_body()))) == resolved


def test_resolved_holidays_are_dates() -> None:
    data = base()
    data["calendars"]["office"]["holidays"] = {"country": "IT", "years": [2026, 2026]}
    policy = load_policy(yaml.safe_dump(data))
    holidays = policy.resolved().to_body()["calendars"]["office"]["holidays"]
    assert holidays["resolved"] is True
    assert "2026-12-25" in holidays["dates"] and "2026-08-15" in holidays["dates"]
    assert policy.calendars["office"].holidays.dates == ()


def test_issue_lines_follow_merge_keys() -> None:
    text = MINIMAL.replace(
        "      low: {response: 1d}\n",
        "      low: {response: 1d}\n  silver:\n    <<: &gold_like {name: S, calendar: nope}\n"
        "    targets: {high: {response: 1h}, low: {response: 1h}}\n",
    )
    merged = text.splitlines().index("    <<: &gold_like {name: S, calendar: nope}") + 1
    issues = validate_policy_text(text)
    assert [(i.path, i.line) for i in issues] == [("plans.silver.calendar", merged)]


def test_policy_error_keeps_every_issue() -> None:
    data = copy.deepcopy(base())
    data["name"] = "Bad Name"
    data["intake"]["ticket_prefix"] = "zz"
    with pytest.raises(PolicyError) as raised:
        load_policy(yaml.safe_dump(data), "p.yaml")
    assert {i.path for i in raised.value.issues} == {"name", "intake.ticket_prefix"}
    assert raised.value.filename == "p.yaml"
