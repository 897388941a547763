"""What every workflow's e-mails and pages say, and sending one now: one helper for all.

The case (workflows/case_notices.py, which queues them in its outbox) and the
field-service children (workflows/field_notices.py, which send them beside their
deadlines) build their requests here. What differs between them is a parameter:
the text standing for a ticket number the case has not got yet (`no_ticket`), the
page's severity, whether a page names its targets only (`names_only`) and carries
the Events v2 labels (`labelled`), and how long a delivery may keep failing
(`give_up`). Workflow code: each call schedules an activity, nothing else.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.mail import MailActivities
    from activities.paging import PagingActivities
    from models.case.activity_inputs import EmailRequest, PageRequest, PageSeverity
    from models.case.resource import Case
    from models.field.records import CaseBrief
    from models.policy.teams import Member, Team
    from workflows import messages

# Local services: retry patiently rather than lose a notice; a day of failures is a failure.
NOTICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
NOTICE_GIVE_UP = timedelta(days=1)
MAIL_ATTEMPT = timedelta(minutes=1)
PAGE_ATTEMPT = timedelta(seconds=30)


@dataclass(frozen=True)
class About:
    """The case a notice is about, as its e-mails and pages name it."""

    case_id: str
    ticket_number: str | None
    org: str
    plan: str
    severity: str | None
    tier: str | None
    subject: str

    @classmethod
    def case(cls, case: Case) -> "About":
        return cls(
            case.id, case.ticket_number, case.org, case.plan, case.severity, case.tier, case.subject
        )

    @classmethod
    def brief(cls, brief: CaseBrief) -> "About":
        return cls(
            brief.case_id,
            brief.ticket_number,
            brief.org,
            brief.plan,
            brief.severity,
            brief.tier,
            brief.subject,
        )

    def ticket(self, no_ticket: str | None) -> str | None:
        """The ticket number, or `no_ticket` while there is none (None: shown as it is)."""
        return self.ticket_number if no_ticket is None else self.ticket_number or no_ticket

    def context(self, title: str, detail: str) -> dict[str, Any]:
        """What the team templates (messages.TEAM_SUBJECT, TEAM_BODY) render."""
        return {
            "title": title,
            "detail": detail,
            "ticket_number": self.ticket_number,
            "case_id": self.case_id,
            "org": self.org,
            "plan": self.plan,
            "severity": self.severity,
            "tier": self.tier,
            "subject": self.subject,
        }


def email(
    about: About, key: str, kind: str, to: str, subject: str, body: str, context: dict[str, Any]
) -> EmailRequest:
    """One e-mail of the case, sent at most once by its key."""
    return EmailRequest(
        idempotency_key=f"{about.case_id}:{key}",
        case_id=about.case_id,
        kind=kind,
        to=to,
        subject_template=subject,
        body_template=body,
        context=context,
    )


def customer_email(
    about: About, key: str, kind: str, to: str, title: str, message: str, *, no_ticket: str
) -> EmailRequest:
    """A message to the customer: the case says "new request" for a missing ticket number,
    a field-service child the case id."""
    context = {"ticket_number": about.ticket(no_ticket), "title": title, "message": message}
    return email(about, key, kind, to, messages.CUSTOMER_SUBJECT, messages.CUSTOMER_BODY, context)


def address(member: Member) -> str:
    return f"{member.name} <{member.email}>"


def team_recipients(team: Team, turn: int | None = None) -> list[str]:
    """Every member and the team's shared address; with `turn`, only the member whose turn it
    is (round robin)."""
    if turn is not None:
        return [address(team.members[turn % len(team.members)])]
    recipients = [address(member) for member in team.members]
    if team.email:
        recipients.append(team.email)
    return recipients


def team_email(
    about: About, team_id: str, recipients: list[str], key: str, title: str, detail: str
) -> EmailRequest:
    return email(
        about,
        f"{key}:notify:{team_id}",
        "team_notification",
        ", ".join(recipients),
        messages.TEAM_SUBJECT,
        messages.TEAM_BODY,
        about.context(title, detail),
    )


def on_call(team: Team) -> list[Member]:
    """Whoever of the team is on call now (every member when it has no rota)."""
    if team.on_call is None:
        return list(team.members)
    return [team.member(team.on_call.member_at(workflow.now()))]


def page(
    about: About,
    team: Team,
    team_id: str,
    key: str,
    summary: str,
    members: list[Member],
    *,
    severity: PageSeverity,
    no_ticket: str | None,
    names_only: bool,
    labelled: bool,
    who: str | None = None,
) -> PageRequest:
    """A page to `members` of a team. `labelled`: with the Events v2 routing key, group
    (team), class (the key's first part), ticket and timestamp, as the case's pages carry;
    `names_only`: targets by name, no addresses or phones; `who` goes into the details."""
    targets = (
        [m.name for m in members]
        if names_only
        else [f"{m.name} <{m.email}> {m.phone or ''}".strip() for m in members]
    )
    details: dict[str, Any] = {"team": team_id}
    if who is not None:
        details["who"] = who
    details["tier"] = about.tier
    labels: dict[str, Any] = {}
    if labelled:
        labels = {
            "routing_key_name": team.paging.routing_key if team.paging else None,
            "team": team_id,
            "reason": key.split(":", 1)[0],
            "ticket_number": about.ticket_number,
            "at": workflow.now(),
        }
    return PageRequest(
        dedup_key=f"{about.case_id}:{key}:{team_id}",
        case_id=about.case_id,
        summary=f"[{about.ticket(no_ticket)}] {summary}"[:1024],
        severity=severity,
        targets=targets,
        details=details,
        **labels,
    )


async def send_now(request: EmailRequest | PageRequest, give_up: timedelta | None = None) -> None:
    """Deliver one notice, retrying each attempt; `give_up`: fail once it has failed so long."""
    if isinstance(request, EmailRequest):
        await workflow.execute_activity_method(
            MailActivities.send_email,
            request,
            start_to_close_timeout=MAIL_ATTEMPT,
            schedule_to_close_timeout=give_up,
            retry_policy=NOTICE_RETRY,
        )
        return
    await workflow.execute_activity_method(
        PagingActivities.send_page,
        request,
        start_to_close_timeout=PAGE_ATTEMPT,
        schedule_to_close_timeout=give_up,
        retry_policy=NOTICE_RETRY,
    )
