"""What the credit pages read from a query (or from a credit form's hidden fields, to come
back to the list as it was): the month, the organisation and the state, each checked with a
message for the field."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from api.web_session import Viewer
from escalator.credits import MONTH_PATTERN
from escalator.registry.inputs import ORG_ID_PATTERN
from models.case.credit_states import CREDIT_STATES

MONTH_ERROR = "must be a month as YYYY-MM, e.g. 2027-04"


@dataclass(frozen=True)
class Filters:
    """Which credits a list shows; an empty value does not filter (an empty month: every
    month)."""

    month: str = ""
    org: str = ""
    state: str = ""

    def query(self, **more: str) -> str:
        """The list's query string; the month always (absent, it means this month)."""
        values = {"month": self.month, "org": self.org, "state": self.state, **more}
        return urlencode({k: v for k, v in values.items() if v or k == "month"})


def this_month(viewer: Viewer | None) -> str:
    """The month it is now where the viewer is (credits count in their client's month)."""
    zone = ZoneInfo(viewer.account.time_zone) if viewer is not None else UTC
    return f"{datetime.now(zone):%Y-%m}"


def month_error(month: str) -> str | None:
    return None if re.fullmatch(MONTH_PATTERN, month) else MONTH_ERROR


def read_filters(
    viewer: Viewer, month: str | None, org: str | None, state: str | None
) -> tuple[Filters, dict[str, str]]:
    """The filters as given, and what is wrong with them by field. No month at all is this
    month; an empty one is every month."""
    filters = Filters(
        month=this_month(viewer) if month is None else month.strip(),
        org=(org or "").strip(),
        state=(state or "").strip(),
    )
    errors: dict[str, str] = {}
    if filters.month and (problem := month_error(filters.month)):
        errors["month"] = problem
    if filters.org and not re.fullmatch(ORG_ID_PATTERN, filters.org):
        errors["org"] = "is not an organisation id (letters, digits, '.', '_' and '-')"
    if filters.state and filters.state not in CREDIT_STATES:
        errors["state"] = "must be one of " + ", ".join(CREDIT_STATES)
    return filters, errors
