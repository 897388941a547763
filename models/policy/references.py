"""Cross-reference checks: every name a policy uses must exist, and lists must be consistent.

They run on the raw document, so a shape error does not hide a wrong reference:
names are collected from the raw text (a broken calendar still exists for the
plans that name it), calendar fields, tier teams, rule filters and each step
are read field by field (models/policy/raw.py), and the checks that need a
whole item (targets of a plan, a rule's trigger) run on each item whose own
shape is valid.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from pydantic import BaseModel

from models.policy.durations import Span
from models.policy.errors import PolicyIssue
from models.policy.escalation import TARGET_KINDS, EscalationRule, EscalationStep, TargetKind, Tier
from models.policy.intake import MonitoringIntake
from models.policy.plans import Plan
from models.policy.raw import Loc, calendar_names, ids, mapping, names, sequence, valid
from models.policy.service import CreditRule, CustomerWait, Entitlement, Onsite, Parts, Rma
from models.policy.source import ParsedText
from models.policy.teams import Team

# The built-in 24x7 calendar without holidays; a policy cannot redefine it.
ALWAYS = "always"

Found = tuple[Loc, str]


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
    # Every raw item that may name calendars: its path, its model and its data.
    items: list[tuple[Loc, type[BaseModel], Any]] = field(default_factory=list)

    @classmethod
    def read(cls, data: dict[str, Any]) -> "_Policy":
        plans = {name: valid(Plan, raw) for name, raw in mapping(data, "plans").items()}
        teams = {name: valid(Team, raw) for name, raw in mapping(data, "teams").items()}
        tiers = [valid(Tier, raw) for raw in sequence(data, "tiers")]
        rules = [valid(EscalationRule, raw) for raw in sequence(data, "escalation")]
        intake_raw = data.get("intake")
        fields = sequence(intake_raw, "fields") if isinstance(intake_raw, dict) else None
        policy = cls(
            calendars={*mapping(data, "calendars"), ALWAYS},
            severities=[name for _, name in ids(sequence(data, "severities"))],
            plans=plans,
            teams=teams,
            tiers=tiers,
            tier_ids={name for _, name in ids(sequence(data, "tiers"))},
            rules=rules,
            intake_fields=None if fields is None else {n for _, n in ids(fields, "name")},
        )
        items = policy.items
        items.extend((("plans", n), Plan, raw) for n, raw in mapping(data, "plans").items())
        items.extend((("tiers", i), Tier, raw) for i, raw in enumerate(sequence(data, "tiers")))
        for index, raw in enumerate(sequence(data, "escalation")):
            items.append((("escalation", index), EscalationRule, raw))
        items.extend(
            [
                (("customer_wait",), CustomerWait, data.get("customer_wait")),
                (("entitlement",), Entitlement, data.get("entitlement")),
                (("reopen_window",), Span, data.get("reopen_window")),
            ]
        )
        service = mapping(data, "field_service")
        parts: list[tuple[str, type[BaseModel]]] = [
            ("onsite", Onsite),
            ("parts", Parts),
            ("rma", Rma),
        ]
        items.extend((("field_service", key), part, service.get(key)) for key, part in parts)
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
    if ALWAYS in mapping(data, "calendars"):
        yield ("calendars", ALWAYS), f'"{ALWAYS}" is the built-in 24x7 calendar; use another name'


def _duplicates(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    """Ids given twice in one list."""
    lists: list[tuple[Loc, list[Any], str]] = [
        (("severities",), sequence(data, "severities"), "id"),
        (("tiers",), sequence(data, "tiers"), "id"),
        (("escalation",), sequence(data, "escalation"), "id"),
    ]
    for index, tier in enumerate(sequence(data, "tiers")):
        if isinstance(tier, dict):
            lists.append((("tiers", index, "checklist"), sequence(tier, "checklist"), "id"))
    for name, team in mapping(data, "teams").items():
        if isinstance(team, dict):
            lists.append((("teams", name, "members"), sequence(team, "members"), "id"))
    intake = data.get("intake")
    if isinstance(intake, dict):
        lists.append((("intake", "fields"), sequence(intake, "fields"), "name"))
    for loc, items, key in lists:
        first: dict[str, int] = {}
        for index, value in ids(items, key):
            if value in first:
                yield (
                    (*loc, index, key),
                    (f'duplicate {key} "{value}" (also at index {first[value]})'),
                )
            else:
                first[value] = index


def _severities(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    owner: dict[str, str] = {}
    for index, raw in enumerate(sequence(data, "severities")):
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
    readable = [(index, tier) for index, tier in enumerate(policy.tiers) if tier is not None]
    for (_, before), (index, tier) in pairwise(readable):
        if tier.level < before.level:
            yield (
                ("tiers", index, "level"),
                f"tiers are listed from the lowest level up; level {tier.level} comes after "
                f'"{before.id}" at level {before.level}',
            )
    if readable and len(readable) == len(policy.tiers):
        lowest = min(tier.level for _, tier in readable)
        entry = [tier.id for _, tier in readable if tier.level == lowest]
        if len(entry) > 1:
            yield (
                ("tiers",),
                f"cases start at the one tier of the lowest level; level {lowest} has "
                + ", ".join(entry),
            )
    for index, raw in enumerate(sequence(data, "tiers")):
        # From the raw tier, so another wrong field of the tier does not hide it.
        team = raw.get("team") if isinstance(raw, dict) else None
        if isinstance(team, str) and team not in policy.teams:
            yield ("tiers", index, "team"), _unknown("team", team, policy.teams)
    for index, tier in readable:
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
    # Filters and steps are read one by one, so a wrong field elsewhere in the rule does
    # not hide them; the trigger's scope needs the whole rule.
    for index, raw in enumerate(sequence(data, "escalation")):
        loc: Loc = ("escalation", index)
        yield from _rule_filters(policy, loc, raw)
        rule = policy.rules[index]
        if rule is not None:
            yield from _trigger(policy, loc, rule)
        for position, step in enumerate(sequence(raw, "steps")):
            if (valid_step := valid(EscalationStep, step)) is not None:
                yield from _step(policy, (*loc, "steps", position), valid_step)


def _rule_filters(policy: _Policy, loc: Loc, raw: Any) -> Iterator[Found]:
    filters: list[tuple[str, str, Iterable[str]]] = [
        ("severities", "severity", policy.severities),
        ("plans", "plan", policy.plans),
        ("tiers", "tier", policy.tier_ids),
    ]
    for key, what, known in filters:
        known = set(known)
        for position, name in names(sequence(raw, key)):
            if name not in known:
                yield (*loc, key, position), _unknown(what, name, known)


def _trigger(policy: _Policy, loc: Loc, rule: EscalationRule) -> Iterator[Found]:
    target = rule.trigger.target
    if target == "tier_response":
        scope = [t for t in policy.tiers if t is None or rule.tiers is None or t.id in rule.tiers]
        if all(t is not None for t in scope) and not any(t and t.response for t in scope):
            yield (*loc, "trigger", "target"), "no tier in scope has a response target"
    elif target is not None:
        if policy.defines_target(target, rule.plans, rule.severities) is False:
            yield (*loc, "trigger", "target"), f'no plan in scope has a "{target}" target'


def _step(policy: _Policy, here: Loc, step: EscalationStep) -> Iterator[Found]:
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
        for position, value in enumerate(sequence(intake, key)):
            if isinstance(value, str) and value.lower() in seen:
                yield ("intake", key, position), f'"{value}" is listed twice'
            seen.add(str(value).lower())
    if intake.get("missing_info_charge") is not None and not sequence(intake, "fields"):
        yield ("intake", "missing_info_charge"), "no intake fields are listed to be missing"
    system_field = intake.get("system_field")
    if isinstance(system_field, str) and policy.intake_fields is not None:
        if system_field not in policy.intake_fields:
            known = policy.intake_fields
            yield ("intake", "system_field"), _unknown("intake field", system_field, known)
    monitoring = valid(MonitoringIntake, intake.get("monitoring"))
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
    entitlement = valid(Entitlement, data.get("entitlement"))
    if entitlement and entitlement.warranty_plan:
        if entitlement.warranty_plan not in policy.plans:
            yield (
                ("entitlement", "warranty_plan"),
                _unknown("plan", entitlement.warranty_plan, policy.plans),
            )
    service = mapping(data, "field_service")
    onsite, parts = valid(Onsite, service.get("onsite")), valid(Parts, service.get("parts"))
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
    rma = valid(Rma, service.get("rma"))
    if rma is not None and rma.overdue.notify and rma.overdue.notify not in policy.teams:
        yield (
            ("field_service", "rma", "overdue", "notify"),
            _unknown("team", rma.overdue.notify, policy.teams),
        )
    for index, raw in enumerate(sequence(data, "credits")):
        credit = valid(CreditRule, raw)
        if credit and policy.defines_target(credit.target, None, None) is False:
            yield ("credits", index, "target"), f'no plan has a "{credit.target}" target'


def _calendar_references(policy: _Policy, data: dict[str, Any]) -> Iterator[Found]:
    for loc, model, raw in policy.items:
        for where, name in calendar_names(model, raw, loc):
            if name not in policy.calendars:
                yield where, _unknown("calendar", name, policy.calendars)


__all__ = ["ALWAYS", "TARGET_KINDS", "check_references"]
