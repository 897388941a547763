"""The Temporal search attributes every case carries, so `temporal workflow list --query
'TicketNumber="ZSU-000042"'` and the Temporal UI find it.

They are registered on the namespace before any worker runs: by `escalator up` on the dev
server and by the compose namespace job (deploy/temporal/create-namespace.sh, whose
SEARCH_ATTRIBUTES list a test keeps equal to this one).
"""

from models.case.resource import Case

# Name -> Temporal indexed value type (as `temporal operator search-attribute create` names it).
CASE_SEARCH_ATTRIBUTES: dict[str, str] = {
    "TicketNumber": "Keyword",
    "Organisation": "Keyword",
    "Policy": "Keyword",
    "CaseStatus": "Keyword",
    "Severity": "Keyword",
    "Breached": "Bool",
    "Assignee": "Keyword",
}


def as_cli_pairs() -> str:
    """`NAME=TYPE ...`, the form the namespace job and `temporal server start-dev
    --search-attribute` take."""
    return " ".join(f"{name}={kind}" for name, kind in CASE_SEARCH_ATTRIBUTES.items())


def case_search_values(case: Case, *, breached: bool) -> dict[str, str | bool | None]:
    """What each attribute says of `case` now; None where it says nothing (no ticket yet,
    nobody assigned), so the attribute is removed rather than kept stale. `breached`: a
    breach timer of the case has fired (not the `sla` view, which depends on the task's
    clock: an upsert is a command, and replay must decide it the same way)."""
    return {
        "TicketNumber": case.ticket_number,
        "Organisation": case.org,
        "Policy": case.policy,
        "CaseStatus": case.status,
        "Severity": case.severity,
        "Breached": breached,
        "Assignee": case.assignee,
    }
