"""E-mail intake: a raw message becomes a new case, a reply on its case, or a kept message.

Used by `POST /intake/email` and by the SMTP listener (escalator/smtp_listener.py).
Every message is stored raw first, so nothing received is lost; then:

- a subject carrying a known ticket number ("Re: ZSU-000042 ...") is a
  `customer-reply` on that case (a note when the case is not waiting on the
  customer), if the sender belongs to the case's organisation (and, with
  `ESCALATOR_MAIL_TRUSTED_AUTHSERV_ID`, its relay authenticated the From domain);
- otherwise the policy whose `intake.email_addresses` lists a recipient opens a
  case for the sender's organisation (an authorised contact's, or the one whose
  contacts share the sender's domain: the workflow marks such a case billable);
- a reply's quoted text ("> ..." under "On ... wrote:", "-----Original Message-----")
  is kept apart from its own (`quoted` of the note and of the timeline entry);
- an automatic reply (RFC 3834 `Auto-Submitted`, `Precedence: bulk`, out-of-office ...)
  is only ever a note marked `auto_reply` on its case: it opens none, ends no wait
  for the customer and is never answered, so two auto-responders cannot loop;
- anything else is kept with the reason, logged, and listed by `GET /intake/messages`.
"""

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from temporalio.client import Client

from escalator import policy_store
from escalator.cases import (
    CaseError,
    CaseFinished,
    CaseNotFound,
    NotPermitted,
    StepRefused,
    Visible,
    apply_step,
    case_once_recorded,
    check_against_policy,
    idempotent_case_id,
    intake_sha256,
    may_see,
    start_case,
)
from escalator.infra.settings import Settings
from escalator.infra.text_search import ESCAPE, escaped
from escalator.intake.mail_authentication import verdict
from models.case.resource import Case, CaseIntake, ContactIntake
from models.case.steps import AddNote, CustomerReply
from models.intake.inbound_mail import InboundMail, UnreadableMail, parse_mail
from models.intake.mail_replies import split_reply
from models.policy import Policy
from models.tables.client_registry import AuthorisedContactRow, CoverageRow
from models.tables.core import CaseRow, PolicyVersionRow, TicketRow
from models.tables.intake import AttachmentRow, InboundMessageRow

log = logging.getLogger("escalator.intake.email")

Outcome = Literal["opened", "replied", "noted", "kept"]


@dataclass(frozen=True)
class MailResult:
    outcome: Outcome
    message_id: int
    case: Case | None = None
    # A new case (False when a redelivered message found the case it had opened).
    created: bool = False
    reason: str | None = None


class NotStored(Exception):
    """The database refused the raw message: the sender must retry (SMTP 451)."""


class Kept(Exception):
    """The message cannot be acted on; it stays in `inbound_messages` with this reason."""


@dataclass(frozen=True)
class Route:
    policy: PolicyVersionRow
    org: str
    plan: str


def plan_of(session: Session, org: str, policy: PolicyVersionRow) -> str:
    """The organisation's plan in the registry (its newest coverage naming a plan of this
    policy); else the policy's first plan, its default for clients the registry lacks."""
    known = list(policy_store.cached_policy(policy).plans)
    covered: str | None = session.exec(
        select(CoverageRow.plan)
        .where(CoverageRow.org == org)
        .where(col(CoverageRow.plan).in_(known))
        .order_by(col(CoverageRow.expires_at).desc())
    ).first()
    if covered is not None:
        return covered
    # A policy has at least one plan (the schema says so).
    return known[0]


def domain_of(address: str) -> str:
    """The domain of an e-mail address: what follows its last "@", lower-cased."""
    return address.rpartition("@")[2].lower()


class MailIntake:
    def __init__(self, engine: Engine, client: Client, settings: Settings) -> None:
        self.engine = engine
        self.client = client
        self.settings = settings

    async def receive(
        self,
        raw: bytes,
        via: Literal["smtp", "http"],
        envelope_recipients: list[str] | None = None,
        visible: Visible = None,
    ) -> MailResult:
        """Keep `raw`, then act on it. `visible`: what a partner may act for (its organisation
        and its clients), the only ones whose cases its message may open or reach (another's
        answers 403, a ticket of another 404)."""
        try:
            row_id, received_at = await asyncio.to_thread(self._keep_raw, raw, via)
        except Exception as error:
            raise NotStored(f"the message could not be stored: {error}") from error
        try:
            mail = parse_mail(raw, envelope_recipients)
            await asyncio.to_thread(self._describe, row_id, mail)
            return await self._act(row_id, received_at, mail, visible)
        except (UnreadableMail, Kept) as error:
            return await self._kept(row_id, str(error))
        except CaseError as refused:
            await self._kept(row_id, refused.detail)
            raise
        except Exception as error:
            # Temporal or the database failed us: the message stays kept, with why.
            log.exception("inbound message %s could not be processed", row_id)
            await self._kept(row_id, f"processing failed: {type(error).__name__}: {error}")
            raise

    # -- acting on a message -------------------------------------------------------------------

    async def _act(
        self, row_id: int, received_at: datetime, mail: InboundMail, visible: Visible
    ) -> MailResult:
        ticket = mail.ticket_number
        case_id = await asyncio.to_thread(self._case_of_ticket, ticket) if ticket else None
        if case_id is not None:
            return await self._reply(row_id, mail, case_id, visible)
        if mail.automatic:
            # An acknowledgement to an auto-responder would answer it, and it us, forever.
            raise Kept(f"an automatic reply ({mail.automatic}) opens no case")
        route = await asyncio.to_thread(self._route, mail)
        if not may_see(visible, route.org):
            allowed = ", ".join(repr(org) for org in sorted(visible or ()))
            raise NotPermitted(
                f"this partner sends mail for {allowed} only; "
                f"{mail.sender_email} belongs to {route.org!r}",
            )
        return await self._open(row_id, received_at, mail, route)

    async def _open(
        self, row_id: int, received_at: datetime, mail: InboundMail, route: Route
    ) -> MailResult:
        policy = policy_store.cached_policy(route.policy)
        first = await asyncio.to_thread(self._first_receipt, mail, received_at)
        try:
            intake = self._intake(mail, route, policy, first)
        except ValidationError as error:
            raise Kept(f"the message cannot open a case: {error.errors()[0]['msg']}") from error
        check_against_policy(intake, route.policy)
        content = f"{mail.sender_email}\n{mail.subject}\n{mail.text}"
        key = f"email:{mail.message_id or hashlib.sha256(content.encode()).hexdigest()}"
        case_id = idempotent_case_id(route.org, key)
        handle, created = await start_case(
            self.client, self.settings, intake, route.policy, case_id, intake_sha256(intake)
        )
        case = await case_once_recorded(self.client, handle, None)
        await asyncio.to_thread(self._finish, row_id, "opened", case.id, mail)
        log.info("message %s opened case %s (%s)", row_id, case.id, case.ticket_number)
        return MailResult("opened", row_id, case, created=created)

    @staticmethod
    def _intake(mail: InboundMail, route: Route, policy: Policy, first: datetime) -> CaseIntake:
        return CaseIntake(
            policy=route.policy.name,
            plan=route.plan,
            org=route.org,
            channel="email",
            subject=mail.subject or "(no subject)",
            description=mail.text or mail.subject or "(the message has no text)",
            contact=ContactIntake(name=mail.sender_name, email=mail.sender_email),
            fields=mail.fields({f.name for f in policy.intake.fields}),
            received_at=first,
        )

    async def _reply(
        self, row_id: int, mail: InboundMail, case_id: str, visible: Visible
    ) -> MailResult:
        org, contact = await asyncio.to_thread(self._case_org, case_id)
        if not may_see(visible, org):
            raise CaseNotFound(f"no case with ticket number {mail.ticket_number}")
        sender_org = await asyncio.to_thread(self._org_of_sender, mail.sender_email)
        if sender_org != org and mail.sender_email != contact:
            raise Kept(
                f"{mail.sender_email} wrote about {mail.ticket_number} "
                f"but is not a contact of {org!r}"
            )
        trusted = self.settings.mail_trusted_authserv_id
        if trusted:
            seen = verdict(mail.authentication_results, trusted, domain_of(mail.sender_email))
            if not seen.authenticated:
                raise Kept(
                    f"{mail.sender_email} wrote about {mail.ticket_number} "
                    f"but is not authenticated: {seen.detail}"
                )
        actor = f"email:{mail.sender_email}"
        own, old = split_reply(mail.text)
        quoted = old[:100_000] or None
        if not own:
            own = "(the reply has no text of its own)" if old else mail.subject
        text = (own or "(the message has no text)")[:100_000]
        whole = (mail.text or mail.subject or "(the message has no text)")[:100_000]
        key = mail.message_id or hashlib.sha256(whole.encode()).hexdigest()
        outcome: Outcome = "noted"
        if mail.automatic:
            # Kept on the case, but no answer to the customer: it asked nothing, and a
            # customer-reply would end a wait for information no person gave.
            said = f"automatic reply from {mail.sender_email} ({mail.automatic}): {text}"
            note = AddNote(actor=actor, text=said[:100_000], auto_reply=True, quoted=quoted)
            case = await self._add_note(case_id, mail, note, key)
        else:
            reply = CustomerReply(
                actor=actor, message=text, fields=mail.fields(set()), quoted=quoted
            )
            try:
                case = await apply_step(self.client, case_id, "customer-reply", reply, "email", key)
                outcome = "replied"
            except (StepRefused, CaseFinished):
                said = f"e-mail from {mail.sender_email}: {text}"
                note = AddNote(actor=actor, text=said[:100_000], quoted=quoted)
                case = await self._add_note(case_id, mail, note, key)
        await asyncio.to_thread(self._finish, row_id, outcome, case_id, mail)
        log.info("message %s %s on case %s", row_id, outcome, case_id)
        return MailResult(outcome, row_id, case)

    async def _add_note(self, case_id: str, mail: InboundMail, note: AddNote, key: str) -> Case:
        try:
            return await apply_step(self.client, case_id, "add-note", note, "email-note", key)
        except (StepRefused, CaseFinished) as closed:
            raise Kept(f"case {mail.ticket_number} takes no reply: {closed.detail}") from None

    async def _kept(self, row_id: int, reason: str) -> MailResult:
        await asyncio.to_thread(self._mark_kept, row_id, reason)
        log.warning("inbound message %s kept without action: %s", row_id, reason)
        return MailResult("kept", row_id, reason=reason)

    # -- the database (run in threads) ---------------------------------------------------------

    def _keep_raw(self, raw: bytes, via: str) -> tuple[int, datetime]:
        now = datetime.now(UTC)
        with Session(self.engine) as session:
            row = InboundMessageRow(
                received_at=now, via=via, sha256=hashlib.sha256(raw).hexdigest(), raw=raw
            )
            session.add(row)
            session.commit()
            assert row.id is not None
            return row.id, now

    def _describe(self, row_id: int, mail: InboundMail) -> None:
        with Session(self.engine) as session:
            row = session.get(InboundMessageRow, row_id)
            assert row is not None
            row.message_id = mail.message_id
            row.sender = mail.sender_email
            row.recipients = ", ".join(mail.recipients)
            row.subject = mail.subject
            session.add(row)
            session.commit()

    def _mark_kept(self, row_id: int, reason: str) -> None:
        with Session(self.engine) as session:
            row = session.get(InboundMessageRow, row_id)
            assert row is not None
            row.status, row.reason = "kept", reason
            session.add(row)
            session.commit()

    def _first_receipt(self, mail: InboundMail, default: datetime) -> datetime:
        """When this Message-ID first arrived: a redelivery describes the same case."""
        if mail.message_id is None:
            return default
        with Session(self.engine) as session:
            first = session.exec(
                select(func.min(InboundMessageRow.received_at)).where(
                    InboundMessageRow.message_id == mail.message_id
                )
            ).first()
        if not isinstance(first, datetime):
            return default
        return first if first.tzinfo else first.replace(tzinfo=UTC)

    def _case_of_ticket(self, ticket: str) -> str | None:
        with Session(self.engine) as session:
            row = session.exec(select(TicketRow).where(TicketRow.ticket_number == ticket)).first()
        return row.case_id if row else None

    def _case_org(self, case_id: str) -> tuple[str, str | None]:
        """The case's organisation and contact e-mail, from the read model."""
        with Session(self.engine) as session:
            row = session.get(CaseRow, case_id)
        if row is None:
            raise Kept(f"case {case_id} is not in the read model yet")
        contact = row.document.get("contact")
        email = contact.get("email") if isinstance(contact, dict) else None
        return row.org, str(email).lower() if email else None

    def _org_of_sender(self, sender: str) -> str | None:
        """An authorised contact's organisation; else the one organisation whose contacts
        share the sender's domain (the workflow then finds the sender unauthorised)."""
        with Session(self.engine) as session:
            exact = session.exec(
                select(AuthorisedContactRow.org).where(
                    func.lower(AuthorisedContactRow.email) == sender
                )
            ).first()
            if exact is not None:
                return exact
            domain = domain_of(sender)
            # LIKE only narrows the rows (its wildcards in the domain escaped); the domain
            # after the contact address's last "@" must then equal the sender's exactly.
            candidates = session.exec(
                select(AuthorisedContactRow.org, AuthorisedContactRow.email).where(
                    func.lower(AuthorisedContactRow.email).like(
                        f"%@{escaped(domain)}", escape=ESCAPE
                    )
                )
            ).all()
        orgs = {org for org, email in candidates if domain_of(email) == domain}
        return orgs.pop() if len(orgs) == 1 else None

    def _route(self, mail: InboundMail) -> Route:
        with Session(self.engine) as session:
            policy = self._policy_for(session, mail.recipients)
            org = self._org_of_sender(mail.sender_email)
            if org is None:
                raise Kept(f"no organisation is known for the sender {mail.sender_email}")
            plan = plan_of(session, org, policy)
        return Route(policy=policy, org=org, plan=plan)

    def _policy_for(self, session: Session, recipients: list[str]) -> PolicyVersionRow:
        for summary in policy_store.list_policies(session):
            row = policy_store.latest(session, summary.name)
            intake = row.body.get("intake") if row else None
            addresses = intake.get("email_addresses") if isinstance(intake, dict) else None
            if row is not None and isinstance(addresses, list):
                if {str(a).lower() for a in addresses} & set(recipients):
                    return row
        raise Kept(f"no policy takes mail for {', '.join(recipients)}")

    def _finish(self, row_id: int, outcome: Outcome, case_id: str, mail: InboundMail) -> None:
        """Record the outcome and store the message's files with the case, once per message
        (a redelivery of a Message-ID already acted on adds none)."""
        limit = self.settings.attachment_max_bytes
        with Session(self.engine) as session:
            row = session.get(InboundMessageRow, row_id)
            assert row is not None
            row.status, row.case_id = outcome, case_id
            session.add(row)
            earlier = (
                mail.message_id is not None
                and session.exec(
                    select(InboundMessageRow.id)
                    .where(InboundMessageRow.message_id == mail.message_id)
                    .where(InboundMessageRow.case_id == case_id)
                    .where(col(InboundMessageRow.id) != row_id)
                ).first()
            )
            if not earlier:
                for file in mail.files:
                    small = len(file.content) <= limit
                    session.add(
                        AttachmentRow(
                            case_id=case_id,
                            inbound_message_id=row_id,
                            filename=file.filename,
                            content_type=file.content_type,
                            size=len(file.content),
                            sha256=hashlib.sha256(file.content).hexdigest(),
                            stored=small,
                            content=file.content if small else None,
                            received_at=row.received_at,
                        )
                    )
            session.commit()
