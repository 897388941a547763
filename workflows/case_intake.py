"""Intake of CaseWorkflow: the case as it arrives, its ticket, the contact and entitlement
checks, the acknowledgement and the request for missing fields.

`_intake` runs once per case, first thing in `run` (a continued run has its state
already); `_allocate_ticket` and the field checks serve the steps too.
"""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.client_registry import RegistryActivities
    from activities.tickets import TicketActivities
    from models.case.activity_inputs import (
        ContactRequest,
        EntitlementRequest,
        EntitlementResult,
        TicketRequest,
    )
    from models.case.registry_facts import RegistryFacts, RegistryRequest
    from models.case.resource import Case, CaseInput, Charge
    from models.case.state import CaseState
    from models.policy.intake import field_values, intake_values
    from models.policy.service import Entitlement
    from workflows import case_metrics, messages

from workflows.case_base import RETRY, SHORT
from workflows.case_clocks import CaseClocks

# A case asks the client registry once, first, for every fact it decides on (contact,
# calendars, system, coverage) and records the answer; before, it asked for the contact and
# the coverage apart, and its calendars were the policy's alone.
REGISTRY_PATCH = "registry-facts"
# Requesters who are not authorised contacts get the policy's message; `others: refer`
# closes their case as referred to their provider (before: every such case was billable).
CONTACT_POLICY_PATCH = "contact-others"


class CaseIntake(CaseClocks):
    """From the intake to the acknowledged, projected case."""

    async def _intake(self, case_input: CaseInput) -> None:
        facts = None
        if workflow.patched(REGISTRY_PATCH) and self.policy.asks_registry:
            facts = await self._registry_facts(case_input)
            self._policy = self.policy.with_calendars(facts.calendars)
        intake, policy = case_input.intake, self.policy
        severity = intake.severity or policy.severity_for_subject(intake.subject)
        plan_calendar = policy.calendar(policy.plan(intake.plan).calendar)
        self._state = CaseState(
            case=Case(
                id=case_input.case_id,
                policy=intake.policy,
                policy_version=case_input.policy_version,
                plan=intake.plan,
                org=intake.org,
                severity=severity,
                tier=policy.entry_tier.id,
                channel=intake.channel,
                subject=intake.subject,
                contact=intake.contact,
                received_at=case_input.received_at,
                updated_at=workflow.now(),
            ),
            outside_hours=not plan_calendar.is_open(case_input.received_at),
            fields=dict(intake.fields),
            registry=facts,
        )
        self._start_target_clocks()
        self._start_tier_clock(policy.entry_tier.id, case_input.received_at)
        if policy.intake.ticket_assigned == "on_intake":
            await self._allocate_ticket()
        self._check_missing_fields()
        await self._check_contact()
        if self.case.status == "closed":
            # Referred to the requester's provider: no entitlement check, no acknowledgement.
            await self._project()
            self.state.intake_recorded = True
            return
        await self._check_entitlement()
        await self._project()
        self.state.intake_recorded = True
        case_metrics.count(
            case_metrics.CASES_OPENED, policy=self.policy.name, severity=self.case.severity or ""
        )

        await self._acknowledge_by_email()
        if self.case.missing_fields:
            await self._request_missing_fields()
        if policy.page_all(severity):
            await self._page_team(
                self._tier_team_id(), "all", "intake", f"{severity} case opened: {intake.subject}"
            )
        await self._project()

    # -- intake checks ---------------------------------------------------------------------

    async def _registry_facts(self, case_input: CaseInput) -> RegistryFacts:
        """What the registry says of this case, asked once and recorded: the contact, the
        client's calendars, the system and its coverage (models/case/registry_facts.py)."""
        intake, policy = case_input.intake, self.policy
        system_field = policy.intake.system_field
        entitlement = policy.entitlement
        return await workflow.execute_activity_method(
            RegistryActivities.registry_facts,
            RegistryRequest(
                org=intake.org,
                contact_email=intake.contact.email,
                opened_at=case_input.received_at,
                host_id=(intake.fields.get(system_field) or None) if system_field else None,
                policy=intake.policy,
                policy_version=case_input.policy_version,
                client_calendars=sorted(policy.client_calendars),
                site_calendars=sorted(policy.field_calendars),
                entitlement=EntitlementRequest(
                    org=intake.org,
                    plan=intake.plan,
                    opened_at=case_input.received_at,
                    checks=list(entitlement.checks),
                    match_plan_level=entitlement.match_plan_level,
                    opened_before_expiry=entitlement.opened_before_expiry,
                )
                if entitlement
                else None,
            ),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )

    async def _allocate_ticket(self) -> None:
        ticket = await workflow.execute_activity_method(
            TicketActivities.allocate_ticket_number,
            TicketRequest(case_id=self.case.id, prefix=self.policy.intake.ticket_prefix),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )
        self._change(ticket_number=ticket)

    def _field_values(self) -> dict[str, str]:
        """What the requester gave: intake fields, plus what the contact block already says,
        and (since EDGES_PATCH) whatever the policy's `filled_by` takes from the intake."""
        filled = self._current_rules()
        contact = self.case.contact
        intake = intake_values(
            description=self._input.intake.description,
            org=self.case.org,
            subject=self.case.subject,
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
        )
        return field_values(self.policy.intake.fields, intake, self.state.fields, filled)

    def _check_missing_fields(self) -> None:
        given = self._field_values()
        missing = [name for name in self.policy.intake.required_fields if name not in given]
        update: dict[str, Any] = {"missing_fields": missing}
        charge = self.policy.intake.missing_info_charge
        if missing and charge is not None:
            update["charges"] = [
                *self.case.charges,
                Charge(
                    reason=f"information missing at first contact: {', '.join(missing)}",
                    amount=float(charge.amount),
                    currency=charge.currency,
                    at=self.case.received_at,
                ),
            ]
        self._change(**update)

    def _check_missing_fields_after_reply(self) -> None:
        given = self._field_values()
        self._change(missing_fields=[f for f in self.case.missing_fields if f not in given])

    async def _check_contact(self) -> None:
        contacts = self.policy.intake.authorised_contacts
        if contacts is None or not contacts.required:
            return
        facts = self.state.registry
        if facts is not None:
            authorised = facts.authorised
        else:
            authorised = await workflow.execute_activity_method(
                RegistryActivities.is_authorised_contact,
                ContactRequest(org=self.case.org, email=self.case.contact.email),
                start_to_close_timeout=SHORT,
                retry_policy=RETRY,
            )
        if authorised:
            return
        who = f"{self.case.contact.email} is not an authorised contact of {self.case.org}"
        current_rules = workflow.patched(CONTACT_POLICY_PATCH)
        if contacts.others == "refer" and current_rules:
            self._close(workflow.now(), f"referred: {who}; sent back to their provider", "system")
        else:
            self._note(
                f"{who}: accepted, work is billable ({contacts.billing or contacts.others})",
                "system",
            )
            self._change(billable=True)
        if contacts.message and current_rules:
            await self._email_contact("contact", "About your request", contacts.message)

    async def _check_entitlement(self) -> None:
        entitlement = self.policy.entitlement
        if entitlement is None:
            return
        facts = self.state.registry
        if facts is not None and facts.entitlement is not None:
            result = facts.entitlement
        else:
            result = await self._entitlement_checked(entitlement)
        if result.outcome == "covered":
            self._change(entitlement="covered")
            self._note(f"entitlement: {result.detail}", "system")
            return
        expired = entitlement.expired_contract
        needs_po = expired is not None and expired.purchase_order_required
        self._change(entitlement="po_required" if needs_po else "not_covered")
        self._note(f"entitlement: not covered ({result.detail})", "system")
        if needs_po:
            # No work, so no clock runs, until a purchase order is approved.
            self._pause_clocks(workflow.now())
            self._touch()
        if entitlement.advise_if_not_covered:
            purchase = ", ".join(expired.purchase) if expired and expired.purchase else ""
            message = (
                f"Your request is not covered by an active contract or warranty: {result.detail}."
            )
            if needs_po:
                message += " Work proceeds once we receive an approved purchase order"
                message += f" ({purchase})." if purchase else "."
            await self._email_contact("entitlement", "Not covered by an active contract", message)

    async def _entitlement_checked(self, entitlement: Entitlement) -> EntitlementResult:
        """The check of cases opened before the registry facts: by the organisation alone."""
        result: EntitlementResult = await workflow.execute_activity_method(
            RegistryActivities.check_entitlement,
            EntitlementRequest(
                org=self.case.org,
                plan=self.case.plan,
                opened_at=self.case.received_at,
                checks=list(entitlement.checks),
                match_plan_level=entitlement.match_plan_level,
                opened_before_expiry=entitlement.opened_before_expiry,
            ),
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )
        return result

    async def _acknowledge_by_email(self) -> None:
        ack = self.policy.intake.acknowledgement
        await self._send(
            key="acknowledgement",
            kind="acknowledgement",
            to=self.case.contact.email,
            subject=ack.subject if ack else messages.ACK_SUBJECT,
            body=ack.body if ack else messages.ACK_BODY,
            context={
                "ticket_number": self.case.ticket_number,
                "case_id": self.case.id,
                "subject": self.case.subject,
                "org": self.case.org,
                "plan": self.case.plan,
                "severity": self.case.severity,
                "policy": self.case.policy,
                "contact_name": self.case.contact.name,
                "contact_email": self.case.contact.email,
                "received_at": self.case.received_at.isoformat(),
                "links": [link.model_dump(mode="json") for link in ack.links] if ack else [],
            },
        )

    async def _request_missing_fields(self) -> None:
        wanted = {field.name: field for field in self.policy.intake.fields}
        charge = self.policy.intake.missing_info_charge
        await self._send(
            key="missing-fields",
            kind="request_info",
            to=self.case.contact.email,
            subject=messages.CUSTOMER_SUBJECT,
            body=messages.MISSING_FIELDS_BODY,
            context={
                "ticket_number": self.case.ticket_number or "new request",
                "title": "Information needed",
                "fields": [
                    {"name": name, "description": wanted[name].description}
                    for name in self.case.missing_fields
                ],
                "charge": f"{charge.amount} {charge.currency}" if charge else None,
            },
        )
