"""CaseWorkflow: one durable workflow per support case, from intake to closure.

Decisions only: every side effect (ticket numbers, e-mail, the read model) is
an activity. The case id is the workflow id.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.mail import MailActivities
    from activities.projection import ProjectionActivities
    from activities.tickets import TicketActivities
    from models.activity_inputs import EmailRequest, TicketRequest
    from models.case import Case, CaseInput, CaseResult

# Activities talk to local services; retry them patiently rather than lose a step.
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
_SHORT = timedelta(seconds=30)

DEFAULT_ACK_SUBJECT = "[{{ ticket_number }}] We received your request: {{ subject }}"
DEFAULT_ACK_BODY = """Hello {{ contact_name }},

we received your request "{{ subject }}" and opened ticket {{ ticket_number }}.
Please keep the ticket number in the subject of any reply.
"""


def ticket_prefix(case_input: CaseInput) -> str:
    """The policy's ticket prefix, else the first letters of the policy name."""
    intake = case_input.policy.get("intake") or {}
    prefix = intake.get("ticket_prefix") if isinstance(intake, dict) else None
    return str(prefix or case_input.intake.policy[:3]).upper()


@workflow.defn
class CaseWorkflow:
    def __init__(self) -> None:
        self._case: Case | None = None
        self._intake_recorded = False

    @workflow.run
    async def run(self, case_input: CaseInput) -> CaseResult:
        intake = case_input.intake
        self._case = Case(
            id=case_input.case_id,
            policy=intake.policy,
            policy_version=case_input.policy_version,
            plan=intake.plan,
            org=intake.org,
            severity=intake.severity,
            channel=intake.channel,
            subject=intake.subject,
            contact=intake.contact,
            received_at=case_input.received_at,
            updated_at=workflow.now(),
        )
        ticket = await workflow.execute_activity_method(
            TicketActivities.allocate_ticket_number,
            TicketRequest(case_id=case_input.case_id, prefix=ticket_prefix(case_input)),
            start_to_close_timeout=_SHORT,
            retry_policy=_RETRY,
        )
        self._change(ticket_number=ticket)
        await self._project()
        self._intake_recorded = True
        await workflow.execute_activity_method(
            MailActivities.send_email,
            EmailRequest(
                idempotency_key=f"{case_input.case_id}:acknowledgement",
                case_id=case_input.case_id,
                kind="acknowledgement",
                to=intake.contact.email,
                subject_template=DEFAULT_ACK_SUBJECT,
                body_template=DEFAULT_ACK_BODY,
                context={
                    "ticket_number": ticket,
                    "subject": intake.subject,
                    "contact_name": intake.contact.name,
                },
            ),
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_RETRY,
        )
        await workflow.wait_condition(lambda: self.case.status == "closed")
        return CaseResult(
            case_id=self.case.id,
            ticket_number=self.case.ticket_number,
            status=self.case.status,
            closed_at=self.case.updated_at,
        )

    @property
    def case(self) -> Case:
        assert self._case is not None, "the case is set before any handler runs"
        return self._case

    @workflow.query(name="case")
    def get_case(self) -> Case:
        return self.case

    @workflow.update(name="intake_recorded")
    async def intake_recorded(self) -> Case:
        """Answers once the case has its ticket number and its row, for `POST /cases`."""
        await workflow.wait_condition(lambda: self._intake_recorded)
        return self.case

    def _change(self, **changes: object) -> None:
        self._case = self.case.model_copy(
            update={**changes, "updated_at": workflow.now(), "revision": self.case.revision + 1}
        )

    async def _project(self) -> None:
        await workflow.execute_activity_method(
            ProjectionActivities.project_case,
            self.case,
            start_to_close_timeout=_SHORT,
            retry_policy=_RETRY,
        )
