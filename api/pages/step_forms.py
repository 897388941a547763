"""Forms of the case page into the bodies of steps and field reports, checked at the edge.

Each form field is named as the body's (a dotted name for a nested one: `contact.email`).
Text a database or a mail header cannot hold is refused naming the field, and so is what
the body's model refuses; the page shows each message beside its field.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from models.case.steps import STEP_BODIES, StepBody
from models.field.records import Arrived, Completed, Delivered
from models.input_text import LINE_BREAKS, refusal, refused_character

# The steps an engineer's page offers a form for; a customer's reply is the partner's.
ENGINEER_STEPS = tuple(step for step in STEP_BODIES if step != "customer-reply")

# line: one required line; text: required, may span lines; optional: one line or nothing;
# choices: the values of a multiple select.
Kind = Literal["line", "text", "optional", "choices"]

STEP_FIELDS: dict[str, dict[str, Kind]] = {
    "acknowledge": {},
    "triage": {"severity": "line", "priority": "optional"},
    "assign": {"engineer": "line"},
    "respond": {"message": "text"},
    "request-info": {"message": "text", "fields": "choices"},
    "escalate": {"to_tier": "line", "reason": "text"},
    "add-note": {"text": "text"},
    "approve-po": {"po_number": "line"},
    "restore": {"note": "text"},
    "resolve": {"resolution": "text"},
    "close": {},
    "reopen": {"reason": "text"},
    "dispatch-onsite": {
        "site": "text",
        "contact.name": "line",
        "contact.email": "line",
        "contact.phone": "optional",
    },
    "ship-part": {"sku": "line", "quantity": "line", "region": "optional"},
    "receive-rma": {"rma_id": "line", "tracking_number": "optional"},
}

# The escalate form's checklist answers: `checklist.<tier>.<item>` = done or n/a.
CHECKLIST = "checklist."
CHECKLIST_ANSWERS: dict[str, bool | str] = {"done": True, "n/a": "n/a"}


class FormInvalid(ValueError):
    """What is wrong with a form, by field (the form's own names)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Posted:
    """A posted form: each field's last value, and every value of the multiple selects."""

    values: Mapping[str, str]
    lists: Mapping[str, list[str]]


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, name = dotted.split(".")
    for parent in parents:
        data = data.setdefault(parent, {})
    data[name] = value


def _read(fields: dict[str, Kind], posted: Posted) -> dict[str, Any]:
    """The fields' values as the body takes them; `FormInvalid` for text no store can hold."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, kind in fields.items():
        values = posted.lists.get(name, []) if kind == "choices" else [posted.values.get(name, "")]
        allowed = LINE_BREAKS if kind == "text" else frozenset()
        for value in values:
            if (char := refused_character(value, allowed)) is not None:
                errors[name] = refusal(char)
        if kind == "choices":
            _put(data, name, [value.strip() for value in values if value.strip()])
        elif values[0].strip() or kind != "optional":
            _put(data, name, values[0].strip())
    if errors:
        raise FormInvalid(errors)
    return data


def _checklist(posted: Posted, tier: str) -> dict[str, bool | str]:
    """The chosen tier's answers; an item left unanswered is not done."""
    prefix = f"{CHECKLIST}{tier}."
    return {
        name.removeprefix(prefix): CHECKLIST_ANSWERS.get(value, False)
        for name, value in posted.values.items()
        if name.startswith(prefix) and name != prefix
    }


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, said for a person filling in a form where it reads badly."""
    required = error["type"] == "missing" or (
        error["type"] == "string_too_short" and error.get("ctx", {}).get("min_length") == 1
    )
    if required:
        return "is required"
    if error["type"] == "string_pattern_mismatch" and str(error["loc"][-1]) == "email":
        return "is not an e-mail address (name@domain.example)"
    return str(error["msg"])


def _field(loc: tuple[int | str, ...]) -> str:
    """`("contact", "email")` -> "contact.email"; a list item's error is its list's."""
    names: list[str] = []
    for part in loc:
        if isinstance(part, int):
            break
        names.append(part)
    return ".".join(names) or "form"


B = TypeVar("B", bound=BaseModel)


def _validated(model: type[B], data: dict[str, Any]) -> B:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            errors.setdefault(_field(item["loc"]), _message(item))
        raise FormInvalid(errors) from None


def step_body(step: str, posted: Posted, actor: str) -> StepBody:
    """The body of `step` from its form (`step` is one of ENGINEER_STEPS)."""
    data = _read(STEP_FIELDS[step], posted)
    if step == "escalate":
        data["checklist"] = _checklist(posted, str(data.get("to_tier", "")))
    return _validated(STEP_BODIES[step], {**data, "actor": actor})


def _arrived(posted: Posted, actor: str, zone: ZoneInfo) -> BaseModel:
    return _validated(Arrived, {**_read({"technician": "line"}, posted), "actor": actor})


def _completed(posted: Posted, actor: str, zone: ZoneInfo) -> BaseModel:
    return _validated(Completed, {**_read({"report": "text"}, posted), "actor": actor})


def _delivered(posted: Posted, actor: str, zone: ZoneInfo) -> BaseModel:
    """`at`: a date and time in the viewer's zone (a datetime-local input), or nothing."""
    at = _read({"at": "optional"}, posted).get("at")
    if at is None:
        return Delivered(actor=actor)
    try:
        instant = datetime.fromisoformat(at)
    except ValueError:
        raise FormInvalid({"at": "is not a date and time (2026-12-07T14:30)"}) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone)
    return _validated(Delivered, {"at": instant, "actor": actor})


# Field reports by name: the records they report on, and their bodies from a form.
FIELD_REPORTS: dict[str, tuple[str, Callable[[Posted, str, ZoneInfo], BaseModel]]] = {
    "arrived": ("dispatches", _arrived),
    "completed": ("dispatches", _completed),
    "delivered": ("shipments", _delivered),
}


def report_body(report: str, posted: Posted, actor: str, zone: ZoneInfo) -> BaseModel:
    return FIELD_REPORTS[report][1](posted, actor, zone)
