"""How cases arrive: ticket numbers, channels, required fields, contacts, acknowledgement."""

from datetime import datetime, timedelta
from typing import Literal

from jinja2 import TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.policy.durations import Duration, DurationField
from models.policy.ids import Charge, Email, Slug, Url

# The ways a case can arrive; a policy names the ones it accepts.
Channel = Literal["api", "email", "portal", "phone", "monitoring"]

# Names an acknowledgement template may use; the mail activity renders with exactly these
# (a strict renderer fails on any other name, so unknown names are refused at publish time).
ACKNOWLEDGEMENT_VARIABLES = frozenset(
    {
        "ticket_number",
        "case_id",
        "subject",
        "org",
        "plan",
        "severity",
        "policy",
        "contact_name",
        "contact_email",
        "received_at",
        "links",
    }
)

_jinja = SandboxedEnvironment()


def check_template(text: str) -> str:
    """Raise ValueError for a Jinja2 syntax error or a variable the renderer does not provide."""
    try:
        tree = _jinja.parse(text)
    except TemplateSyntaxError as error:
        raise ValueError(f"template error on its line {error.lineno}: {error.message}") from None
    unknown = sorted(meta.find_undeclared_variables(tree) - ACKNOWLEDGEMENT_VARIABLES)
    if unknown:
        names = ", ".join(unknown)
        known = ", ".join(sorted(ACKNOWLEDGEMENT_VARIABLES))
        raise ValueError(f"unknown template variable {names} (available: {known})")
    return text


# What every intake carries, which can give a required field (it then counts as given).
IntakeSource = Literal[
    "description", "org", "subject", "contact.name", "contact.email", "contact.phone"
]


class IntakeField(BaseModel):
    """A piece of information the requester must give at first contact."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Slug
    description: str = Field(min_length=1)
    required: bool = True
    # Required only where this holds, e.g. "call logs, if applicable".
    applies_when: str | None = None
    # The intake's own value that gives this field: a case opened with a description has
    # given its `problem_description`, and is not charged for it.
    filled_by: IntakeSource | None = None


def given_by_intake(fields: list[IntakeField], sources: dict[str, str | None]) -> dict[str, str]:
    """The fields the intake's own values give (`sources`: description, org, contact.name ...)."""
    given: dict[str, str] = {}
    for field in fields:
        value = sources.get(field.filled_by) if field.filled_by else None
        if value is not None and value.strip():
            given[field.name] = value
    return given


def intake_values(
    *, description: str, org: str, subject: str, name: str, email: str, phone: str | None
) -> dict[str, str | None]:
    """An intake's own values by the names a field's `filled_by` uses."""
    return {
        "description": description,
        "org": org,
        "subject": subject,
        "contact.name": name,
        "contact.email": email,
        "contact.phone": phone,
    }


def field_values(
    fields: list[IntakeField],
    intake: dict[str, str | None],
    given: dict[str, str],
    filled: bool = True,
) -> dict[str, str]:
    """The intake fields a requester gave: what the contact block says (`contact_name`,
    `contact_email`, `contact_phone`), what the policy's `filled_by` takes from the intake's
    own values (`intake`: description, org, subject, contact.name, contact.email,
    contact.phone; unless `filled` is False, as for cases older than that rule), and the
    non-blank fields `given`. The case workflow counts missing information by it, and so
    does the portal before a case opens."""
    contact = ("name", "email", "phone")
    derived = {
        f"contact_{key}": value for key in contact if (value := intake.get(f"contact.{key}"))
    }
    if filled:
        derived |= given_by_intake(fields, intake)
    return derived | {name: value for name, value in given.items() if value.strip()}


class Link(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1)
    url: Url


class Acknowledgement(BaseModel):
    """The automatic e-mail answering every accepted case (Jinja2 templates)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = Field(min_length=1)
    body: str = Field(min_length=1)
    links: list[Link] = Field(default_factory=list)

    @field_validator("subject", "body")
    @classmethod
    def _renderable(cls, value: str) -> str:
        return check_template(value)


class AuthorisedContacts(BaseModel):
    """Only contacts listed for the client may open cases; what happens to anyone else."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    required: bool = True
    # billable: accepted, but the work is charged; refer: sent back to their provider.
    others: Literal["billable", "refer"] = "billable"
    billing: Literal["hourly", "fixed"] | None = None
    message: str | None = None


class MonitoringIntake(BaseModel):
    """Cases opened by monitoring alerts: which alert label value gives which severity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(default="severity", min_length=1)
    severities: dict[str, Slug] = Field(min_length=1)
    # Severity for a label value not listed; None leaves the case untriaged.
    default: Slug | None = None
    # The plan of alert-opened cases (the org's plan when absent).
    plan: Slug | None = None


class Intake(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_prefix: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,7}$")
    # on_triage: support first decides whether the request needs a ticket at all.
    ticket_assigned: Literal["on_intake", "on_triage"] = "on_intake"
    # E-mail the requester the ticket number once it is assigned.
    notify_ticket_number: bool = False
    channels: list[Channel] = Field(min_length=1)
    # Mail sent to these addresses opens cases under this policy.
    email_addresses: list[Email] = Field(default_factory=list)
    fields: list[IntakeField] = Field(default_factory=list)
    # The intake field naming the client's system by its host ID (E-MetroTel: host_id):
    # entitlement, field service and credits are the registry's for that system. Without
    # one (or left empty on a case), a client's only system is the case's.
    system_field: str | None = None
    # Charged per occurrence when a required field is missing at first contact.
    missing_info_charge: Charge | None = None
    authorised_contacts: AuthorisedContacts | None = None
    acknowledgement: Acknowledgement | None = None
    monitoring: MonitoringIntake | None = None
    # How far back a request may be dated (`received_at`, when it reached the organisation):
    # its clocks start then and its coverage is judged then, so an open-ended date could
    # revive an expired contract. Wall-clock time.
    received_at_max_age: DurationField = Field(default_factory=lambda: Duration.parse("7d wall"))

    @field_validator("received_at_max_age")
    @classmethod
    def _wall_clock(cls, value: Duration) -> Duration:
        if not value.wall:
            raise ValueError(f'"{value}" is business time; write wall-clock time, e.g. "7d wall"')
        return value

    @property
    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.required and f.applies_when is None]

    def refuse_received_at(self, received_at: datetime, now: datetime) -> str | None:
        """Why a request may not say it was received at `received_at`, or None."""
        # A few seconds of clock skew between the caller and us are not "the future".
        if received_at > now + timedelta(seconds=5):
            return "is in the future"
        if received_at < self.earliest_received_at(now):
            return f"is more than {self.received_at_max_age} ago (intake.received_at_max_age)"
        return None

    def earliest_received_at(self, now: datetime) -> datetime:
        age = self.received_at_max_age.timedelta
        assert age is not None  # _wall_clock
        return now - age
