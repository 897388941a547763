"""The registry's rules on values, each refusal naming its field (RegistryInvalid with `loc`).

Zones are IANA names (`zoneinfo.available_timezones()`, not whatever `ZoneInfo` opens:
"localtime" or a file path would mean another thing on another host); holiday countries and
subdivisions are those the `holidays` package serves, as policy calendars use them
(models/time/calendar_spec.py).
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from iso4217 import Currency

from escalator.registry.errors import RegistryInvalid

# Numeric(14, 2): twelve digits before the point, two after.
_FEE_DIGITS = 12
# Instants every database and every zone conversion can hold.
_YEARS = (1900, 2999)


@cache
def _zones() -> frozenset[str]:
    # "localtime" is the host's own zone (another on another host), "Factory" no place's.
    return frozenset(available_timezones()) - {"localtime", "Factory"}


def known_zones() -> frozenset[str]:
    """The IANA zones the registry takes (what a form suggests)."""
    return _zones()


@cache
def _holiday_countries() -> dict[str, frozenset[str]]:
    import holidays  # lazily: a large package only the registry's writes need

    return {
        country: frozenset(subdivisions)
        for country, subdivisions in holidays.list_supported_countries().items()
    }


def check_zone(zone: str | None, field: str) -> None:
    if zone is not None and zone not in _zones():
        raise RegistryInvalid(
            f"unknown IANA time zone {zone!r} (e.g. Europe/Paris, America/Denver, UTC)",
            loc=[field],
        )


def check_holidays(country: str | None, subdivision: str | None, prefix: str = "") -> None:
    """`prefix` + "holidays_country" / "holidays_subdivision" name the fields."""
    if country is None:
        if subdivision is not None:
            raise RegistryInvalid(
                "a subdivision needs its country", loc=[f"{prefix}holidays_subdivision"]
            )
        return
    known = _holiday_countries()
    if country not in known:
        raise RegistryInvalid(
            f"unknown holiday country {country!r} (an ISO 3166 code the holidays package "
            "serves, e.g. US, FR, DE)",
            loc=[f"{prefix}holidays_country"],
        )
    if subdivision is not None and subdivision not in known[country]:
        some = ", ".join(sorted(known[country])[:5]) or "none"
        raise RegistryInvalid(
            f"unknown subdivision {subdivision!r} of {country} (e.g. {some})",
            loc=[f"{prefix}holidays_subdivision"],
        )


def check_instant(at: datetime, field: str) -> None:
    if at.tzinfo is None:
        raise RegistryInvalid("needs an offset (2027-01-01T00:00:00+00:00)", loc=[field])
    try:
        year = at.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not _YEARS[0] <= year <= _YEARS[1]:
        raise RegistryInvalid(f"must fall within the years {_YEARS[0]} to {_YEARS[1]}", loc=[field])


def check_period(starts_at: datetime, expires_at: datetime) -> None:
    check_instant(starts_at, "starts_at")
    check_instant(expires_at, "expires_at")
    if not starts_at < expires_at:
        raise RegistryInvalid("must be after starts_at", loc=["expires_at"])


def _is_currency(code: str) -> bool:
    """A currency ISO 4217 lists (the `iso4217` package's table): credits round to its
    minor units."""
    try:
        Currency(code)
    except ValueError:
        return False
    return code.isupper()


def check_fee(fee: Decimal | None, currency: str | None) -> None:
    if currency is not None and not _is_currency(currency):
        raise RegistryInvalid(
            f"{currency!r} is not an ISO 4217 currency code (e.g. USD, EUR)", loc=["currency"]
        )
    if fee is None:
        return
    if not fee.is_finite():
        raise RegistryInvalid("must be an amount", loc=["monthly_fee"])
    if fee < 0:
        raise RegistryInvalid("may not be negative", loc=["monthly_fee"])
    # Before quantize(), which cannot hold 1E+999999 in the context's precision.
    if fee >= Decimal(10) ** _FEE_DIGITS:
        raise RegistryInvalid(
            f"has at most {_FEE_DIGITS} digits before the point", loc=["monthly_fee"]
        )
    if fee != fee.quantize(Decimal("0.01")):
        raise RegistryInvalid("has at most two decimals", loc=["monthly_fee"])
    if currency is None:
        raise RegistryInvalid("a fee needs its currency", loc=["currency"])


def start_of_day(day: date, zone: str) -> datetime:
    """Midnight at the start of `day` where the organisation is: what a date alone means in
    the CLI and the CSV files."""
    return datetime.combine(day, time(0), ZoneInfo(zone))


def instant_from_text(text: str, zone: str, field: str) -> datetime:
    """An ISO 8601 instant with its offset, or a date (the start of that day in `zone`)."""
    try:
        if len(text) == 10:
            at = start_of_day(date.fromisoformat(text), zone)
        else:
            at = datetime.fromisoformat(text)
    except ValueError:
        raise RegistryInvalid(
            f"{text!r} is neither a date (2027-01-01) nor an instant with its offset "
            "(2027-01-01T00:00:00+01:00)",
            loc=[field],
        ) from None
    check_instant(at, field)
    return at
