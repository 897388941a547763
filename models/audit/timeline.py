"""A case's timeline: its Temporal history translated into what an auditor reads.

Pure translation, no second log: every entry comes from one history event of the
case workflow or of one of its child workflows, and names it (`workflow_id`,
`event_id`). The sources are
- the workflow's input (received: channel, requester, policy version, plan);
- accepted Updates, whose inputs carry the engineer steps and their `actor`;
- signals;
- activities, by their inputs and results (ticket numbers, e-mails, pages, registry checks);
- the case snapshots the workflow hands the projection activity after every change,
  compared one with the next: SLA targets and their due instants, breaches, met targets,
  paused clocks, system notes (rule escalations, auto-closure), charges, credits and the
  field-service records (dispatches, shipments, RMAs);
- child workflows starting and ending, and the case workflow ending.

Entries keep history order (each workflow's own order, workflows merged by instant), so
the timeline is as ordered as the history itself.
"""

import heapq
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.contrib.pydantic import pydantic_data_converter

from models.audit.history import CaseHistory, RunHistory

SYSTEM = "system"
# Engineer steps: Update name -> timeline kind (steps not listed keep their own name).
STEP_KINDS = {
    "acknowledge": "acknowledged",
    "triage": "triaged",
    "assign": "assigned",
    "respond": "responded",
    "request-info": "information_requested",
    "customer-reply": "customer_replied",
    "escalate": "escalated",
    "add-note": "note",
    "approve-po": "po_approved",
    "restore": "restored",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
}
# Updates that are plumbing, not steps.
INTERNAL_UPDATES = {"intake_recorded"}
# Read-model writes and child-to-case reports: what they carry shows as the case's
# field-service records change (dispatch booked, shipment shipped, RMA received ...).
INTERNAL_ACTIVITIES = {"project_case", "record_shipment", "record_rma", "record_dispatch"}
INTERNAL_SIGNALS = {"field_service"}
FIELD_SERVICE = {"dispatches": "dispatch", "shipments": "shipment", "rmas": "rma"}


class TimelineEntry(BaseModel):
    """One thing that happened to a case, in domain words."""

    at: datetime
    actor: str
    kind: str
    detail: str
    # What a reply by e-mail quoted, apart from its own text in `detail`.
    quoted: str | None = None
    # The history event this entry comes from.
    workflow_id: str
    event_id: int


def _decode(payloads: Payloads) -> list[Any]:
    if not payloads.payloads:
        return []
    return list(pydantic_data_converter.payload_converter.from_payloads(list(payloads.payloads)))


def _first(payloads: Payloads) -> Any:
    values = _decode(payloads)
    return values[0] if values else None


def _at(event: HistoryEvent) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC)


def _instant(value: Any) -> str:
    """An ISO instant from a snapshot, in the offset it was written with."""
    if value is None:
        return "unknown"
    try:
        return datetime.fromisoformat(str(value)).isoformat()
    except ValueError:
        return str(value)


def _summary(value: Any, skip: tuple[str, ...] = ("actor",)) -> str:
    """A short `key=value` rendering of an unfamiliar input or result."""
    if isinstance(value, dict):
        parts = [
            f"{key}={_summary(item, ())}"
            for key, item in value.items()
            if key not in skip and item not in (None, "", [], {})
        ]
        return ", ".join(parts)
    if isinstance(value, list):
        return "[" + ", ".join(_summary(item, ()) for item in value) + "]"
    return str(value)


def _label(workflow_type: str) -> str:
    """`DispatchWorkflow` -> `dispatch`, `PartShipmentWorkflow` -> `part_shipment`."""
    name = workflow_type.removesuffix("Workflow")
    out = []
    for index, char in enumerate(name):
        if char.isupper() and index:
            out.append("_")
        out.append(char.lower())
    return "".join(out) or workflow_type


class _Translator:
    """Walks one workflow's runs in order; case runs share the last snapshot across runs."""

    def __init__(self, policy: dict[str, Any]) -> None:
        self.policy = policy
        self.snapshot: dict[str, Any] | None = None
        self.entries: list[TimelineEntry] = []

    # -- output --------------------------------------------------------------------------------

    def add(
        self,
        run: RunHistory,
        event: HistoryEvent,
        actor: str,
        kind: str,
        detail: str,
        quoted: str | None = None,
    ) -> None:
        self.entries.append(
            TimelineEntry(
                at=_at(event),
                actor=actor,
                kind=kind,
                detail=detail,
                quoted=quoted,
                workflow_id=run.workflow_id,
                event_id=event.event_id,
            )
        )

    # -- the walk ------------------------------------------------------------------------------

    def run(self, run: RunHistory) -> None:
        scheduled: dict[int, tuple[str, Any]] = {}
        # Attempt and last failure of each activity that was retried, by its scheduled event.
        retried: dict[int, tuple[int, str]] = {}
        for event in run.events:
            kind = event.event_type
            if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                self.started(run, event)
            elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attributes = event.activity_task_scheduled_event_attributes
                name, argument = attributes.activity_type.name, _first(attributes.input)
                scheduled[event.event_id] = (name, argument)
                if name == "project_case" and isinstance(argument, dict):
                    self.snapshot_changes(run, event, argument)
            elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                began = event.activity_task_started_event_attributes
                if began.attempt > 1:
                    retried[began.scheduled_event_id] = (began.attempt, began.last_failure.message)
            elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                done = event.activity_task_completed_event_attributes
                name, argument = scheduled.get(done.scheduled_event_id, ("activity", None))
                self.activity(run, event, name, argument, _first(done.result))
                if done.scheduled_event_id in retried and self.entries:
                    attempt, failure = retried[done.scheduled_event_id]
                    last = self.entries[-1]
                    if last.event_id == event.event_id:
                        # Said on the entry itself: an auditor sees the outage and its end.
                        self.entries[-1] = last.model_copy(
                            update={
                                "detail": f"{last.detail} (on attempt {attempt}; "
                                f"the attempt before failed: {failure})"
                            }
                        )
            elif kind in (
                EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
                EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
            ):
                failed = (
                    event.activity_task_failed_event_attributes
                    if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED
                    else event.activity_task_timed_out_event_attributes
                )
                name, _ = scheduled.get(failed.scheduled_event_id, ("activity", None))
                attempts = retried.get(failed.scheduled_event_id, (1, ""))[0]
                self.add(
                    run,
                    event,
                    SYSTEM,
                    "activity_failed",
                    f"{name} failed: {failed.failure.message}"
                    + (f" (attempt {attempts})" if attempts > 1 else ""),
                )
            elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                request = event.workflow_execution_update_accepted_event_attributes.accepted_request
                self.step(run, event, request.input.name, _first(request.input.args))
            elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
                outcome = event.workflow_execution_update_completed_event_attributes.outcome
                if outcome.HasField("failure"):
                    self.add(
                        run, event, SYSTEM, "step_failed", f"step failed: {outcome.failure.message}"
                    )
            elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
                signal = event.workflow_execution_signaled_event_attributes
                if signal.signal_name in INTERNAL_SIGNALS:
                    continue
                argument = _first(signal.input)
                actor = argument.get("actor", SYSTEM) if isinstance(argument, dict) else SYSTEM
                name = signal.signal_name
                self.add(run, event, str(actor), name.replace("-", "_"), _summary(argument) or name)
            elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
                self.completed(run, event)
            elif kind in (
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
            ):
                what = EventType.Name(kind).removeprefix("EVENT_TYPE_WORKFLOW_EXECUTION_").lower()
                subject = _label(run.workflow_type) if run.is_child else "case workflow"
                self.add(run, event, SYSTEM, f"workflow_{what}", f"{subject} {what}")

    def started(self, run: RunHistory, event: HistoryEvent) -> None:
        attributes = event.workflow_execution_started_event_attributes
        argument = _first(attributes.input)
        if run.is_child:
            label = _label(run.workflow_type)
            self.add(
                run, event, SYSTEM, f"{label}_started", f"{label} started: {_summary(argument)}"
            )
            return
        if attributes.continued_execution_run_id or not isinstance(argument, dict):
            return  # a case continuing as new: nothing happened to the case
        intake = argument.get("intake") or {}
        contact = intake.get("contact") or {}
        severity = intake.get("severity")
        detail = (
            f"received by {intake.get('channel', 'api')} from {contact.get('name')} "
            f"<{contact.get('email')}> of {intake.get('org')}: {intake.get('subject')!r}; "
            f"policy {intake.get('policy')} version {argument.get('policy_version')}, "
            f"plan {intake.get('plan')}"
            + (f", severity {severity}" if severity else "")
            + f"; received at {_instant(argument.get('received_at'))}"
        )
        self.add(run, event, f"contact:{contact.get('email')}", "received", detail)

    def completed(self, run: RunHistory, event: HistoryEvent) -> None:
        result = _first(event.workflow_execution_completed_event_attributes.result)
        if run.is_child:
            label = _label(run.workflow_type)
            self.add(
                run, event, SYSTEM, f"{label}_completed", f"{label} completed: {_summary(result)}"
            )
            return
        self.add(
            run,
            event,
            SYSTEM,
            "finished",
            "case record final: the case can no longer be reopened",
        )

    # -- steps -----------------------------------------------------------------------------

    def step(self, run: RunHistory, event: HistoryEvent, name: str, body: Any) -> None:
        if name in INTERNAL_UPDATES:
            return
        body = body if isinstance(body, dict) else {}
        actor = str(body.get("actor") or SYSTEM)
        kind = STEP_KINDS.get(name, name.replace("-", "_"))
        if name == "add-note" and body.get("auto_reply"):
            kind = "auto_reply"  # an out-of-office or other machine's mail, kept on the case
        quoted = body.get("quoted") if name in ("add-note", "customer-reply") else None
        shown = str(quoted) if quoted else None
        self.add(run, event, actor, kind, _step_detail(name, body, actor), shown)

    # -- activities --------------------------------------------------------------------------

    def activity(
        self, run: RunHistory, event: HistoryEvent, name: str, argument: Any, result: Any
    ) -> None:
        request = argument if isinstance(argument, dict) else {}
        if name in INTERNAL_ACTIVITIES:
            return  # the case snapshot (read when scheduled) says what changed
        if name == "allocate_ticket_number":
            self.add(run, event, SYSTEM, "ticket_allocated", f"ticket {result} allocated")
        elif name == "send_email":
            self.add(run, event, SYSTEM, *self.email(request))
        elif name == "send_page":
            targets = ", ".join(request.get("targets") or []) or "nobody"
            self.add(
                run, event, SYSTEM, "paged", f"page sent to {targets}: {request.get('summary')}"
            )
        elif name == "check_entitlement":
            outcome = result if isinstance(result, dict) else {}
            self.add(
                run,
                event,
                SYSTEM,
                "entitlement_checked",
                f"entitlement {outcome.get('outcome')}: {outcome.get('detail')}",
            )
        elif name == "registry_facts":
            self.add(run, event, SYSTEM, "registry_checked", registry_detail(request, result))
        elif name == "is_authorised_contact":
            verdict = "is" if result else "is not"
            self.add(
                run,
                event,
                SYSTEM,
                "contact_checked",
                f"{request.get('email')} {verdict} an authorised contact of {request.get('org')}",
            )
        else:
            said = _summary(result)
            self.add(
                run,
                event,
                SYSTEM,
                name,
                f"{name}: {_summary(request)}" + (f" -> {said}" if said else ""),
            )

    def email(self, request: dict[str, Any]) -> tuple[str, str]:
        kind, to = request.get("kind"), request.get("to")
        context = request.get("context") or {}
        key = str(request.get("idempotency_key") or "")
        local_key = key.split(":", 1)[1] if ":" in key else key
        title = str(context.get("title") or "")
        if kind == "acknowledgement":
            return "acknowledged_by_email", f"acknowledged by e-mail to {to}"
        if kind == "request_info":
            fields = ", ".join(f["name"] for f in context.get("fields") or [] if "name" in f)
            charge = f"; charge {context['charge']}" if context.get("charge") else ""
            return "information_requested", (
                f"missing information ({fields}) requested by e-mail to {to}{charge}"
            )
        if kind == "ticket_number":
            return "ticket_notified", (
                f"ticket number {context.get('ticket_number')} sent by e-mail to {to}"
            )
        if kind == "team_notification":
            rule = (
                title.removeprefix("escalation rule ")
                if title.startswith("escalation rule ")
                else None
            )
            if rule is not None:
                trigger = self.rule_trigger(rule)
                return (
                    ("breach_notified" if trigger.endswith("breach") else "warning_sent"),
                    f"escalation rule {rule} ({trigger}): e-mail to {to}",
                )
            return "team_notified", f"{title}: e-mail to {to}"
        if kind == "customer_message" and ":reminder" in local_key:
            return "reminder_sent", f"reminder sent by e-mail to {to}: {title}"
        what = "customer_emailed" if kind in ("customer_message", "request_info") else "email_sent"
        return what, f"e-mail to {to}: {title or request.get('subject_template')}"

    def rule_trigger(self, rule_id: str) -> str:
        for rule in self.policy.get("escalation") or []:
            if isinstance(rule, dict) and rule.get("id") == rule_id:
                trigger = rule.get("trigger") or {}
                if trigger.get("acknowledged_not_restored") is not None:
                    return "acknowledged, not restored"
                at = trigger.get("at")
                breach = at == "breach" or (isinstance(at, int | float) and at >= 100)
                share = "breach" if breach else f"{at}%" if isinstance(at, int | float) else at
                return f"{trigger.get('target')} at {share}"
        return "unknown rule"

    # -- snapshots ---------------------------------------------------------------------------

    def snapshot_changes(self, run: RunHistory, event: HistoryEvent, case: dict[str, Any]) -> None:
        before = self.snapshot or {}
        self.snapshot = case
        emit: Callable[[str, str], None] = lambda kind, detail: self.add(  # noqa: E731
            run, event, SYSTEM, kind, detail
        )
        old_sla: dict[str, Any] = before.get("sla") or {}
        for name, target in (case.get("sla") or {}).items():
            old = old_sla.get(name) or {}
            label = name.replace("_", " ")
            if target.get("paused") and not old.get("paused"):
                emit("target_paused", f"{label} clock paused")
            elif target.get("due_at") and target.get("due_at") != old.get("due_at"):
                emit(
                    "target_due",
                    f"{label} target ({target.get('target')}) due at {_instant(target['due_at'])}",
                )
            if target.get("breached") and not old.get("breached"):
                emit(
                    "breach",
                    f"{label} target ({target.get('target')}) breached, "
                    f"due at {_instant(target.get('due_at'))}",
                )
            if target.get("met_at") and not old.get("met_at"):
                late = " late" if target.get("breached") else ""
                emit(
                    "target_met",
                    f"{label} target met{late} at {_instant(target['met_at'])} "
                    f"(due at {_instant(target.get('due_at'))})",
                )
        for note in _new(before.get("notes"), case.get("notes")):
            if note.get("actor") == SYSTEM:
                kind = _system_note_kind(str(note.get("text", "")))
                if kind is not None:
                    emit(kind, str(note.get("text")))
        for charge in _new(before.get("charges"), case.get("charges")):
            emit(
                "charged",
                f"charge {charge.get('amount')} {charge.get('currency')}: {charge.get('reason')}",
            )
        for credit in _new(before.get("credits"), case.get("credits")):
            emit("credit", f"SLA credit: {credit.get('reason')} ({credit.get('detail')})")
        old_service: dict[str, Any] = before.get("field_service") or {}
        for section, label in FIELD_SERVICE.items():
            old_records = {
                r.get("id"): r for r in old_service.get(section) or [] if isinstance(r, dict)
            }
            for record in (case.get("field_service") or {}).get(section) or []:
                if not isinstance(record, dict):
                    continue
                previous = old_records.get(record.get("id"))
                if previous is None or previous.get("state") != record.get("state"):
                    state = record.get("state") or "recorded"
                    emit(
                        f"{label}_{state}",
                        f"{label} {record.get('id')} {state}: "
                        + _summary(record, ("id", "workflow_id", "state")),
                    )


def _new(before: Any, after: Any) -> Iterator[dict[str, Any]]:
    """Items appended to a list (notes, charges, credits only ever grow)."""
    old = before if isinstance(before, list) else []
    for item in (after if isinstance(after, list) else [])[len(old) :]:
        if isinstance(item, dict):
            yield item


def _system_note_kind(text: str) -> str | None:
    if text.endswith("target breached"):
        return None  # the SLA section says it, with the due instant
    if text.startswith("escalated to"):
        return "escalated"
    if text.startswith("auto-closed"):
        return "auto_closed"
    if text.startswith("entitlement"):
        return None  # the registry check says it, with its detail
    if "not an authorised contact" in text:
        return "billable"
    if text.startswith("notice failed"):
        return "notice_failed"
    return "note"


def registry_detail(request: dict[str, Any], result: Any) -> str:
    """What the registry said of a new case, in a line: the facts the case decided on."""
    facts = result if isinstance(result, dict) else {}
    org, email = request.get("org"), request.get("contact_email")
    role = facts.get("contact_role")
    standing = {"primary": "the primary", "backup": "the backup"}.get(str(role), "an authorised")
    said = [
        f"{email} is {standing} contact of {org}"
        if role
        else f"{email} is not an authorised contact of {org}"
    ]
    zone = facts.get("org_time_zone")
    for name in sorted(facts.get("calendars") or {}):
        said.append(f"{name} hours in {zone}")
    system = facts.get("system") or {}
    if system:
        site = f" at {system.get('site')}" if system.get("site") else ""
        where = f" ({system.get('site_time_zone')})" if system.get("site_time_zone") else ""
        said.append(f"system {system.get('host_id')}{site}{where}")
    elif request.get("host_id"):
        said.append(f"no system with host ID {request.get('host_id')}")
    contract = facts.get("contract") or {}
    if contract:
        fee = contract.get("monthly_fee")
        money = f", {fee} {contract.get('currency')} a month" if fee else ""
        said.append(f"contract {contract.get('reference')}{money}")
    warranty = facts.get("warranty") or {}
    if warranty:
        extended = " (extended)" if warranty.get("extended") else ""
        said.append(f"warranty {warranty.get('reference')}{extended}")
    entitlement = facts.get("entitlement") or {}
    if entitlement:
        said.append(f"entitlement {entitlement.get('outcome')}: {entitlement.get('detail')}")
    return "; ".join(said)


# How an engineer's request for information reads; `asked_fields` reads the fields back.
ASKED = "asked the customer for information"
_ASKED_FIELDS = re.compile(re.escape(ASKED) + r" \(([^)]*)\):")


def asked_fields(entry: TimelineEntry) -> list[str]:
    """The fields an `information_requested` entry of an engineer's step named (else [])."""
    found = _ASKED_FIELDS.match(entry.detail) if entry.kind == "information_requested" else None
    return [name.strip() for name in found[1].split(",")] if found else []


def _step_detail(name: str, body: dict[str, Any], actor: str) -> str:
    if name == "acknowledge":
        return f"acknowledged by {actor}"
    if name == "triage":
        priority = f", priority {body['priority']}" if body.get("priority") else ""
        return f"triaged as {body.get('severity')}{priority} by {actor}"
    if name == "assign":
        return f"assigned to {body.get('engineer')} by {actor}"
    if name == "respond":
        return f"responded to the customer: {body.get('message')}"
    if name == "request-info":
        fields = f" ({', '.join(body['fields'])})" if body.get("fields") else ""
        return f"{ASKED}{fields}: {body.get('message')}"
    if name == "customer-reply":
        fields = f" (gave {', '.join(sorted(body['fields']))})" if body.get("fields") else ""
        return f"customer replied{fields}: {body.get('message')}"
    if name == "escalate":
        checklist = body.get("checklist") or {}
        done = ", ".join(
            f"{item} {'done' if value is True else 'not done' if value is False else value}"
            for item, value in checklist.items()
        )
        return f"escalated to {body.get('to_tier')} by {actor}: {body.get('reason')}" + (
            f"; checklist: {done}" if done else "; no checklist"
        )
    if name == "add-note":
        return str(body.get("text"))
    if name == "approve-po":
        return f"purchase order {body.get('po_number')} approved by {actor}"
    if name == "restore":
        return f"service restored: {body.get('note')}"
    if name == "resolve":
        return f"resolved: {body.get('resolution')}"
    if name == "close":
        return f"closed by {actor}"
    if name == "reopen":
        return f"reopened by {actor}: {body.get('reason')}"
    return f"{name}: {_summary(body)}".rstrip(": ")


def case_input(history: CaseHistory) -> dict[str, Any]:
    """The first case run's input (`CaseInput` as JSON), or {} when there is none."""
    for run in history.case_runs[:1]:
        argument = _first(run.events[0].workflow_execution_started_event_attributes.input)
        if isinstance(argument, dict):
            return argument
    return {}


def case_org(history: CaseHistory) -> str | None:
    """The organisation the case belongs to, from its intake."""
    intake = case_input(history).get("intake")
    org = intake.get("org") if isinstance(intake, dict) else None
    return org if isinstance(org, str) else None


def _policy_of(history: CaseHistory) -> dict[str, Any]:
    policy = case_input(history).get("policy")
    return policy if isinstance(policy, dict) else {}


def build_timeline(history: CaseHistory) -> list[TimelineEntry]:
    """Every domain event of the case and its children, oldest first."""
    policy = _policy_of(history)
    case = _Translator(policy)
    for run in history.case_runs:
        case.run(run)
    streams = [case.entries]
    by_workflow: dict[str, _Translator] = {}
    for run in history.child_runs:
        translator = by_workflow.setdefault(run.workflow_id, _Translator(policy))
        translator.run(run)
    streams.extend(translator.entries for translator in by_workflow.values())
    # Each stream keeps its own order; streams interleave by instant (the case first on ties).
    merged = heapq.merge(
        *[[(entry.at, index, entry) for entry in stream] for index, stream in enumerate(streams)],
        key=lambda item: (item[0], item[1]),
    )
    return [entry for _at_, _index, entry in merged]
