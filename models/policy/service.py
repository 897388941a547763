"""Policy sections after intake: waiting on the customer, entitlement, field service, credits."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.policy.durations import Duration, DurationField, Span, TimeOfDay
from models.policy.escalation import TargetKind
from models.policy.ids import Money, Number, Slug


def _ordering_key(span: Span) -> tuple[tuple[object, ...], int]:
    """(what the span is counted in, its size); spans compare only when the first parts match."""
    duration = span.duration
    if duration.unit == "d" and not duration.wall:
        return ("business days", span.calendar), duration.value
    delta = duration.timedelta
    assert delta is not None, "minutes, hours and wall days have a fixed length"
    return ("clock", span.calendar, duration.wall), int(delta.total_seconds())


def check_increasing(spans: list[Span], limit: Span | None, name: str, limit_name: str) -> None:
    """Raise ValueError naming `name[i]` unless comparable spans increase and stay below `limit`."""
    keys = [_ordering_key(span) for span in spans]
    for index in range(1, len(spans)):
        (earlier_unit, earlier), (later_unit, later) = keys[index - 1], keys[index]
        if earlier_unit == later_unit and later <= earlier:
            raise ValueError(
                f"{name}[{index}]: {spans[index]} is not after {spans[index - 1]} "
                "(list them in order)"
            )
    if limit is not None:
        limit_unit, bound = _ordering_key(limit)
        for index, ((unit, size), span) in enumerate(zip(keys, spans, strict=True)):
            if unit == limit_unit and size >= bound:
                raise ValueError(f"{name}[{index}]: {span} is not before {limit_name} ({limit})")


class CustomerWait(BaseModel):
    """While a case waits on the customer: paused clocks, reminders, then closing it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Target clocks stop while the case waits on the customer and resume on reply.
    pause_targets: bool = True
    # Sent when the case has waited this long (business time unless stated).
    reminders: list[Span] = Field(default_factory=list)
    auto_close_after: Span | None = None

    @model_validator(mode="after")
    def _reminders_before_close(self) -> "CustomerWait":
        check_increasing(self.reminders, self.auto_close_after, "reminders", "auto_close_after")
        return self


class ExpiredContract(BaseModel):
    """What an expired support contract requires before work proceeds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    purchase_order_required: bool = True
    # What the requester must buy (shown in the advice).
    purchase: list[str] = Field(default_factory=list)
    renewal_surcharge: bool = False
    # Whether support may still reach the system remotely.
    remote_access: bool = True


class Entitlement(BaseModel):
    """Coverage checks against the registry when a case arrives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checks: list[Literal["contract", "warranty"]] = Field(min_length=1)
    # Coverage must be at the level of the case's plan.
    match_plan_level: bool = True
    # Tell the requester at once when nothing covers the request.
    advise_if_not_covered: bool = True
    # Coverage counts only if the case was opened before it expired.
    opened_before_expiry: bool = True
    expired_contract: ExpiredContract | None = None
    # An uncovered case with no purchase order is closed after this wait.
    close_uncovered_after: Span | None = None
    # The plan for cases covered by a hardware warranty only.
    warranty_plan: Slug | None = None


class Onsite(BaseModel):
    """Sending a technician when a case cannot be resolved remotely."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plans: list[Slug] = Field(min_length=1)
    # "1d": arrive by the next business day of `calendar`.
    arrive_within: DurationField
    calendar: Slug


class Parts(BaseModel):
    """Replacement parts: a same-day cut-off, and delivery in business days after shipping."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plans: list[Slug] | None = None
    # A failure confirmed by this local time ships the same business day, else the next one.
    cutoff: TimeOfDay
    # Gives the local time zone and the business days for shipping and delivery.
    calendar: Slug
    delivery_business_days: int = Field(default=1, ge=0, le=30)


class RmaOverdue(BaseModel):
    """What happens when a defective part is not back in time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    notify: Slug | None = None
    billable: bool = True
    charge: Money | None = None


class Rma(BaseModel):
    """Returning the defective part: a window per region, reminders, and the overdue action."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    calendar: Slug
    starts: Literal["replacement_shipped", "replacement_delivered"] = "replacement_delivered"
    # Region -> window; `other` is required and covers every region not listed.
    return_within: dict[Slug, DurationField] = Field(min_length=1)
    # Sent this long before the window closes.
    reminders_before: list[DurationField] = Field(default_factory=list)
    tracking_number_required: bool = True
    # The client tests the item as directed before an RMA is issued.
    test_before_issue: bool = False
    # A replacement is sent before the defective part comes back, when one is available.
    advance_replacement: bool = False
    overdue: RmaOverdue = Field(default_factory=RmaOverdue)

    @model_validator(mode="after")
    def _has_default_region(self) -> "Rma":
        if "other" not in self.return_within:
            raise ValueError("return_within: needs an 'other' entry for the regions not listed")
        return self

    def return_window(self, region: str | None) -> Duration:
        return self.return_within.get(region or "other", self.return_within["other"])


class FieldService(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    onsite: Onsite | None = None
    parts: Parts | None = None
    rma: Rma | None = None


class CreditRule(BaseModel):
    """What the client earns when a target is missed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: TargetKind
    # prorated_monthly_fee: the monthly fee x the share of the month the target was exceeded by.
    basis: Literal["prorated_monthly_fee", "fixed"]
    amount: Money | None = None
    # What a prorated credit counts: the whole outage, from receipt to restoration (Z-Support:
    # "for the period of time the Managed Services had not been restored"), or only the time
    # beyond the missed deadline.
    period: Literal["outage", "beyond_target"] = "beyond_target"
    scope: Literal["affected_portion", "whole_service"] = "affected_portion"
    # Granted only when the client asks in writing.
    upon_request: bool = False
    description: str | None = None

    @model_validator(mode="after")
    def _amount_for_fixed(self) -> "CreditRule":
        if (self.basis == "fixed") != (self.amount is not None):
            raise ValueError("amount: is required for basis 'fixed', and only for it")
        return self


class Billing(BaseModel):
    """Work charged on top of the contract."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Hourly-rate multiplier for emergency work outside business hours (1.5: time and a half).
    outside_hours_rate: Number | None = Field(default=None, gt=1, le=5)
    billable_outcomes: list[Literal["no_trouble_found", "third_party_fault"]] = Field(
        default_factory=list
    )


class Reporting(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # How often target attainment is reviewed.
    period: Literal["weekly", "monthly", "quarterly"] = "monthly"


class Availability(BaseModel):
    """An uptime objective of a monitored service (alerts on it open cases)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str = Field(min_length=1)
    objective_percent: Number = Field(gt=0, le=100)
    probe_every: DurationField
