"""Small text types shared by the policy schema: ids, e-mail addresses, phones, URLs, money."""

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{3,30}[0-9](\s*(ext\.?|x)\s*[0-9]{1,6})?$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _text(kind: str, pattern: re.Pattern[str], hint: str) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or not pattern.match(value):
            shown = f'"{value}"' if isinstance(value, str) else repr(value)
            raise ValueError(f"{shown} is not a valid {kind} ({hint})")
        return value

    return check


# Ids of calendars, plans, severities, tiers, teams, members, rules: stable, URL- and YAML-safe.
Slug = Annotated[
    str,
    BeforeValidator(
        _text("id", _SLUG, "lowercase letters, digits, '_' or '-', starting with a letter")
    ),
]
Email = Annotated[str, BeforeValidator(_text("e-mail address", _EMAIL, "e.g. ops@example.com"))]
Phone = Annotated[str, BeforeValidator(_text("phone number", _PHONE, "e.g. +1 303 555 0100"))]
Url = Annotated[str, BeforeValidator(_text("URL", _URL, "http:// or https://"))]
Currency = Annotated[str, BeforeValidator(_text("currency", _CURRENCY, "ISO 4217, e.g. USD"))]


def _two_decimals(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{value} has more than two decimals")
    return value


def _plain_number(value: Decimal) -> int | float:
    # Dumps as a YAML number; short decimals survive the float (its repr is the shortest text).
    return int(value) if value == value.to_integral_value() else float(value)


# An exact decimal number written as a plain YAML number (1.5, 99.9).
Number = Annotated[Decimal, PlainSerializer(_plain_number)]

Amount = Annotated[Number, Field(ge=0), AfterValidator(_two_decimals)]


class Money(BaseModel):
    """An amount of money, e.g. `{amount: 100, currency: USD}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Amount
    currency: Currency


class Charge(Money):
    """A fixed charge, e.g. 100 USD per occurrence of missing information."""

    per: Literal["occurrence", "case"] = "occurrence"
