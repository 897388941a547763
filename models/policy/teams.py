"""Teams of a policy: members, and who is on call at a given instant."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from models.policy.durations import TimeOfDay
from models.policy.ids import Email, Phone, Slug


def _to_zone(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time zone (use an IANA name such as Europe/Rome)")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f'"{value}" is not a known time zone (use an IANA name such as Europe/Rome)'
        ) from None
    return value


TimeZoneName = Annotated[str, BeforeValidator(_to_zone)]


class Member(BaseModel):
    """A person who can be notified or paged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    name: str = Field(min_length=1, max_length=200)
    email: Email
    phone: Phone | None = None


class Override(BaseModel):
    """`member` is on call instead of the rotation from `from` (inclusive) to `to` (exclusive)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    member: Slug
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime
    reason: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Override":
        if self.to <= self.from_:
            raise ValueError(f"to: {self.to.isoformat()} is not after 'from'")
        return self


class OnCall(BaseModel):
    """A rotation: `rotation[0]` is on call from `starts` at `handoff`, then each in turn."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rotation: list[Slug] = Field(min_length=1)
    handoff: TimeOfDay
    timezone: TimeZoneName
    period_days: int = Field(default=7, ge=1, le=366)
    # The local date of the first hand-off; any date works, it only fixes the phase.
    starts: date
    overrides: list[Override] = Field(default_factory=list)

    def member_at(self, at: datetime) -> str:
        """The id of the member on call at `at` (overrides first, latest listed wins)."""
        if at.tzinfo is None:
            raise ValueError("on-call lookups need a timezone-aware instant")
        for override in reversed(self.overrides):
            if override.from_ <= at < override.to:
                return override.member
        # Hand-offs happen at local wall time, so count periods in local naive time.
        local = at.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)
        first = datetime.combine(self.starts, self.handoff)
        periods = (local - first) // timedelta(days=self.period_days)
        return self.rotation[periods % len(self.rotation)]


class Paging(BaseModel):
    """How a team is paged (PagerDuty Events v2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The name of the team's integration key in the ESCALATOR_PAGING_ROUTING_KEYS setting:
    # the key is a secret, so neither a policy nor a case history ever holds it.
    routing_key: Slug


class Team(BaseModel):
    """A group that is notified, paged, or owns a tier."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    # A shared mailbox; notifications go there as well as to members.
    email: Email | None = None
    members: list[Member] = Field(min_length=1)
    on_call: OnCall | None = None
    paging: Paging | None = None
    # Told when a notice of the team's cannot be delivered (a refused page or e-mail).
    fallback_email: Email | None = None

    def member(self, member_id: str) -> Member:
        for member in self.members:
            if member.id == member_id:
                return member
        raise KeyError(f"team has no member {member_id!r}")
