"""Deadlines of field service, from the case's pinned policy: pure, so workflows call them.

On-site visits are due by the end of the promised business day; parts ship under
the cut-off and are delivered business days later; defective parts come back
within the region's window of business days.
"""

from datetime import date, datetime, time, timedelta

from models.policy import Policy, TargetTime
from models.policy.durations import Duration
from models.policy.service import Rma
from models.time.business_time import BusinessCalendar
from models.time.shipping import DEFAULT_CUTOFF, ShipmentDates, ship_and_delivery_dates


def onsite_promise(policy: Policy, requested_at: datetime) -> tuple[date, datetime]:
    """The promised business day of an on-site visit and its end (the arrival deadline)."""
    onsite = policy.field_service.onsite if policy.field_service else None
    assert onsite is not None, "the validator refuses dispatches the policy does not offer"
    due = policy.due_at(TargetTime(onsite.arrive_within, onsite.calendar), requested_at)
    calendar = policy.calendar(onsite.calendar)
    return calendar.local_date(due), due


def shipping_calendar(policy: Policy) -> tuple[BusinessCalendar, time, int]:
    """Calendar, cut-off and transit days of replacement parts.

    A policy without a `parts` section (advance replacements under an RMA only) ships
    under the default 15:00 cut-off for next-business-day delivery in the RMA's calendar.
    """
    service = policy.field_service
    assert service is not None and (service.parts or service.rma)
    if service.parts is not None:
        parts = service.parts
        return policy.calendar(parts.calendar), parts.cutoff, parts.delivery_business_days
    assert service.rma is not None
    return policy.calendar(service.rma.calendar), DEFAULT_CUTOFF, 1


def shipment_dates(policy: Policy, confirmed_at: datetime) -> ShipmentDates:
    calendar, cutoff, transit = shipping_calendar(policy)
    if transit == 0:
        ships_on = ship_and_delivery_dates(calendar, confirmed_at, cutoff).ships_on
        return ShipmentDates(ships_on, ships_on)
    return ship_and_delivery_dates(calendar, confirmed_at, cutoff, transit)


def ship_instant(policy: Policy, ships_on: date, now: datetime) -> datetime:
    """When the carrier takes the part: the cut-off of the ship day, or now if that is later."""
    calendar, cutoff, _ = shipping_calendar(policy)
    return max(now, calendar.at_local(ships_on, cutoff))


def delivery_deadline(policy: Policy, delivered_on: date) -> datetime:
    """End of the promised delivery day: unconfirmed by then, the shipment is late."""
    calendar, _, _ = shipping_calendar(policy)
    close = calendar.local_close(delivered_on)
    assert close is not None, "delivery dates are business days"
    return close


def rma_policy(policy: Policy) -> Rma:
    rma = policy.field_service.rma if policy.field_service else None
    assert rma is not None, "RMAs are opened only when the policy has an rma section"
    return rma


def rma_deadline(policy: Policy, region: str, starts_at: datetime) -> datetime:
    """By the end of the n-th business day after the window starts (n by region)."""
    rma = rma_policy(policy)
    return policy.due_at(TargetTime(rma.return_window(region), rma.calendar), starts_at)


def rma_reminders(policy: Policy, due_at: datetime, after: datetime) -> list[datetime]:
    """The reminder instants before `due_at` that fall after `after`, earliest first."""
    rma = rma_policy(policy)
    calendar = policy.calendar(rma.calendar)
    instants = {before(calendar, due_at, duration) for duration in rma.reminders_before}
    return sorted(at for at in instants if after < at < due_at)


def before(calendar: BusinessCalendar, deadline: datetime, duration: Duration) -> datetime:
    """The instant `duration` before `deadline`.

    "2d": the same local time two business days earlier; hours and minutes are business
    time (the latest instant from which `duration` of open time remains); "wall" is plain time.
    """
    days = duration.business_days
    if days is not None:
        day, wall = calendar.local_date(deadline), deadline.astimezone(calendar.tz).time()
        while days > 0:
            day -= timedelta(days=1)
            days -= calendar.is_business_day(day)
        return calendar.at_local(day, wall)
    delta = duration.timedelta
    assert delta is not None
    if duration.wall:
        return deadline - delta
    # elapsed(t, deadline) shrinks as t grows: find the latest t that still leaves delta.
    low, high = 0, 400 * 86_400 * 1_000_000  # microseconds before `deadline - delta`
    while low < high:
        middle = (low + high) // 2
        if calendar.elapsed(deadline - delta - timedelta(microseconds=middle), deadline) >= delta:
            high = middle
        else:
            low = middle + 1
    return deadline - delta - timedelta(microseconds=low)
