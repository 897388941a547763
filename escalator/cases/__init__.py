"""The case service: every door into a case (the HTTP API, the portal, e-mail and alert
intake) opens, reads and works cases through these functions, never through another door.

No HTTP here: refusals are the domain exceptions of `escalator.cases.errors`, which the API
maps to statuses in one table (api/problems.py).
"""

from escalator.cases.errors import (
    CaseBusy,
    CaseError,
    CaseFinished,
    CaseNotFound,
    InvalidField,
    KeyReused,
    NotPermitted,
    StepRefused,
)
from escalator.cases.opening import (
    Opened,
    case_once_recorded,
    check_against_policy,
    idempotent_case_id,
    intake_sha256,
    open_case,
    start_case,
)
from escalator.cases.reading import (
    Visible,
    ensure_visible,
    may_see,
    open_steps,
    read_case,
    visible_case,
)
from escalator.cases.steps import apply_step, report_field, take_step

__all__ = [
    "CaseBusy",
    "CaseError",
    "CaseFinished",
    "CaseNotFound",
    "InvalidField",
    "KeyReused",
    "NotPermitted",
    "Opened",
    "StepRefused",
    "Visible",
    "apply_step",
    "case_once_recorded",
    "check_against_policy",
    "ensure_visible",
    "idempotent_case_id",
    "intake_sha256",
    "may_see",
    "open_case",
    "open_steps",
    "read_case",
    "report_field",
    "start_case",
    "take_step",
    "visible_case",
]
