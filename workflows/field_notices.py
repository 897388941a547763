"""What field-service workflows share: reporting to their case, e-mail and pages.

Workflow code (no I/O of its own): each call schedules an activity or a signal.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.mail import MailActivities
    from activities.paging import PagingActivities
    from models.activity_inputs import EmailRequest, PageRequest
    from models.field_service import REPORT_SIGNAL, CaseBrief, FieldServiceReport
    from models.policy import Policy
    from workflows import messages

# Local services: retry patiently rather than lose a notice or a record.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
SHORT = timedelta(seconds=30)


async def report(brief: CaseBrief, record: FieldServiceReport) -> None:
    """Tell the case how a record stands now; the case keeps its `field_service` section."""
    try:
        await workflow.get_external_workflow_handle(brief.case_id).signal(REPORT_SIGNAL, record)
    except ApplicationError as error:
        # The case is gone (terminated by an operator): this workflow's deadline still runs.
        workflow.logger.warning("case %s did not take the report: %s", brief.case_id, error)


def _context(brief: CaseBrief, title: str, detail: str) -> dict[str, object]:
    return {
        "title": title,
        "detail": detail,
        "ticket_number": brief.ticket_number,
        "case_id": brief.case_id,
        "org": brief.org,
        "plan": brief.plan,
        "severity": brief.severity,
        "tier": brief.tier,
        "subject": brief.subject,
    }


async def email(brief: CaseBrief, key: str, kind: str, to: str, title: str, message: str) -> None:
    await workflow.execute_activity_method(
        MailActivities.send_email,
        EmailRequest(
            idempotency_key=f"{brief.case_id}:{key}",
            case_id=brief.case_id,
            kind=kind,
            to=to,
            subject_template=messages.CUSTOMER_SUBJECT,
            body_template=messages.CUSTOMER_BODY,
            context={
                "ticket_number": brief.ticket_number or brief.case_id,
                "title": title,
                "message": message,
            },
        ),
        start_to_close_timeout=timedelta(minutes=1),
        retry_policy=RETRY,
    )


async def notify_team(
    policy: Policy, brief: CaseBrief, team_id: str, key: str, title: str, detail: str
) -> None:
    """E-mail every member of a team (and its shared address)."""
    team = policy.team(team_id)
    recipients = [f"{member.name} <{member.email}>" for member in team.members]
    if team.email:
        recipients.append(team.email)
    await workflow.execute_activity_method(
        MailActivities.send_email,
        EmailRequest(
            idempotency_key=f"{brief.case_id}:{key}:notify:{team_id}",
            case_id=brief.case_id,
            kind="team_notification",
            to=", ".join(recipients),
            subject_template=messages.TEAM_SUBJECT,
            body_template=messages.TEAM_BODY,
            context=_context(brief, title, detail),
        ),
        start_to_close_timeout=timedelta(minutes=1),
        retry_policy=RETRY,
    )


async def page_on_call(
    policy: Policy, brief: CaseBrief, team_id: str, key: str, summary: str
) -> None:
    """Page whoever of the team is on call now (every member when it has no rota)."""
    team = policy.team(team_id)
    members = (
        [team.member(team.on_call.member_at(workflow.now()))]
        if team.on_call is not None
        else list(team.members)
    )
    await workflow.execute_activity_method(
        PagingActivities.send_page,
        PageRequest(
            dedup_key=f"{brief.case_id}:{key}:{team_id}",
            case_id=brief.case_id,
            summary=f"[{brief.ticket_number or brief.case_id}] {summary}",
            severity="error",
            targets=[f"{m.name} <{m.email}> {m.phone or ''}".strip() for m in members],
            details={"team": team_id, "tier": brief.tier},
        ),
        start_to_close_timeout=SHORT,
        retry_policy=RETRY,
    )
