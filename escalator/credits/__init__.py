"""The credits service: SLA credits the case workflows earned (projected into `credits` by
activities/credit_projection.py), what people decide about them, and the monthly report per
client (docs/registry.md, "Credits").

Every door (the HTTP API, ...) goes through these functions, never through the table. No
HTTP here: refusals are `CreditError`s, which the API maps to statuses in one table
(api/problems.py).
"""

from escalator.cases import Visible
from escalator.credits.errors import CreditError, CreditInvalid, CreditNotFound, CreditRefused
from escalator.credits.lifecycle import (
    approve_credit,
    decline_credit,
    list_credits,
    read_credit,
    request_credit,
)
from escalator.credits.records import SlaCredit
from escalator.credits.report import (
    CSV_COLUMNS,
    MONTH_PATTERN,
    ClientCredits,
    CreditsReport,
    CreditTotal,
    check_month,
    credits_report,
    report_csv,
)

__all__ = [
    "CSV_COLUMNS",
    "MONTH_PATTERN",
    "ClientCredits",
    "CreditError",
    "CreditInvalid",
    "CreditNotFound",
    "CreditRefused",
    "CreditTotal",
    "CreditsReport",
    "SlaCredit",
    "Visible",
    "approve_credit",
    "check_month",
    "credits_report",
    "decline_credit",
    "list_credits",
    "read_credit",
    "report_csv",
    "request_credit",
]
