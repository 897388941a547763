"""Cross-reference checks: every name a policy uses must exist, and lists must be consistent.

They run on the raw document item by item (each plan, tier, team, rule,
intake part, field-service part), so a shape error in one item does not hide
a wrong reference in another: each item whose own shape is valid is checked,
and names are collected from the raw text (a broken calendar still exists for
the plans that name it).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models.calendar_spec import CalendarSpec
from models.durations import Span
from models.policy_errors import PathPart, PolicyIssue
from models.policy_escalation import TARGET_KINDS, EscalationRule, TargetKind, Tier
from models.policy_intake import MonitoringIntake
from models.policy_plans import Plan
from models.policy_service import CreditRule, CustomerWait, Entitlement, Onsite, Parts, Rma
from models.policy_teams import Team
from models.policy_yaml import ParsedText

# The built-in 24x7 calendar without holidays; a policy cannot redefine it.
ALWAYS = "always"

Loc = tuple[PathPart, ...]
Found = tuple[Loc, str]
M = TypeVar("M", bound=BaseModel)


def _valid(model: type[M], value: Any) -> M | None:
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _sequence(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def _ids(items: Iterable[Any], key: str = "id") -> list[tuple[int, str]]:
    return [
        (index, item[key])
        for index, item in enumerate(items)
        if isinstance(item, dict) and isinstance(item.get(key), str)
    ]


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    names = ", ".join(sorted(set(known))) or "none defined"
    return f'unknown {what} "{name}" (known: {names})'


@dataclass
class _Policy:
    """What the checks need: names from the raw text, and each item that validates on its own."""

    calendars: set[str]
    severities: list[str]
    plans: dict[str, Plan | None]
    teams: dict[str, Team | None]
    tiers: list[Tier | None]
    tier_ids: set[str]
    rules: list[EscalationRule | None]
    intake_fields: set[str] | None
    # Every valid item with its path, for the calendar references inside them.
    items: list[tuple[Loc, BaseModel]] = field(default_factory=list)

    @classmethod
    def read(cls, data: dict[str, Any]) -> "_Policy":
        plans = {name: _valid(Plan, raw) for name, raw in _mapping(data, "plans").items()}
        teams = {name: _valid(Team, raw) for name, raw in _mapping(data, "teams").items()}
        tiers = [_valid(Tier, raw) for raw in _sequence(data, "tiers")]
        rules = [_valid(EscalationRule, raw) for raw in _sequence(data, "escalation")]
        intake_raw = data.get("intake")
        fields = _sequence(intake_raw, "fields") if isinstance(intake_raw, dict) else None
        policy = cls(
            calendars={*_mapping(data, "calendars"), ALWAYS},
            severities=[name for _, name in _ids(_sequence(data, "severities"))],
            plans=plans,
            teams=teams,
            tiers=tiers,
            tier_ids={name for _, name in _ids(_sequence(data, "tiers"))},
            rules=rules,
            intake_fields=None if fields is None else {n for _, n in _ids(fields, "name")},
        )
        policy.items.extend((("plans", n), p) for n, p in plans.items() if p)
        policy.items.extend((("tiers", i), t) for i, t in enumerate(tiers) if t)
        policy.items.extend((("escalation", i), r) for i, r in enumerate(rules) if r)
        sections: list[tuple[Loc, type[BaseModel], Any]] = [
            (("customer_wait",), CustomerWait, data.get("customer_wait")),
            (("entitlement",), Entitlement, data.get("entitlement")),
            (("reopen_window",), Span, data.get("reopen_window")),
        ]
        service = _mapping(data, "field_service")
        parts: list[tuple[str, type[BaseModel]]] = [
            ("onsite", Onsite),
            ("parts", Parts),
            ("rma", Rma),
        ]
        for key, part in parts:
            sections.append((("field_service", key), part, service.get(key)))
        for loc, section, raw in sections:
            if (item := _valid(section, raw)) is not None:
                policy.items.append((loc, item))
        return policy

    def defines_target(
        self, kind: TargetKind, plans: list[str] | None, severities: list[str] | None
    ) -> bool | None:
        """Whether some plan/severity in scope has a `kind` target; None if a plan is unreadable."""
        scope = [self.plans.get(name) for name in (plans or self.plans)]
        if any(plan is None for plan in scope):
            return None
        return any(
            targets.get(kind) is not None
            for plan in scope
            if plan is not None
            for severity, targets in plan.targets.items()
            if severities is None or severity in severities
        )


def check_references(parsed: ParsedText) -> list[PolicyIssue]:
    """Every reference and consistency problem in the document, with paths and lines."""
    if not isinstance(parsed.data, dict):
        return []
    data: dict[str, Any] = parsed.data
    policy = _Policy.read(data)
    checks: list[Callable[[_Policy, dict[str, Any]], Iterator[Found]]] = [
        _calendar_names,
        _duplicates,
        _severities,
        _plans,
        _tiers,
        _teams,
        _escalation,
        _intake,
        _sections,
        _calendar_references,
    ]
    return [parsed.issue(loc, message) for check in checks for loc, message in check(policy, data)]


def _calendar_names(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    if ALWAYS in _mapping(data, "calendars"):
        yield ("calendars", ALWAYS), f'"{ALWAYS}" is the built-in 24x7 calendar; use another name'


def _duplicates(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    """Ids given twice in one list."""
    lists: list[tuple[Loc, list[Any], str]] = [
        (("severities",), _sequence(data, "severities"), "id"),
        (("tiers",), _sequence(data, "tiers"), "id"),
        (("escalation",), _sequence(data, "escalation"), "id"),
    ]
    for index, tier in enumerate(_sequence(data, "tiers")):
        if isinstance(tier, dict):
            lists.append((("tiers", index, "checklist"), _sequence(tier, "checklist"), "id"))
    for name, team in _mapping(data, "teams").items():
        if isinstance(team, dict):
            lists.append((("teams", name, "members"), _sequence(team, "members"), "id"))
    intake = data.get("intake")
    if isinstance(intake, dict):
        lists.append((("intake", "fields"), _sequence(intake, "fields"), "name"))
    for loc, items, key in lists:
        first: dict[str, int] = {}
        for index, value in _ids(items, key):
            if value in first:
                yield (
                    (*loc, index, key),
                    (f'duplicate {key} "{value}" (also at index {first[value]})'),
                )
            else:
                first[value] = index


def _severities(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    owner: dict[str, str] = {}
    for index, raw in enumerate(_sequence(data, "severities")):
        phrases = raw.get("match") if isinstance(raw, dict) else None
        for position, phrase in enumerate(phrases if isinstance(phrases, list) else []):
            key = str(phrase).casefold()
            if key in owner:
                yield (
                    ("severities", index, "match", position),
                    f'"{phrase}" already selects severity "{owner[key]}"',
                )
            else:
                owner[key] = str(raw.get("id"))


def _plans(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    for name, plan in policy.plans.items():
        if plan is None:
            continue
        loc: Loc = ("plans", name)
        if plan.best_effort:
            if plan.targets:
                yield (*loc, "targets"), "a best-effort plan has no targets"
            continue
        for severity in plan.targets:
            if severity not in policy.severities:
                yield (*loc, "targets", severity), _unknown("severity", severity, policy.severities)
        for severity in policy.severities:
            targets = plan.targets.get(severity)
            if targets is None:
                yield (*loc, "targets"), f'no targets for severity "{severity}"'
            elif targets.response is None:
                yield (
                    (*loc, "targets", severity, "response"),
                    "is required",
                )


def _tiers(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    valid = [(index, tier) for index, tier in enumerate(policy.tiers) if tier is not None]
    for (_, before), (index, tier) in pairwise(valid):
        if tier.level < before.level:
            yield (
                ("tiers", index, "level"),
                f"tiers are listed from the lowest level up; level {tier.level} comes after "
                f'"{before.id}" at level {before.level}',
            )
    if valid and len(valid) == len(policy.tiers):
        lowest = min(tier.level for _, tier in valid)
        entry = [tier.id for _, tier in valid if tier.level == lowest]
        if len(entry) > 1:
            yield (
                ("tiers",),
                f"cases start at the one tier of the lowest level; level {lowest} has "
                + ", ".join(entry),
            )
    for index, tier in valid:
        if tier.team not in policy.teams:
            yield ("tiers", index, "team"), _unknown("team", tier.team, policy.teams)
        if policy.intake_fields is None:
            continue
        for position, item in enumerate(tier.checklist):
            for number, name in enumerate(item.fields):
                if name not in policy.intake_fields:
                    yield (
                        ("tiers", index, "checklist", position, "fields", number),
                        _unknown("intake field", name, policy.intake_fields),
                    )


def _teams(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    for name, team in policy.teams.items():
        if team is None or team.on_call is None:
            continue
        members = [member.id for member in team.members]
        loc: Loc = ("teams", name, "on_call")
        for index, member in enumerate(team.on_call.rotation):
            if member not in members:
                yield (*loc, "rotation", index), _unknown("member", member, members)
        for index, override in enumerate(team.on_call.overrides):
            if override.member not in members:
                yield (
                    (*loc, "overrides", index, "member"),
                    _unknown("member", override.member, members),
                )


def _escalation(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    for index, rule in enumerate(policy.rules):
        if rule is not None:
            yield from _rule(policy, ("escalation", index), rule)


def _rule(policy: _Policy, loc: Loc, rule: EscalationRule) -> Iterator[Found]:
    filters: list[tuple[str, list[str] | None, str, Iterable[str]]] = [
        ("severities", rule.severities, "severity", policy.severities),
        ("plans", rule.plans, "plan", policy.plans),
        ("tiers", rule.tiers, "tier", policy.tier_ids),
    ]
    for key, names, what, known in filters:
        known = set(known)
        for position, name in enumerate(names or []):
            if name not in known:
                yield (*loc, key, position), _unknown(what, name, known)
    target = rule.trigger.target
    if target == "tier_response":
        scope = [t for t in policy.tiers if t is None or rule.tiers is None or t.id in rule.tiers]
        if all(t is not None for t in scope) and not any(t and t.response for t in scope):
            yield (*loc, "trigger", "target"), "no tier in scope has a response target"
    elif target is not None:
        if policy.defines_target(target, rule.plans, rule.severities) is False:
            yield (*loc, "trigger", "target"), f'no plan in scope has a "{target}" target'
    for position, step in enumerate(rule.steps):
        here = (*loc, "steps", position)
        if step.team is not None and step.team not in policy.teams:
            yield (*here, step.action), _unknown("team", step.team, policy.teams)
        team = policy.teams.get(step.team or "")
        if step.page is not None and step.page_who == "on_call" and team and not team.on_call:
            yield (
                (*here, "page"),
                f'team "{step.page}" has no on-call rotation (add teams.{step.page}.on_call '
                "or page who: all)",
            )
        if step.escalate is not None and step.escalate not in policy.tier_ids:
            yield (*here, "escalate"), _unknown("tier", step.escalate, policy.tier_ids)


def _intake(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    # Part by part, so a wrong currency does not hide a wrong monitoring severity.
    intake = data.get("intake")
    if not isinstance(intake, dict):
        return
    for key in ("channels", "email_addresses"):
        seen: set[str] = set()
        for position, value in enumerate(_sequence(intake, key)):
            if isinstance(value, str) and value.lower() in seen:
                yield ("intake", key, position), f'"{value}" is listed twice'
            seen.add(str(value).lower())
    if intake.get("missing_info_charge") is not None and not _sequence(intake, "fields"):
        yield ("intake", "missing_info_charge"), "no intake fields are listed to be missing"
    monitoring = _valid(MonitoringIntake, intake.get("monitoring"))
    if monitoring is None:
        return
    loc: Loc = ("intake", "monitoring")
    if isinstance(intake.get("channels"), list) and "monitoring" not in intake["channels"]:
        yield loc, 'the "monitoring" channel is not in intake.channels'
    for label, severity in monitoring.severities.items():
        if severity not in policy.severities:
            yield (*loc, "severities", label), _unknown("severity", severity, policy.severities)
    if monitoring.default is not None and monitoring.default not in policy.severities:
        yield (*loc, "default"), _unknown("severity", monitoring.default, policy.severities)
    if monitoring.plan is not None and monitoring.plan not in policy.plans:
        yield (*loc, "plan"), _unknown("plan", monitoring.plan, policy.plans)


def _sections(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    """Plans and teams named by entitlement, field service and credits."""
    entitlement = _valid(Entitlement, data.get("entitlement"))
    if entitlement and entitlement.warranty_plan:
        if entitlement.warranty_plan not in policy.plans:
            yield (
                ("entitlement", "warranty_plan"),
                _unknown("plan", entitlement.warranty_plan, policy.plans),
            )
    service = _mapping(data, "field_service")
    onsite, parts = _valid(Onsite, service.get("onsite")), _valid(Parts, service.get("parts"))
    for key, named in (
        ("onsite", onsite.plans if onsite else []),
        ("parts", parts and parts.plans),
    ):
        for position, plan in enumerate(named or []):
            if plan not in policy.plans:
                yield (
                    ("field_service", key, "plans", position),
                    _unknown("plan", plan, policy.plans),
                )
    rma = _valid(Rma, service.get("rma"))
    if rma is not None and rma.overdue.notify and rma.overdue.notify not in policy.teams:
        yield (
            ("field_service", "rma", "overdue", "notify"),
            _unknown("team", rma.overdue.notify, policy.teams),
        )
    for index, raw in enumerate(_sequence(data, "credits")):
        credit = _valid(CreditRule, raw)
        if credit and policy.defines_target(credit.target, None, None) is False:
            yield ("credits", index, "target"), f'no plan has a "{credit.target}" target'


def _calendar_references(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    for loc, item in policy.items:
        for where, name in _calendar_fields(item, loc):
            if name not in policy.calendars:
                yield where, _unknown("calendar", name, policy.calendars)


def _calendar_fields(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """(path, name) of every `calendar` and `only_during` field inside `value`."""
    if isinstance(value, CalendarSpec):
        return
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            child, key = getattr(value, name), info.alias or name
            if name in ("calendar", "only_during") and isinstance(child, str):
                yield (*loc, key), child
            else:
                yield from _calendar_fields(child, (*loc, key))
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            yield from _calendar_fields(child, (*loc, index))
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from _calendar_fields(child, (*loc, key))


__all__ = ["ALWAYS", "TARGET_KINDS", "check_references"]
