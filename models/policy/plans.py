"""Severities and plans (service levels): a calendar and targets per severity and target kind."""

from pydantic import BaseModel, ConfigDict, Field

from models.policy.durations import Target
from models.policy.escalation import TargetKind
from models.policy.ids import Slug


class Severity(BaseModel):
    """A severity; listed most severe first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    # Page every member of the case's team at once (e.g. "Emergency - System Down").
    page_all: bool = False
    # Phrases that, found in a new case's subject, give it this severity.
    match: list[str] = Field(default_factory=list)


class TargetSet(BaseModel):
    """Targets of one severity in one plan (`response` is required unless best effort)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    response: Target | None = None
    restoration: Target | None = None
    resolution: Target | None = None

    def get(self, kind: TargetKind) -> Target | None:
        target: Target | None = getattr(self, kind)
        return target


class Plan(BaseModel):
    """A service level: the calendar targets are counted in, and targets per severity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    calendar: Slug
    # No committed times (e.g. a hardware warranty's "best effort"): then no targets.
    best_effort: bool = False
    # Severity id -> targets; every severity needs an entry unless `best_effort`.
    targets: dict[Slug, TargetSet] = Field(default_factory=dict)
