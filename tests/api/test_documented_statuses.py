"""Every status /openapi.json documents is reached, and none it does not, on a running server.

The app runs under uvicorn on 127.0.0.1 against a time-skipping Temporal server with a
worker, the inventory seed and the example policies. Every answer is recorded against
its operation. Three sources of requests:

- a walk: what only a case in the right state reaches (each step once allowed and once
  refused, field work, idempotency keys, every intake channel, the audit routes, an
  archived history the current code cannot replay, publishing), and the client registry's
  records and taken keys (tests/api/registry_walk.py);
- schemathesis: cases generated from /openapi.json, valid and invalid, sent with each
  role's key, without a key and with an unknown one, on a real case id or a random one;
- the same app with its database gone: every operation's 503.

Then: no 5xx but those 503s, no status an operation does not document, no answer unlike
what the document says of it (its media type, its body against the schema, its required
headers), and every documented (operation, status) pair reached.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis import Case, GenerationMode, openapi
from schemathesis.core.result import Err
from sqlalchemy import Engine
from sqlmodel import Session, create_engine
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Worker

from api.app import create_app
from api.auth import Role, issue_api_key
from escalator.infra.history import store_archive
from models.audit.history import CaseHistory
from models.case.steps import STEP_BODIES
from models.tables.client_registry import AuthorisedContactRow
from tests.accounts import add_engineers
from tests.api.alerts_walk import walk_alert_receipts
from tests.api.credits_walk import walk_credits
from tests.api.registry_walk import walk_registry
from tests.api.served import serving
from tests.api.test_alert_intake import alert, hook
from tests.api.test_cases_api import intake
from tests.api.test_email_intake import mail
from tests.workflow.cases import POLICIES, add_contract, example_policy
from tests.workflow.clock import advance_to, next_quiet
from tests.workflow.field_service import Stack, eventually, open_field_case

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
CONTACT = {"name": "Sam Site", "email": "sam.site@acme.test"}
# Examples drawn per operation: valid data, then data schemathesis makes invalid.
POSITIVE, NEGATIVE = 6, 3
EMAIL_MAX_BYTES = 20_000

Headers = dict[str, str]
BINARY = {"type": "string", "format": "binary"}


@schemathesis.serializer("message/rfc822")
def _rfc822(_context: Any, value: Any) -> bytes:
    """Generated bodies go out as raw bytes: whatever they are, the intake must not 5xx."""
    return value if isinstance(value, bytes) else str(value).encode()


@dataclass
class Reached:
    """What each operation answered, against what /openapi.json says it answers."""

    spec: dict[str, Any]
    seen: dict[str, set[str]] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    # Only the database-down phase may answer 5xx (its 503s).
    down: bool = False

    def __post_init__(self) -> None:
        self.validators: dict[tuple[str, str, str], Draft202012Validator] = {}
        self.statuses = {
            f"{method.upper()} {path}": set(operation["responses"])
            for path, item in self.spec["paths"].items()
            for method, operation in item.items()
        }
        self.routes = [
            (method.upper(), re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path, item in self.spec["paths"].items()
            for method in item
        ]

    def operation(self, method: str, path: str) -> str | None:
        matches = [t for m, pattern, t in self.routes if m == method and pattern.match(path)]
        # The most literal template wins (none of this API's templates overlap today).
        best = max(matches, key=lambda t: len(re.sub(r"\{[^}]+\}", "", t)), default=None)
        return f"{method} {best}" if best else None

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        raw_path = response.request.url.raw_path.decode().split("?", 1)[0]
        label = self.operation(response.request.method, raw_path)
        if label is None:
            return
        code = str(response.status_code)
        self.seen.setdefault(label, set()).add(code)
        if code not in self.statuses[label] or (response.status_code >= 500 and not self.down):
            sent = response.request.content[:120]
            self.wrong.append(f"{label} -> {code}: {response.text[:200]} (sent {sent!r})")
        elif unlike := self.unlike_documented(label, code, response):
            self.wrong.append(f"{label} -> {code} {unlike}: {response.text[:200]}")

    def unlike_documented(self, label: str, code: str, response: httpx.Response) -> str | None:
        """How the answer differs from the document's response for its status, or None."""
        method, path = label.split(" ", 1)
        documented = self.spec["paths"][path][method.lower()]["responses"][code]
        for name, header in documented.get("headers", {}).items():
            value = response.headers.get(name)
            if value is None:
                if header.get("required"):
                    return f"lacks its header {name}"
                continue
            typed: Any = int(value) if value.isdigit() else value
            if not self.validator(("header", name, label), header["schema"]).is_valid(typed):
                return f"has a {name} unlike its schema: {value!r}"
        media = response.headers.get("content-type", "").split(";")[0].strip()
        content = documented.get("content", {})
        # `*/*` documents a file served as the media type it was stored with.
        documented_as = media if media in content else "*/*" if media else ""
        if documented_as not in content or "schema" not in content[documented_as]:
            return f"is {media or 'without a body'}; documented: {sorted(content)}"
        schema = content[documented_as]["schema"]
        if schema == BINARY:
            return None  # bytes: any body is one
        validator = self.validator((label, code, media), schema)
        error = next(iter(validator.iter_errors(response.json())), None)
        if error is not None:
            return f"does not match its schema at {list(error.absolute_path)}: {error.message}"
        return None

    def validator(self, key: tuple[str, str, str], schema: dict[str, Any]) -> Draft202012Validator:
        """A validator of `schema`, whose references point into the document's components."""
        if key not in self.validators:
            rooted = {**schema, "components": self.spec["components"]}
            self.validators[key] = Draft202012Validator(
                rooted, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
        return self.validators[key]


@dataclass
class Keys:
    engineer: Headers
    acme: Headers
    globex: Headers
    manager: Headers
    auditor: Headers


class Walk:
    """Requests whose status the walk knows in advance; each is checked as it is answered."""

    def __init__(self, http: httpx.AsyncClient, keys: Keys) -> None:
        self.http = http
        self.keys = keys
        # A body and key each step was allowed with: the same request on no case is a 404.
        self.allowed: dict[str, tuple[Any, Headers]] = {}
        # The receipt of the walk's alert webhook (answered 200).
        self.receipt_id = 0

    async def expect(
        self,
        status: int,
        method: str,
        path: str,
        key: Headers,
        headers: Headers | None = None,
        raw_answer: bool = False,
        **kwargs: Any,
    ) -> Any:
        response = await self.http.request(
            method, path, headers={**key, **(headers or {})}, **kwargs
        )
        assert response.status_code == status, f"{method} {path}: {response.text}"
        if status >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        return response.content if raw_answer else response.json()

    async def step(
        self, status: int, case_id: str, name: str, body: Any = None, key: Headers | None = None
    ) -> Any:
        key = key or self.keys.engineer
        answer = await self.expect(status, "POST", f"/cases/{case_id}/{name}", key, json=body)
        if status == 200:
            self.allowed.setdefault(name, (body, key))
        return answer

    async def steps_on_no_case(self) -> None:
        """Every step the walk saw allowed, sent again to a case that does not exist."""
        for name, (body, key) in self.allowed.items():
            await self.step(404, "C-no-such-case", name, body, key)


def _keys(engine: Engine) -> Keys:
    def key(role: Role, org: str | None = None) -> Headers:
        with Session(engine) as session:
            _row, secret = issue_api_key(session, role, f"{role}-{org or 'all'}", org)
        return {"Authorization": f"Bearer {secret}"}

    return Keys(
        engineer=key("engineer"),
        acme=key("partner", "acme"),
        globex=key("partner", "globex"),
        manager=key("manager"),
        auditor=key("auditor"),
    )


def _registry(session: Session) -> None:
    for name in ("zsupport", "emetrotel", "maxony"):
        example_policy(session, name)
    # Intake helpers write as Ada; E-MetroTel refers anyone its resellers do not list.
    session.add(AuthorisedContactRow(org="acme", email="ada@acme.test", name="Ada Admin"))
    session.add(AuthorisedContactRow(org="globex", email="gus@globex.test", name="Gus"))
    session.commit()
    now = datetime.now(UTC)
    add_contract(session, "standard", now - timedelta(days=400), now - timedelta(days=30))


async def walk_cases(walk: Walk) -> dict[str, Any]:
    """POST /cases and reading cases; the critical Z-Support case the steps then work."""
    keys = walk.keys
    body = intake(severity="critical")
    once = {"Idempotency-Key": "walk-1"}
    case = await walk.expect(201, "POST", "/cases", keys.engineer, once, json=body)
    retry = await walk.expect(200, "POST", "/cases", keys.engineer, once, json=body)
    assert retry["id"] == case["id"]
    other = {**body, "subject": "another request"}
    await walk.expect(409, "POST", "/cases", keys.engineer, once, json=other)
    await walk.expect(403, "POST", "/cases", keys.auditor, json=body)
    await walk.expect(403, "POST", "/cases", keys.globex, json=body)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    await walk.expect(422, "POST", "/cases", keys.engineer, json={**body, "received_at": later})
    listed = await walk.expect(200, "GET", "/cases", keys.acme)
    assert case["id"] in [item["id"] for item in listed["items"]]
    await walk.expect(422, "GET", "/cases", keys.acme, params={"limit": 0})
    await walk.expect(200, "GET", f"/cases/{case['id']}", keys.acme)
    await walk.expect(404, "GET", f"/cases/{case['id']}", keys.globex)
    # One segment naming another route (Starlette routes on the decoded path): no such case.
    await walk.expect(404, "GET", f"/cases/{case['id']}%2Fstate", keys.acme)
    return dict(case)


async def walk_steps(walk: Walk, case_id: str) -> None:
    """Every Z-Support step on one case, each once allowed (200) and once refused (409)."""
    keys = walk.keys
    await walk.step(200, case_id, "acknowledge")
    await walk.step(409, case_id, "acknowledge")
    await walk.step(200, case_id, "triage", {"severity": "critical"})
    await walk.step(409, case_id, "triage", {"severity": "urgent"})
    await walk.step(200, case_id, "assign", {"engineer": "grace"})
    await walk.step(200, case_id, "respond", {"message": "Looking into it"})
    await walk.step(200, case_id, "request-info", {"message": "Serial numbers?"})
    await walk.step(409, case_id, "request-info", {"message": "Serial numbers?"})
    await walk.step(409, case_id, "respond", {"message": "again"})
    await walk.step(200, case_id, "customer-reply", {"message": "ZX-1"}, keys.acme)
    await walk.step(409, case_id, "customer-reply", {"message": "ZX-1"}, keys.acme)
    await walk.step(409, case_id, "escalate", {"to_tier": "engineering", "reason": "stuck"})
    checklist = {"client_isolation": True, "hardware_tested": "n/a"}
    escalate = {"to_tier": "engineering", "reason": "stuck", "checklist": checklist}
    await walk.step(200, case_id, "escalate", escalate)
    await walk.step(200, case_id, "add-note", {"text": "Also at night"}, keys.acme)
    await walk.step(409, case_id, "approve-po", {"po_number": "PO-1"})
    await walk.step(409, case_id, "dispatch-onsite", {"site": "HQ", "contact": CONTACT})
    await walk.step(200, case_id, "restore", {"note": "service back"})
    await walk.step(409, case_id, "restore", {"note": "again"})
    await walk.step(200, case_id, "resolve", {"resolution": "replaced the PSU"})
    await walk.step(409, case_id, "resolve", {"resolution": "again"})
    await walk.step(409, case_id, "assign", {"engineer": "alan"})
    await walk.step(200, case_id, "close")
    await walk.step(409, case_id, "close")
    await walk.step(409, case_id, "add-note", {"text": "late"}, keys.acme)
    await walk.step(200, case_id, "reopen", {"reason": "it came back"})
    await walk.step(409, case_id, "reopen", {"reason": "again"})
    # Roles and organisations on a step.
    await walk.step(403, case_id, "acknowledge", key=keys.acme)
    await walk.step(404, case_id, "add-note", {"text": "hi"}, keys.globex)
    # A body that is not even text is malformed like bad JSON: 422, not FastAPI's 400.
    json_type = {"Content-Type": "application/json"}
    path = f"/cases/{case_id}/add-note"
    unreadable = await walk.expect(422, "POST", path, keys.acme, json_type, content=b"\x82")
    assert unreadable["errors"][0]["loc"] == ["body"]
    # A field no step takes: each step's body is refused with the field named.
    for name in STEP_BODIES:
        invalid = await walk.step(422, case_id, name, {"nonsense": 1})
        assert invalid["errors"][-1]["loc"] == ["body", "nonsense"], name


async def walk_purchase_order(walk: Walk) -> None:
    """E-MetroTel on an expired contract waits for a purchase order."""
    body = intake(policy="emetrotel", plan="standard", severity="standard", fields={})
    case = await walk.expect(201, "POST", "/cases", walk.keys.engineer, json=body)
    refused = await walk.step(409, case["id"], "ship-part", {"sku": "AV-CAM-PTZ"})
    assert "purchase order" in refused["detail"]
    await walk.step(200, case["id"], "approve-po", {"po_number": "PO-1"})


async def walk_field_service(walk: Walk, stack: Stack, session: Session, worker: Worker) -> None:
    """ProTelecom: a part shipped before the cut-off, delivered and its RMA returned; an
    on-site visit booked, arrived and completed."""
    policy = example_policy(session, "protelecom")
    now = await stack.env.get_current_time()
    thursday = next_quiet(policy.calendar("business"), now, 3, time(14, 0))
    await advance_to(stack.env, thursday - timedelta(minutes=5))
    # Opened as the worker's clock stands (the API's `received_at` may not be in its future).
    premier = await open_field_case(
        stack, session, worker, policy, "premier", region="north_america"
    )
    plus = await open_field_case(stack, session, worker, policy, "premier_plus")
    await advance_to(stack.env, thursday)

    case = await walk.step(200, premier.id, "ship-part", {"sku": "AV-CAM-PTZ"})
    (shipment,) = case["field_service"]["shipments"]
    unknown = await walk.step(422, premier.id, "ship-part", {"sku": "NO-SUCH-PART"})
    assert unknown["errors"] == [
        {"loc": ["body", "sku"], "msg": "'NO-SUCH-PART' is not in the parts catalogue"}
    ]
    await walk.step(409, premier.id, "receive-rma", {"rma_id": "RMA-X", "tracking_number": "1Z"})
    case = await walk.step(200, plus.id, "dispatch-onsite", {"site": "HQ", "contact": CONTACT})
    (dispatch,) = case["field_service"]["dispatches"]

    engineer = walk.keys.engineer
    visit = f"/cases/{plus.id}/dispatches/{dispatch['id']}"
    await walk.expect(409, "POST", f"{visit}/completed", engineer, json={"report": "early"})
    await walk.expect(200, "POST", f"{visit}/arrived", engineer, json={"technician": "Kim"})
    await walk.expect(409, "POST", f"{visit}/arrived", engineer, json={"technician": "Kim"})
    await walk.expect(200, "POST", f"{visit}/completed", engineer, json={"report": "Done"})
    await walk.expect(422, "POST", f"{visit}/arrived", engineer, json={})
    await walk.expect(422, "POST", f"{visit}/completed", engineer, json={"report": ""})
    nowhere = f"/cases/{plus.id}/dispatches/D-nope"
    await walk.expect(404, "POST", f"{nowhere}/arrived", engineer, json={"technician": "Kim"})
    await walk.expect(404, "POST", f"{nowhere}/completed", engineer, json={"report": "x"})

    parcel = f"/cases/{premier.id}/shipments/{shipment['id']}/delivered"
    await walk.expect(409, "POST", parcel, engineer)
    await walk.expect(422, "POST", parcel, engineer, json={"at": "on Thursday"})
    await walk.expect(404, "POST", f"/cases/{premier.id}/shipments/S-nope/delivered", engineer)
    await advance_to(stack.env, thursday + timedelta(hours=1, minutes=1))
    await walk.expect(200, "POST", parcel, engineer)

    async def rmas() -> list[dict[str, Any]]:
        case = await walk.expect(200, "GET", f"/cases/{premier.id}", engineer)
        found: list[dict[str, Any]] = case["field_service"]["rmas"]
        return found

    (rma,) = await eventually(rmas, bool)
    returned = {"rma_id": rma["id"], "tracking_number": "1Z999AA10123456784"}
    await walk.step(200, premier.id, "receive-rma", returned)


async def walk_audit(walk: Walk, case_id: str, engine: Engine, at: datetime) -> None:
    """Timeline, history, state and replay; and an archived history the code cannot replay."""
    keys = walk.keys
    base = f"/cases/{case_id}"
    await walk.expect(200, "GET", f"{base}/timeline", keys.acme)
    await walk.expect(404, "GET", f"{base}/timeline", keys.globex)
    await walk.expect(200, "GET", f"{base}/history", keys.auditor)
    await walk.expect(403, "GET", f"{base}/history", keys.engineer)
    await walk.expect(200, "POST", f"{base}/replay", keys.auditor)
    await walk.expect(403, "POST", f"{base}/replay", keys.engineer)
    await walk.expect(200, "GET", f"{base}/state", keys.acme, params={"as_of": at.isoformat()})
    before = {"as_of": "2000-01-01T00:00:00+00:00"}
    await walk.expect(422, "GET", f"{base}/state", keys.acme, params=before)

    # A recorded case, as the archive keeps it, whose first activity the code never scheduled.
    history = CaseHistory.from_json(json.loads((HISTORIES / "zsupport.json").read_text()))
    run = history.case_runs[0]
    first = next(
        e for e in run.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )
    first.activity_task_scheduled_event_attributes.activity_type.name = "send_fax"
    store_archive(engine, history)
    ended = run.events[-1].event_time.ToDatetime(tzinfo=UTC).isoformat()
    changed = f"/cases/{history.case_id}/state"
    refused = await walk.expect(409, "GET", changed, keys.auditor, params={"as_of": ended})
    assert "send_fax" in refused["detail"]


async def walk_intake(walk: Walk, ticket: str) -> None:
    """E-mail (new case, redelivery, kept, too large, not a message, another organisation's)
    and alerts; the inbound mailbox."""
    keys = walk.keys
    raw = {"Content-Type": "message/rfc822"}
    with_file = mail("ada@acme.test", "Phones reboot", "Hourly.", "<w1@acme.test>")
    with_file.add_attachment(b"boot log", maintype="text", subtype="plain", filename="../boot.log")
    message = with_file.as_bytes()
    email = "/intake/email"
    case = await walk.expect(201, "POST", email, keys.engineer, raw, content=message)
    await walk.expect(200, "POST", email, keys.engineer, raw, content=message)
    (attachment,) = case["attachments"]
    file = f"/cases/{case['id']}/attachments/{attachment['id']}"
    response = await walk.http.get(file, headers=keys.acme)
    assert (response.status_code, response.content) == (200, b"boot log")
    assert response.headers["content-disposition"].startswith('attachment; filename="boot.log"')
    await walk.expect(200, "GET", file, keys.auditor, raw_answer=True)
    await walk.expect(404, "GET", file, keys.globex)
    await walk.expect(404, "GET", f"{file}0", keys.acme)
    await walk.expect(422, "GET", f"/cases/{case['id']}/attachments/0", keys.acme)
    kept = await walk.expect(202, "POST", email, keys.engineer, raw, content=b"garbage")
    assert kept["status"] == "kept"
    huge = b"x" * (EMAIL_MAX_BYTES + 1)
    await walk.expect(413, "POST", email, keys.engineer, raw, content=huge)
    await walk.expect(415, "POST", email, keys.engineer, json={"a": 1})
    await walk.expect(403, "POST", email, keys.auditor, raw, content=message)
    theirs = mail("gus@globex.test", f"Re: [{ticket}] hello", "Hi", "<w2@globex.test>").as_bytes()
    await walk.expect(404, "POST", email, keys.globex, raw, content=theirs)

    messages = "/intake/messages"
    await walk.expect(200, "GET", messages, keys.engineer, params={"status": "kept"})
    await walk.expect(403, "GET", messages, keys.acme)
    await walk.expect(422, "GET", messages, keys.engineer, params={"status": "lost"})

    firing = hook("firing", alert("firing", "f1", "critical"))
    alerts, params = "/intake/alerts", {"policy": "maxony", "org": "acme"}
    answer = await walk.expect(200, "POST", alerts, keys.engineer, json=firing, params=params)
    assert [r["outcome"] for r in answer["results"]] == ["opened"]
    walk.receipt_id = answer["receipt_id"]
    await walk.expect(403, "POST", alerts, keys.auditor, json=firing, params=params)
    await walk.expect(422, "POST", alerts, keys.engineer, json=firing, params={"policy": "nope"})


async def walk_policies_and_reports(walk: Walk) -> None:
    keys = walk.keys
    yaml = {"Content-Type": "application/yaml"}
    text = (POLICIES / "maltarea.yaml").read_text()
    await walk.expect(201, "POST", "/policies", keys.manager, yaml, content=text)
    await walk.expect(200, "POST", "/policies", keys.manager, yaml, content=text)
    await walk.expect(403, "POST", "/policies", keys.engineer, yaml, content=text)
    big = "#" * 1_000_001
    await walk.expect(413, "POST", "/policies", keys.manager, yaml, content=big)
    await walk.expect(415, "POST", "/policies", keys.manager, {"Content-Type": "text/html"})
    await walk.expect(422, "POST", "/policies", keys.manager, yaml, content="plans: 5\n")
    await walk.expect(200, "GET", "/policies", keys.acme)
    await walk.expect(200, "GET", "/policies/maltarea", keys.acme)
    await walk.expect(404, "GET", "/policies/nope", keys.acme)
    await walk.expect(200, "GET", "/policies/maltarea/versions/1", keys.acme)
    await walk.expect(404, "GET", "/policies/maltarea/versions/9", keys.acme)
    await walk.expect(422, "GET", "/policies/maltarea/versions/0", keys.acme)

    month = {"month": datetime.now(UTC).strftime("%Y-%m")}
    await walk.expect(200, "GET", "/reports/sla", keys.manager, params=month)
    await walk.expect(403, "GET", "/reports/sla", keys.engineer, params=month)
    await walk.expect(422, "GET", "/reports/sla", keys.manager, params={"month": "2026-13"})
    await walk.expect(200, "GET", "/healthz", {})
    await walk.expect(200, "GET", "/livez", {})
    await walk.expect(200, "GET", "/readyz", {})


def _drawn(strategy: st.SearchStrategy[Case[Any]], examples: int) -> list[Case[Any]]:
    drawn: list[Case[Any]] = []

    @settings(
        max_examples=examples,
        # The same examples on every run: a failure here can be rerun and read.
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(case: Case[Any]) -> None:
        drawn.append(case)

    draw()
    return drawn[:examples]


def _request(case: Case[Any], headers: Headers) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="")
    kwargs["headers"] = {**(kwargs.get("headers") or {}), **headers}
    for unused in ("follow_redirects", "allow_redirects", "cookies", "base_url"):
        kwargs.pop(unused, None)
    if "data" in kwargs:
        kwargs["content"] = kwargs.pop("data")
    return kwargs


async def generated(
    http: httpx.AsyncClient, spec: dict[str, Any], keys: Keys, case_id: str
) -> dict[str, set[int]]:
    """Schemathesis' cases for every operation, with every kind of key; what each answered."""
    unknown = {"Authorization": "Bearer esc_never-issued"}
    roles: tuple[Headers, ...] = (keys.engineer, keys.acme, keys.manager, keys.auditor, {}, unknown)
    answered: dict[str, set[int]] = {}
    for result in openapi.from_dict(spec).get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()
        modes = ((GenerationMode.POSITIVE, POSITIVE), (GenerationMode.NEGATIVE, NEGATIVE))
        for mode, examples in modes:
            if (
                mode is GenerationMode.NEGATIVE
                and "422" not in operation.definition.raw["responses"]
            ):
                continue  # nothing in its request can be invalid
            for index, case in enumerate(_drawn(operation.as_strategy(mode), examples)):
                # Every other example on a real case, so more than "no such case" is reached.
                if "case_id" in (case.path_parameters or {}) and index % 2 == 0:
                    case.path_parameters = {**case.path_parameters, "case_id": case_id}
                for headers in roles:
                    try:
                        response = await http.request(**_request(case, headers))
                    except (httpx.LocalProtocolError, httpx.InvalidURL):
                        continue  # a header or URL no HTTP client can send
                    answered.setdefault(operation.label, set()).add(response.status_code)
    return answered


async def database_down(
    spec: dict[str, Any], stack: Stack, tmp_path: Path, reached: Reached
) -> None:
    """The app on a database that cannot be opened: every operation answers 503, and why."""
    gone = create_engine(f"sqlite:///{tmp_path}/missing/folder/db.sqlite")
    app = create_app(stack.settings, engine=gone, client=stack.client)
    reached.down = True
    async with (
        serving(app) as url,
        httpx.AsyncClient(base_url=url, event_hooks={"response": [reached]}, timeout=30) as http,
    ):
        for path, item in spec["paths"].items():
            concrete = re.sub(r"\{[^}]+\}", "x", path)
            for method in item:
                response = await http.request(
                    method.upper(), concrete, headers={"Authorization": "Bearer esc_any"}
                )
                if path == "/livez":  # the process answers, whatever is down
                    assert response.status_code == 200
                    continue
                assert response.status_code == 503, f"{method} {path}: {response.text}"
                assert response.headers["Retry-After"] == "5", f"{method} {path}"
                if path == "/healthz":
                    assert response.json()["database"] == "down"
                    continue
                if path == "/readyz":
                    assert response.json()["schema"] == "down"
                    continue
                assert response.json()["detail"].startswith("the database is unavailable")


async def test_every_documented_status_is_reached_and_no_other(
    stack: Stack, engine: Engine, session: Session, tmp_path: Path
) -> None:
    _registry(session)
    add_engineers(engine, "grace", "alan")
    keys = _keys(engine)
    settings_ = stack.settings.model_copy(update={"email_max_bytes": EMAIL_MAX_BYTES})
    app = create_app(settings_, engine=engine, client=stack.client)
    async with stack.worker() as worker, serving(app) as url:
        async with httpx.AsyncClient(base_url=url) as plain:
            spec: dict[str, Any] = (await plain.get("/openapi.json")).json()
        reached = Reached(spec)
        async with httpx.AsyncClient(
            base_url=url, event_hooks={"response": [reached]}, timeout=60
        ) as http:
            walk = Walk(http, keys)
            # First: its CSV files must name only organisations the registry holds.
            await walk_registry(walk)
            case = await walk_cases(walk)
            await walk_steps(walk, case["id"])
            await walk_purchase_order(walk)
            await walk_intake(walk, case["ticket_number"])
            # The same database behind an app whose bound no webhook's cases open within.
            hurried = settings_.model_copy(update={"workflow_wait_seconds": 0.001})
            storm_app = create_app(hurried, engine=engine, client=stack.client)
            async with (
                serving(storm_app) as storm_url,
                httpx.AsyncClient(
                    base_url=storm_url, event_hooks={"response": [reached]}, timeout=60
                ) as storm_http,
            ):
                storm = Walk(storm_http, keys)
                await walk_alert_receipts(walk, storm, walk.receipt_id)
            await walk_policies_and_reports(walk)
            await walk_audit(walk, case["id"], engine, await stack.env.get_current_time())
            await walk_credits(walk, engine, case)
            await walk_field_service(walk, stack, session, worker)
            await walk.steps_on_no_case()
            answered = await generated(http, spec, keys, case["id"])
    await database_down(spec, stack, tmp_path, reached)

    assert reached.wrong == [], "answers /openapi.json does not document:\n" + "\n".join(
        reached.wrong
    )
    # Generated requests got past authentication on every operation.
    refused_only = sorted(label for label, codes in answered.items() if not codes - {401, 403})
    assert refused_only == []
    unreached = {
        label: sorted(codes - reached.seen.get(label, set()))
        for label, codes in reached.statuses.items()
        if codes - reached.seen.get(label, set())
    }
    assert unreached == {}, "documented but never answered"
