"""An escalation policy: the schema of a policy file, loading it, and the lookups workflows use.

`load_policy(text)` parses YAML or JSON, checks shape and cross-references,
and raises `PolicyError` listing every problem (path, message, line). The
helpers on `Policy` are pure and deterministic, so workflows may call them.
"""

from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models.policy.durations import Duration, Span
from models.policy.errors import PolicyError, PolicyIssue, sort_issues
from models.policy.escalation import EscalationRule, TargetKind, Tier
from models.policy.ids import Slug
from models.policy.intake import Intake
from models.policy.issues import issues_from_validation
from models.policy.plans import Plan, Severity
from models.policy.references import ALWAYS, check_references
from models.policy.service import (
    Availability,
    Billing,
    CreditRule,
    CustomerWait,
    Entitlement,
    FieldService,
    Reporting,
)
from models.policy.source import dump_yaml, parse_text
from models.policy.teams import Team
from models.time.business_time import BusinessCalendar
from models.time.calendar_spec import CalendarSpec


class TargetTime(NamedTuple):
    """A target's duration and the calendar it is counted in ("always" for wall-clock time)."""

    duration: Duration
    calendar: str


class Policy(BaseModel):
    """A whole policy file. Sections are documented in docs/policies.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Slug
    description: str = Field(min_length=1)
    calendars: dict[Slug, CalendarSpec] = Field(min_length=1)
    severities: list[Severity] = Field(min_length=1)
    plans: dict[Slug, Plan] = Field(min_length=1)
    teams: dict[Slug, Team] = Field(min_length=1)
    tiers: list[Tier] = Field(min_length=1)
    escalation: list[EscalationRule] = Field(default_factory=list)
    intake: Intake
    customer_wait: CustomerWait | None = None
    entitlement: Entitlement | None = None
    field_service: FieldService | None = None
    credits: list[CreditRule] = Field(default_factory=list)
    billing: Billing | None = None
    reporting: Reporting = Field(default_factory=Reporting)
    availability: list[Availability] = Field(default_factory=list)
    # How long after closing a case the requester may still reopen it.
    reopen_window: Span | None = None

    # -- lookups -------------------------------------------------------------------------------

    def calendar_spec(self, name: str) -> CalendarSpec:
        if name == ALWAYS:
            return CalendarSpec.always()
        try:
            return self.calendars[name]
        except KeyError:
            raise KeyError(f"policy {self.name!r} has no calendar {name!r}") from None

    def calendar(self, name: str) -> BusinessCalendar:
        """The business calendar `name` ("always" = 24x7 without holidays); cached per spec."""
        return BusinessCalendar.from_spec(self.calendar_spec(name))

    def severity(self, severity_id: str) -> Severity:
        return _find(self.severities, severity_id, f"policy {self.name!r} has no severity")

    def tier(self, tier_id: str) -> Tier:
        return _find(self.tiers, tier_id, f"policy {self.name!r} has no tier")

    def plan(self, plan_id: str) -> Plan:
        try:
            return self.plans[plan_id]
        except KeyError:
            raise KeyError(f"policy {self.name!r} has no plan {plan_id!r}") from None

    def team(self, team_id: str) -> Team:
        try:
            return self.teams[team_id]
        except KeyError:
            raise KeyError(f"policy {self.name!r} has no team {team_id!r}") from None

    @property
    def entry_tier(self) -> Tier:
        """The tier every case starts at (the single one of the lowest level)."""
        return min(self.tiers, key=lambda tier: tier.level)

    def target_for(
        self, plan: str, severity: str, kind: TargetKind, outside_hours: bool = False
    ) -> TargetTime | None:
        """The `kind` target of a case, or None when the plan promises none.

        `outside_hours`: the case arrived while the plan's calendar was closed;
        the target's `outside_hours` variant applies when it has one.
        """
        chosen = self.plan(plan)
        self.severity(severity)
        targets = chosen.targets.get(severity)
        target = targets.get(kind) if targets is not None else None
        if target is None:
            return None
        span = target.outside_hours if outside_hours and target.outside_hours else target.in_hours
        return self._counted(span, chosen)

    def tier_response(self, plan: str, tier: str) -> TargetTime | None:
        """The response target of `tier`, counted in the plan's calendar unless it names one."""
        span = self.tier(tier).response
        return None if span is None else self._counted(span, self.plan(plan))

    def _counted(self, span: Span, plan: Plan) -> TargetTime:
        if span.duration.wall:
            return TargetTime(span.duration, ALWAYS)
        return TargetTime(span.duration, span.calendar or plan.calendar)

    def due_at(self, target: TargetTime, start: datetime) -> datetime:
        """When `target` falls due for a clock started at `start` (no pauses).

        Hours and minutes are business time in the target's calendar; "5d" means by the
        close of the 5th business day after the start's local date.
        """
        duration, calendar = target.duration, self.calendar(target.calendar)
        days = duration.business_days
        if days is not None:
            close = calendar.local_close(calendar.add_business_days(start, days))
            assert close is not None, "add_business_days returns a business day"
            return close
        delta = duration.timedelta
        assert delta is not None, "minutes, hours and wall days have a fixed length"
        return start + delta if duration.wall else calendar.add(start, delta)

    def page_all(self, severity: str | None) -> bool:
        return severity is not None and self.severity(severity).page_all

    def severity_for_subject(self, subject: str) -> str | None:
        """The first severity (most severe first) whose `match` phrase is in `subject`."""
        text = subject.casefold()
        for severity in self.severities:
            if any(phrase.casefold() in text for phrase in severity.match):
                return severity.id
        return None

    # -- storage -------------------------------------------------------------------------------

    def with_calendars(self, calendars: dict[str, CalendarSpec]) -> "Policy":
        """The same policy with these calendars in place of its own of the same ids (a
        client's or a site's zone and holidays, from the registry facts of a case)."""
        if not calendars:
            return self
        return self.model_copy(update={"calendars": {**self.calendars, **calendars}})

    @property
    def asks_registry(self) -> bool:
        """Whether a case of this policy decides anything on the client registry: its
        contacts, coverage, the client's zone, the system's site, or a fee to prorate."""
        contacts = self.intake.authorised_contacts
        return bool(
            (contacts is not None and contacts.required)
            or self.entitlement is not None
            or self.client_calendars
            or self.field_service is not None
            or any(rule.basis == "prorated_monthly_fee" for rule in self.credits)
        )

    @property
    def client_calendars(self) -> dict[str, CalendarSpec]:
        """The calendars whose hours count in each client's own zone (`client_zone`)."""
        return {name: spec for name, spec in self.calendars.items() if spec.client_zone}

    @property
    def field_calendars(self) -> dict[str, CalendarSpec]:
        """The calendars of field service: they count in the site's zone when it is known."""
        service = self.field_service
        parts = (service.onsite, service.parts, service.rma) if service else ()
        names = {part.calendar for part in parts if part is not None}
        return {name: self.calendars[name] for name in sorted(names) if name in self.calendars}

    def resolved(self) -> "Policy":
        """The same policy with holidays as explicit dates, so replays never consult a library."""
        calendars = {name: spec.resolved() for name, spec in self.calendars.items()}
        return self.model_copy(update={"calendars": calendars})

    def to_body(self) -> dict[str, Any]:
        """The complete JSON form stored with a version (every field, defaults included)."""
        return self.model_dump(mode="json", by_alias=True)

    def to_yaml(self) -> str:
        """Readable YAML (defaults left out) that loads back into an equal policy."""
        return dump_yaml(self.model_dump(mode="json", by_alias=True, exclude_defaults=True))

    def summary(self) -> str:
        counts = [
            (len(self.calendars), "calendar"),
            (len(self.plans), "plan"),
            (len(self.severities), "severity"),
            (len(self.tiers), "tier"),
            (len(self.teams), "team"),
            (len(self.escalation), "escalation rule"),
        ]
        return f"policy {self.name}: " + ", ".join(_plural(n, word) for n, word in counts)


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_Item = TypeVar("_Item", bound=_HasId)


def _find(items: list[_Item], item_id: str, missing: str) -> _Item:
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"{missing} {item_id!r}")


def validate_policy_text(text: str, filename: str | None = None) -> list[PolicyIssue]:
    """Every problem of a policy file (empty when it is valid), in file order."""
    return _load(text, filename)[1]


def load_policy(text: str, filename: str | None = None) -> Policy:
    """The validated policy; `PolicyError` lists every problem with its path and line."""
    policy, issues = _load(text, filename)
    if issues or policy is None:
        raise PolicyError(issues, filename)
    return policy


def _load(text: str, filename: str | None) -> tuple[Policy | None, list[PolicyIssue]]:
    parsed = parse_text(text, filename)
    if parsed.issues:
        return None, sort_issues(parsed.issues)
    if not isinstance(parsed.data, dict):
        return None, [parsed.issue((), "expected a mapping of sections (name, calendars, ...)")]
    policy: Policy | None = None
    issues: list[PolicyIssue] = []
    try:
        policy = Policy.model_validate(parsed.data)
    except ValidationError as error:
        issues.extend(issues_from_validation(error, parsed, Policy))
    # References are read from the raw text, also where the shape is wrong; a field whose
    # value is already refused (`calendar: Night Shift` is no id) is not also unknown.
    refused = {issue.loc for issue in issues}
    issues.extend(issue for issue in check_references(parsed) if issue.loc not in refused)
    return (None if issues else policy), sort_issues(issues)
