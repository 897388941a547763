"""What the registry service refuses, in domain terms; each door says it its own way.

`loc` names the field at fault in the service's own words (`["email"]`, `["host_id"]`), which
are also the CSV files' column names: the HTTP API prefixes it with "body", a CSV import
with the line. The API maps each class to a status in one table (api/problems.py).
"""

from collections.abc import Sequence


class RegistryError(Exception):
    """A refused registry read or change; `detail` is for a person to read."""

    def __init__(self, msg: str, *, loc: Sequence[str | int] = ()) -> None:
        self.msg = msg
        self.loc = list(loc)
        self.detail = f"{'.'.join(map(str, self.loc))}: {msg}" if self.loc else msg
        super().__init__(self.detail)


class RegistryInvalid(RegistryError):
    """A value the registry cannot take: an unknown zone, a fee without a currency, ..."""


class RegistryNotFound(RegistryError):
    """No such organisation, contact, system or coverage, or one the caller may not see."""


class RegistryDuplicate(RegistryError):
    """The natural key is taken: an organisation id, an address of the organisation, a host
    ID, a contract's or warranty's reference."""


class RegistryInUse(RegistryError):
    """Other records depend on it as it is: a system contracts or warranties cover, a client
    partners act for (which cannot become a partner)."""
