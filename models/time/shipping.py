"""Parts shipment dates under a same-day cut-off (ProTelecom: "if by 3:00 PM local time the
engineer determines a hardware failure, a replacement ships the same day for next business day
delivery"). Pure date arithmetic over a `BusinessCalendar`, safe inside workflows.
"""

from datetime import date, datetime, time
from typing import NamedTuple

from models.time.business_time import BusinessCalendar
from models.time.zone_days import require_aware

DEFAULT_CUTOFF = time(15, 0)


class ShipmentDates(NamedTuple):
    ships_on: date
    delivered_on: date


def ship_and_delivery_dates(
    calendar: BusinessCalendar,
    confirmed_at: datetime,
    cutoff: time = DEFAULT_CUTOFF,
    transit_days: int = 1,
) -> ShipmentDates:
    """Ship date and delivery date of a part whose failure was confirmed at `confirmed_at`.

    Ships the same local date when that date is a business day and `confirmed_at` is at or
    before `cutoff` ("by 3:00 PM" includes 15:00:00), otherwise the next business day; it is
    delivered `transit_days` business days after shipping.
    """
    require_aware(confirmed_at, "confirmed_at")
    if not isinstance(cutoff, time) or cutoff.tzinfo is not None:
        raise ValueError("cutoff: expected a local wall-clock time without tzinfo")
    if isinstance(transit_days, bool) or not isinstance(transit_days, int) or transit_days < 1:
        raise ValueError(f"transit_days: expected a whole number >= 1, got {transit_days!r}")
    day = calendar.local_date(confirmed_at)
    same_day = calendar.is_business_day(day) and confirmed_at <= calendar.at_local(day, cutoff)
    ships_on = day if same_day else calendar.add_business_days(day, 1)
    return ShipmentDates(ships_on, calendar.add_business_days(ships_on, transit_days))
