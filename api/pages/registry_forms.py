"""The registry's forms as posted: each field's text turned into what the registry service
takes (escalator/registry/inputs.py), and every refusal said beside its field.

An edit form sends the whole record, so a change names every field: an empty optional
field clears it. Field names are the service's own (`loc`), so a refusal of the service
lands beside the input it names too.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from escalator.registry import (
    RegistryDuplicate,
    RegistryError,
    RegistryInUse,
)
from escalator.registry.checks import instant_from_text
from escalator.registry.inputs import (
    ContactChanges,
    ContractChanges,
    NewContact,
    NewContract,
    NewOrganisation,
    NewSystem,
    NewWarranty,
    OrganisationChanges,
    SystemChanges,
    WarrantyChanges,
)

M = TypeVar("M", bound=BaseModel)

# How an empty field is read: refused, absent (the record's default; None clears it), or "".
Rule = Literal["required", "optional", "blank"]

ORGANISATION: dict[str, Rule] = {
    "name": "required",
    "kind": "required",
    "time_zone": "required",
    "holidays_country": "optional",
    "holidays_subdivision": "optional",
}
CONTACT: dict[str, Rule] = {
    "email": "required",
    "name": "optional",
    "role": "required",
    "phone": "optional",
}
SYSTEM: dict[str, Rule] = {
    "host_id": "required",
    "system_type": "blank",
    "serial_numbers": "blank",
    "software_release": "blank",
    "site": "blank",
    "region": "optional",
    "site_time_zone": "optional",
    "holidays_country": "optional",
    "holidays_subdivision": "optional",
}
COVERAGE: dict[str, Rule] = {"reference": "required", "plan": "optional"}
CONTRACT: dict[str, Rule] = {**COVERAGE, "monthly_fee": "optional", "currency": "optional"}
PERIOD = ("starts_at", "expires_at")


class FormRefused(Exception):
    """What is wrong with a posted form, field by field ("form": the form as a whole), and
    the status to answer: 422, or 409 for a key taken or a record in use."""

    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(errors)
        self.errors, self.status = errors, status


@dataclass
class Reading:
    """A form being read: the values for the model, and the errors found so far."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def validated(self, model: type[M]) -> M:
        """`model` of the values, or FormRefused with every field's first error."""
        try:
            data = model.model_validate(self.values)
        except ValidationError as error:
            for item in error.errors():
                name = str(item["loc"][0]) if item["loc"] else "form"
                # "Value error, " is how pydantic prefixes a validator's own message.
                self.errors.setdefault(name, item["msg"].removeprefix("Value error, "))
            raise FormRefused(self.errors) from None
        if self.errors:
            raise FormRefused(self.errors)
        return data


def read(form: Mapping[str, str], rules: Mapping[str, Rule]) -> Reading:
    reading = Reading()
    for name, rule in rules.items():
        text = form.get(name, "").strip()
        if text:
            reading.values[name] = text
        elif rule == "required":
            reading.errors[name] = "is required"
        elif rule == "blank":
            reading.values[name] = ""
        else:
            reading.values[name] = None
    return reading


def refusal(error: RegistryError) -> FormRefused:
    """A refusal of the service, beside the field its `loc` names."""
    name = next((str(part) for part in error.loc if isinstance(part, str)), "form")
    status = 409 if isinstance(error, RegistryDuplicate | RegistryInUse) else 422
    return FormRefused({name: error.msg}, status)


def _changes(changes: type[M], data: BaseModel, leave: set[str] | None = None) -> M:
    """Every field of `data` (but `leave`) as a change: the form says the whole record."""
    return changes.model_validate(data.model_dump(exclude=leave))


def new_organisation(form: Mapping[str, str]) -> NewOrganisation:
    reading = read(form, {"id": "required", **ORGANISATION})
    return reading.validated(NewOrganisation)


def organisation_changes(form: Mapping[str, str], org_id: str) -> OrganisationChanges:
    reading = read(form, ORGANISATION)
    reading.values |= {"id": org_id, "clients": form.get("clients", "").split()}
    return _changes(OrganisationChanges, reading.validated(NewOrganisation), {"id"})


def new_contact(form: Mapping[str, str]) -> NewContact:
    return read(form, CONTACT).validated(NewContact)


def contact_changes(form: Mapping[str, str]) -> ContactChanges:
    return _changes(ContactChanges, new_contact(form))


def new_system(form: Mapping[str, str]) -> NewSystem:
    return read(form, SYSTEM).validated(NewSystem)


def system_changes(form: Mapping[str, str]) -> SystemChanges:
    return _changes(SystemChanges, new_system(form))


def _period(reading: Reading, form: Mapping[str, str], zone: str) -> None:
    """Each end of the period: a date (midnight at its start in the organisation's zone, as
    the CSV files and the CLI read it) or an instant with its offset."""
    for name in PERIOD:
        text = form.get(name, "").strip()
        if not text:
            reading.errors[name] = "is required"
            continue
        try:
            reading.values[name] = instant_from_text(text, zone, name)
        except RegistryError as error:
            reading.errors[name] = error.msg


def new_contract(form: Mapping[str, str], zone: str) -> NewContract:
    reading = read(form, CONTRACT)
    _period(reading, form, zone)
    return reading.validated(NewContract)


def contract_changes(form: Mapping[str, str], zone: str) -> ContractChanges:
    return _changes(ContractChanges, new_contract(form, zone))


def new_warranty(form: Mapping[str, str], zone: str) -> NewWarranty:
    reading = read(form, COVERAGE)
    _period(reading, form, zone)
    reading.values["extended"] = form.get("extended") == "true"
    return reading.validated(NewWarranty)


def warranty_changes(form: Mapping[str, str], zone: str) -> WarrantyChanges:
    return _changes(WarrantyChanges, new_warranty(form, zone))


def period_text(at: datetime, zone: str) -> str:
    """An end of a period as the forms take it back: the date when it is midnight in the
    organisation's zone ("2027-01-01"), else the instant there with its offset."""
    local = at.astimezone(ZoneInfo(zone))
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return local.date().isoformat()
    return local.isoformat(timespec="seconds" if local.second else "minutes")
