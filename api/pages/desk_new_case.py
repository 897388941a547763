"""`/portal/cases/new`: open a case with a form built from a published policy (its latest
version): its plans, severities and intake fields, the contact, the region when the policy
does field service, and files.

When a required field is empty and the policy charges for missing information, the first
post shows the form again with a notice naming the fields and the charge, and a "send
anyway" box: answered 200, since nothing sent is invalid (a 4xx would say it was). The form
carries an idempotency key of its own, so sending it twice opens one case.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from api.deps import ClientDep, EngineDep, SettingsDep, get_app_settings
from api.pages.case_page import visible_to
from api.pages.desk_forms import (
    invalid_field,
    label_of,
    read_files,
    size_text,
    validation_errors,
)
from api.pages.form_keys import form_key, new_form_key
from api.pages.rendering import case_error_page, message_page, page, see_other
from api.web_session import OpenerViewer, SignedInMultipart, Viewer
from escalator import cases, policy_store
from escalator.cases.attachments import NewFile, refuse_file, store_files
from models.case.resource import CaseIntake
from models.policy import Policy
from models.policy.intake import field_values, intake_values

router = APIRouter(prefix="/portal/cases", include_in_schema=False)

# Text inputs a case cannot open without.
NEEDED = ("subject", "description", "plan", "contact.name", "contact.email")
# Files one form may bring (each is held in memory up to the size limit while it is stored).
MAX_FILES = 20


def portal_policies(engine: Engine) -> list[Policy]:
    """The latest version of every published policy that takes cases from the portal."""
    with Session(engine) as session:
        latest = policy_store.latest_policies(session)
    return [policy for policy in latest if "portal" in policy.intake.channels]


def missing_required(policy: Policy, intake: CaseIntake) -> list[str]:
    """The policy's required fields this intake leaves empty, counted as the case workflow
    will count them at intake (the same `field_values`)."""
    contact = intake.contact
    values = intake_values(
        description=intake.description,
        org=intake.org,
        subject=intake.subject,
        name=contact.name,
        email=contact.email,
        phone=contact.phone,
    )
    given = field_values(policy.intake.fields, values, intake.fields)
    return [name for name in policy.intake.required_fields if name not in given]


@dataclass(frozen=True)
class Posted:
    """The form as sent: its text fields and the case's organisation."""

    fields: dict[str, str]
    org: str

    def text(self, name: str) -> str:
        return self.fields.get(name, "").strip()

    def intake_body(self, policy: Policy) -> dict[str, Any]:
        given = {f.name: self.text(f"fields.{f.name}") for f in policy.intake.fields}
        return {
            "policy": policy.name,
            "plan": self.text("plan"),
            "org": self.org,
            "severity": self.text("severity") or None,
            "channel": "portal",
            "subject": self.text("subject"),
            "description": self.text("description"),
            "contact": {
                "name": self.text("contact.name"),
                "email": self.text("contact.email"),
                "phone": self.text("contact.phone") or None,
            },
            "fields": {name: value for name, value in given.items() if value},
            "region": (self.text("region") or None) if policy.field_service else None,
        }


def sentence(text: str) -> str:
    return text.strip().rstrip(".") + "."


def form_page(
    request: Request,
    viewer: Viewer,
    policy: Policy,
    values: dict[str, str],
    key: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    fields = [f for f in policy.intake.fields if f.filled_by is None]
    rma = policy.field_service.rma if policy.field_service else None
    charge = policy.intake.missing_info_charge
    return page(
        request,
        "desk_new_case.html",
        status,
        viewer=viewer,
        title="Open a case",
        policy=policy,
        required_fields=[f for f in fields if f.required and f.applies_when is None],
        other_fields=[f for f in fields if not f.required or f.applies_when is not None],
        labels={f.name: label_of(f.name) for f in policy.intake.fields},
        # Where each field is typed: its own input, or the one that fills it (contact.phone).
        inputs={f.name: f.filled_by or f"fields.{f.name}" for f in policy.intake.fields},
        regions=sorted(r for r in (rma.return_within if rma else {}) if r != "other"),
        charge=f"{charge.amount} {charge.currency} per {charge.per}" if charge else None,
        plan_options=[(plan_id, plan.name) for plan_id, plan in policy.plans.items()],
        plan_help=" ".join(
            sentence(f"{plan.name}: {plan.description}")
            for plan in policy.plans.values()
            if plan.description
        ),
        severity_options=[(s.id, s.name) for s in policy.severities],
        severity_help=" ".join(
            sentence(f"{s.name}: {s.description}") for s in policy.severities if s.description
        ),
        max_file=size_text(get_app_settings(request).attachment_max_bytes),
        partner=visible_to(viewer) is not None,
        # A partner opens cases for its organisation and the clients it acts for.
        partner_orgs=_partner_orgs(viewer),
        values=values,
        form_key=key,
        errors=context.pop("errors", {}),
        missing=context.pop("missing", []),
        **context,
    )


def _partner_orgs(viewer: Viewer) -> list[tuple[str, str]]:
    """A partner's own organisation first, then the clients it acts for (value, text)."""
    own = viewer.account.org
    if not own:
        return []
    return [(own, f"{own} (yours)"), *((c, c) for c in sorted(viewer.identity.clients))]


def choose_page(
    request: Request, viewer: Viewer, policies: list[Policy], name: str = ""
) -> Response:
    """The choice of a policy; `name`: one asked for that takes no cases from the portal."""
    error = f"policy: no published policy {name!r} takes cases from the portal" if name else ""
    if not policies:
        return message_page(
            request,
            404,
            "No policy",
            "No published policy takes cases from the portal yet.",
            viewer=viewer,
        )
    return page(
        request,
        "desk_choose_policy.html",
        422 if error else 200,
        viewer=viewer,
        title="Open a case",
        policies=policies,
        error=error,
    )


@router.get("/new")
async def new_case_form(
    request: Request, viewer: OpenerViewer, engine: EngineDep, policy: str = ""
) -> Response:
    """The form of `policy`, or (with several policies and none named) the choice of one."""
    policies = await asyncio.to_thread(portal_policies, engine)
    chosen = next((p for p in policies if p.name == policy), None)
    if chosen is None and not policy and len(policies) == 1:
        chosen = policies[0]
    if chosen is None:
        return choose_page(request, viewer, policies, policy)
    values = {"contact.name": "", "contact.email": ""}
    if visible_to(viewer) is not None:
        values = {"contact.name": viewer.account.name, "contact.email": viewer.account.email}
    if len(chosen.plans) == 1:
        values["plan"] = next(iter(chosen.plans))
    return form_page(request, viewer, chosen, values, new_form_key())


@router.post("/new")
async def open_case_from_form(
    request: Request,
    viewer: OpenerViewer,
    form: SignedInMultipart,
    engine: EngineDep,
    client: ClientDep,
    settings: SettingsDep,
) -> Response:
    fields = form.fields
    policies = await asyncio.to_thread(portal_policies, engine)
    policy = next((p for p in policies if p.name == fields.get("policy")), None)
    if policy is None:
        return choose_page(request, viewer, policies, fields.get("policy") or "(none)")
    key = form_key(fields)
    if key is None:
        notice = "This form was not one this page gave (or it expired): check it and send it again."
        return form_page(request, viewer, policy, fields, new_form_key(), 422, refusal=notice)
    org = fields.get("org", "").strip()
    visible = visible_to(viewer)
    if visible is not None and org not in visible:
        # A partner's form offers its own organisation and its clients: nothing else counts.
        org = viewer.account.org or ""
    posted = Posted(fields, org or "")

    def again(status: int, **context: Any) -> HTMLResponse:
        return form_page(request, viewer, policy, fields, key, status, **context)

    errors = {name: "is required" for name in (*NEEDED, "org") if not posted.text(name)}
    if visible_to(viewer) is not None:
        errors.pop("org", None)
    limit = settings.attachment_max_bytes
    files: list[NewFile] = []
    uploads = form.files.get("files", [])
    if len(uploads) > MAX_FILES:
        errors["files"] = f"at most {MAX_FILES} files at once; attach more on the case's page"
        uploads = []
    try:
        files = await read_files(uploads, limit, "files")
        for file in files:
            refuse_file(file, limit, "files")
    except cases.InvalidField as error:
        errors |= invalid_field(error)
    try:
        intake = CaseIntake.model_validate(posted.intake_body(policy))
    except ValidationError as error:
        return again(422, errors=validation_errors(error) | errors)
    if errors:
        return again(422, errors=errors)
    missing = missing_required(policy, intake)
    if missing and policy.intake.missing_info_charge and fields.get("send_anyway") != "yes":
        return again(200, missing=missing, files_dropped=bool(files))
    try:
        opened = await cases.open_case(
            client, engine, settings, intake, key=key, visible=visible_to(viewer)
        )
    except cases.InvalidField as error:
        return again(422, errors=invalid_field(error))
    except cases.NotPermitted as error:
        return message_page(request, 403, "Not permitted", error.detail, viewer=viewer)
    except cases.KeyReused:
        earlier = cases.idempotent_case_id(intake.org, key)
        fresh = form_page(
            request, viewer, policy, fields, new_form_key(), 409, opened_before=earlier
        )
        return fresh
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)
    case_id = opened.case.id
    await asyncio.to_thread(store_files, engine, case_id, files, limit=limit)
    return see_other(f"/portal/cases/{case_id}")
