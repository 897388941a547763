"""Where an SLA credit stands, from the case's side and from the people's (docs/registry.md,
"Credits"). Pure: the projection (activities/credit_projection.py) and the credit service
(escalator/credits/) decide with it.

The case decides a credit's amount; people decide whether it is paid. Until someone acts,
a credit's state follows its case: `accruing` while the service is out (a prorated amount
is known at restoration), `no_amount` when no monthly fee was known, then `eligible`
(upon written request: waiting for the partner) or `granted` (owed without a request).
A partner's or an engineer's request makes it `requested`; a manager then `approved` or
`declined` it. The projection never touches a state people set.
"""

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from models.case.resource import Case, Credit

CreditState = Literal[
    "accruing", "no_amount", "eligible", "requested", "approved", "declined", "granted"
]
CREDIT_STATES: tuple[CreditState, ...] = get_args(CreditState)
# States people set: the projection keeps them, and the amount they acted on.
SET_BY_PEOPLE: tuple[CreditState, ...] = ("requested", "approved", "declined")
# What the provider owes the client.
OWED: tuple[CreditState, ...] = ("approved", "granted")
# States with an amount, in the order reports list them.
WITH_AMOUNT: tuple[CreditState, ...] = ("eligible", "requested", "approved", "declined", "granted")


def earned_state(credit: Credit) -> CreditState:
    """The state the case alone gives a credit (before anyone acts on it)."""
    if credit.computation is None:
        return "accruing"
    if credit.amount is None:
        return "no_amount"
    return "eligible" if credit.upon_request else "granted"


def credit_month(received_at: datetime, zone: str) -> str:
    """The month (`YYYY-MM`) a case's credits count in: that of its receipt in `zone`."""
    return f"{received_at.astimezone(ZoneInfo(zone)):%Y-%m}"


def minor_units(amount: str) -> int:
    """Digits after the point of an amount as the case wrote it ("14.58" -> 2, "972" -> 0)."""
    exponent = Decimal(amount).as_tuple().exponent
    assert isinstance(exponent, int), f"not a finite amount: {amount!r}"
    return max(-exponent, 0)


def credits_with_ids(case: Case) -> Iterator[tuple[str, Credit]]:
    """The case's credits that name their target (older ones have no amount and are not
    tracked), each with its id: `CASE_ID:target`, and `CASE_ID:target:2` for a second credit
    of the same target (a policy with two credit rules for it)."""
    seen: dict[str, int] = {}
    for credit in case.credits:
        if credit.target is None:
            continue
        seen[credit.target] = seen.get(credit.target, 0) + 1
        count = seen[credit.target]
        suffix = "" if count == 1 else f":{count}"
        yield f"{case.id}:{credit.target}{suffix}", credit
