"""One validation pass reports every problem: a shape error never hides a wrong name."""

from typing import Any

from models.policy import validate_policy_text
from tests.unit.test_policy_schema import MINIMAL, base, paths_and_messages


def found(data: dict[str, Any]) -> dict[str, str]:
    return paths_and_messages(data)


def test_a_bad_window_in_calendars_and_a_plan_naming_a_missing_calendar() -> None:
    # The example of issue 13, as text, so the lines are checked too.
    text = MINIMAL.replace(
        'hours: {mon: ["09:00-17:00"],', 'hours: {mon: ["09:00-17:00", "18:00-17:00"],'
    ).replace("    calendar: office\n", "    calendar: nights\n")
    lines = text.splitlines()
    issues = validate_policy_text(text, "p.yaml")
    assert [(i.path, i.line, i.message) for i in issues] == [
        (
            "calendars.office.hours.mon.1",
            next(n for n, line in enumerate(lines, 1) if "18:00-17:00" in line),
            '"18:00-17:00" ends before it starts',
        ),
        (
            "plans.gold.calendar",
            lines.index("    calendar: nights") + 1,
            'unknown calendar "nights" (known: always, office)',
        ),
    ]


def test_the_plan_with_the_missing_calendar_may_be_broken_itself() -> None:
    data = base()
    data["calendars"]["office"]["hours"]["mon"] = ["9-17"]
    data["plans"]["gold"]["calendar"] = "nights"
    data["plans"]["gold"]["targets"]["low"]["response"] = "soon"
    data["plans"]["gold"]["colour"] = "gold"
    issues = found(data)
    assert sorted(issues) == [
        "calendars.office.hours.mon.0",
        "plans.gold.calendar",
        "plans.gold.colour",
        "plans.gold.targets.low.response",
    ]
    assert issues["plans.gold.calendar"] == 'unknown calendar "nights" (known: always, office)'
    assert issues["plans.gold.colour"].startswith("unknown key")


def test_calendars_named_in_a_broken_targets_or_step_are_checked() -> None:
    data = base()
    targets = data["plans"]["gold"]["targets"]
    targets["high"]["restoration"] = {"duration": "12h", "calendar": "moon"}
    targets["high"]["response"]["duration"] = "2 hours"
    step = data["escalation"][0]["steps"][1]
    step["only_during"], step["after"] = "night", "later"
    issues = found(data)
    assert issues["plans.gold.targets.high.restoration.calendar"].startswith(
        'unknown calendar "moon"'
    )
    assert "plans.gold.targets.high.response.duration" in issues
    assert issues["escalation.0.steps.1.only_during"].startswith('unknown calendar "night"')
    assert "escalation.0.steps.1.after" in issues


def test_a_broken_rule_still_has_its_teams_tiers_and_filters_checked() -> None:
    data = base()
    rule = data["escalation"][0]
    rule["trigger"] = {"target": "response", "at": "most"}
    rule["plans"] = ["gold", "iron"]
    rule["steps"][0]["notify"] = "ghosts"
    rule["steps"][2]["escalate"] = "third"
    issues = found(data)
    assert "escalation.0.trigger.at" in issues
    assert issues["escalation.0.plans.1"] == 'unknown plan "iron" (known: gold)'
    assert issues["escalation.0.steps.0.notify"] == 'unknown team "ghosts" (known: support)'
    assert issues["escalation.0.steps.2.escalate"] == 'unknown tier "third" (known: first, second)'


def test_a_team_with_a_bad_field_and_a_rule_naming_a_missing_team() -> None:
    data = base()
    data["teams"]["support"]["members"][0]["email"] = 42
    data["escalation"][0]["steps"][0]["notify"] = "ghosts"
    data["tiers"][0]["level"] = "one"
    data["tiers"][0]["team"] = "nobody"
    issues = found(data)
    assert "teams.support.members.0.email" in issues
    assert issues["escalation.0.steps.0.notify"] == 'unknown team "ghosts" (known: support)'
    assert "tiers.0.level" in issues
    assert issues["tiers.0.team"] == 'unknown team "nobody" (known: support)'


def test_a_refused_or_misplaced_name_is_reported_once() -> None:
    data = base()
    data["plans"]["gold"]["calendar"] = "Night Shift"
    data["plans"]["gold"]["targets"]["low"]["calendar"] = "moon"
    data["plans"]["gold"]["extra"] = {"calendar": "moon"}
    issues = found(data)
    assert issues["plans.gold.calendar"].startswith('"Night Shift" is not a valid id')
    assert issues["plans.gold.targets.low.calendar"].startswith("unknown key")
    assert issues["plans.gold.extra"].startswith("unknown key")
    assert len(issues) == 3, issues
