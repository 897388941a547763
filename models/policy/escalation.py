"""Tiers (with their entry checklists) and escalation rules: trigger, scope and ordered steps."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.policy.durations import Percent, Span
from models.policy.ids import Slug

TargetKind = Literal["response", "restoration", "resolution"]
TARGET_KINDS: tuple[TargetKind, ...] = ("response", "restoration", "resolution")
# A trigger may also watch the response target of the tier the case is at.
TriggerTarget = Literal["response", "restoration", "resolution", "tier_response"]
StepAction = Literal["notify", "page", "escalate"]


class ChecklistItem(BaseModel):
    """Something that must be done before a case may enter a tier."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    description: str = Field(min_length=1)
    # Never blocks the escalation; shown as a reminder.
    optional: bool = False
    # Required only where this holds (the engineer may mark it "not applicable").
    applies_when: str | None = None
    # Intake fields that carry what this item collects; they must exist in `intake.fields`.
    fields: list[Slug] = Field(default_factory=list)


class Tier(BaseModel):
    """A support level; cases start at the single lowest level and move up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    # 1 = first line; specialist teams may share a level.
    level: int = Field(ge=1, le=9)
    team: Slug
    # The tier's own response target, counted in the case's plan calendar unless it names one.
    response: Span | None = None
    # Must be complete (required items done or not applicable) to escalate into this tier.
    checklist: list[ChecklistItem] = Field(default_factory=list)

    @property
    def required_items(self) -> list[ChecklistItem]:
        return [item for item in self.checklist if not item.optional]


class Trigger(BaseModel):
    """When a rule starts: a target reaching a share of its time, or an unrestored acknowledgement.

    `{target: response, at: 75%}`, `{target: restoration, at: breach}` or
    `{acknowledged_not_restored: 2h}`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: TriggerTarget | None = None
    at: Percent | None = None
    acknowledged_not_restored: Span | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> "Trigger":
        if self.acknowledged_not_restored is not None:
            if self.target is not None or self.at is not None:
                raise ValueError(
                    "give either 'target' with 'at', or 'acknowledged_not_restored', not both"
                )
        elif self.target is None:
            raise ValueError(
                "give 'target' with 'at' (e.g. 75% or breach), or 'acknowledged_not_restored'"
            )
        elif self.at is None:
            raise ValueError("at: is required with 'target' (e.g. 75% or breach)")
        return self


class Repeat(BaseModel):
    """Do the step again every `every`, at most `times` more times."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    every: Span
    times: int = Field(ge=1, le=100)


class EscalationStep(BaseModel):
    """One action of a rule, `after` the previous step (or the trigger) has happened.

    Exactly one of `notify: TEAM` (optionally `round_robin`), `page: TEAM`
    (`who: on_call` or `all`) or `escalate: TIER`. With `only_during: CALENDAR`
    a step due outside that calendar's hours waits for its next opening.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    after: Span | None = None
    notify: Slug | None = None
    # Notify the next team member each time instead of the whole team.
    round_robin: bool = False
    page: Slug | None = None
    who: Literal["on_call", "all"] | None = None
    escalate: Slug | None = None
    only_during: Slug | None = None
    repeat: Repeat | None = None

    @model_validator(mode="after")
    def _one_action(self) -> "EscalationStep":
        chosen = [name for name in ("notify", "page", "escalate") if getattr(self, name)]
        if len(chosen) != 1:
            found = ", ".join(chosen) if chosen else "none"
            raise ValueError(
                f"a step does exactly one of notify, page or escalate (found: {found})"
            )
        if self.round_robin and self.notify is None:
            raise ValueError("round_robin: only goes with 'notify'")
        if self.who is not None and self.page is None:
            raise ValueError("who: only goes with 'page'")
        if self.repeat is not None and self.escalate is not None:
            raise ValueError("repeat: an escalation to a tier happens once; it cannot repeat")
        return self

    @property
    def action(self) -> StepAction:
        if self.notify is not None:
            return "notify"
        return "page" if self.page is not None else "escalate"

    @property
    def team(self) -> str | None:
        """The team notified or paged."""
        return self.notify or self.page

    @property
    def page_who(self) -> Literal["on_call", "all"]:
        return self.who or "on_call"


class EscalationRule(BaseModel):
    """A trigger, the cases it applies to (all when a filter is absent), and its steps in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    description: str | None = None
    trigger: Trigger
    severities: list[Slug] | None = None
    plans: list[Slug] | None = None
    tiers: list[Slug] | None = None
    steps: list[EscalationStep] = Field(min_length=1)

    def applies_to(self, plan: str, severity: str | None, tier: str | None) -> bool:
        return (
            (self.plans is None or plan in self.plans)
            and (self.severities is None or severity in self.severities)
            and (self.tiers is None or tier in self.tiers)
        )
