"""What the case service refuses, in domain terms; each door says it in its own way.

The HTTP API maps each class to a status in one table (api/problems.py); e-mail and alert
intake turn refusals into a kept message or an alert's outcome. `loc` names the part of
the request at fault when one is (e.g. `["body", "plan"]`).
"""

from collections.abc import Sequence


class CaseError(Exception):
    """A refusal of the case service; `detail` is for a person to read."""

    def __init__(self, msg: str, *, loc: Sequence[str | int] | None = None) -> None:
        self.msg = msg
        self.loc = list(loc) if loc is not None else None
        self.detail = f"{'.'.join(map(str, loc))}: {msg}" if loc is not None else msg
        super().__init__(self.detail)


class InvalidField(CaseError):
    """The request is wrong where `loc` says (an unknown plan, a part not in the catalogue)."""


class NotPermitted(CaseError):
    """The caller may not do this here: a partner acting for another organisation."""


class CaseNotFound(CaseError):
    """No such case, or one the caller may not see (the same answer, so nothing leaks)."""


class StepRefused(CaseError):
    """The case (or its field record) does not allow this now; `reason` says why."""

    @property
    def reason(self) -> str:
        return self.msg


class KeyReused(CaseError):
    """An idempotency key already used for a different request."""


class CaseFinished(CaseError):
    """The case's workflow has ended: its last state stands, no step applies any more."""


class CaseBusy(CaseError):
    """The case did not answer within the bound, no worker runs it, or it cannot run on this
    code; nothing the caller sent is wrong and it may retry. `accepted_case_id`: a case that
    was accepted and will open, which the caller can read or retry for."""

    def __init__(self, msg: str, *, accepted_case_id: str | None = None) -> None:
        super().__init__(msg)
        self.accepted_case_id = accepted_case_id
