"""What the credit service refuses, in domain terms; the API maps each class to a status in
one table (api/problems.py)."""

from collections.abc import Sequence


class CreditError(Exception):
    """A refused credit read or change; `detail` is for a person to read."""

    def __init__(self, msg: str, *, loc: Sequence[str | int] = ()) -> None:
        self.msg = msg
        self.loc = list(loc)
        self.detail = f"{'.'.join(map(str, self.loc))}: {msg}" if self.loc else msg
        super().__init__(self.detail)


class CreditNotFound(CreditError):
    """No such credit, or one of an organisation the caller may not see."""


class CreditRefused(CreditError):
    """Not allowed in the credit's state (requested twice, approved before a request, ...):
    the detail says its state."""


class CreditInvalid(CreditError):
    """A value the service cannot take: a blank reason, a month that is not YYYY-MM."""
