"""What field-service workflows share: reporting to their case, e-mail and pages, waiting.

Their e-mails and pages are built and sent by workflows/outbound.py, as the case's are.

Workflow code (no I/O of its own): each call schedules an activity or a signal.

Since FIELD_PATCH a child's notices go out beside its deadlines, not before them (a
mail relay that is down no longer holds a technician's deadline back), and its waits
always end on a timer, so what it decides depends on the timer firing, never on the
clock of the task that sees it (see workflows/case.py `_live`). A notice that cannot be
delivered is logged and shows in the child's history; it never ends the child.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.field.records import REPORT_SIGNAL, CaseBrief, FieldServiceReport
    from models.policy import Policy
    from workflows import outbound

# Local services: retry patiently rather than lose a notice or a record (the inventory's too).
RETRY = outbound.NOTICE_RETRY
SHORT = timedelta(seconds=30)
FIELD_PATCH = "field-notices-beside-deadlines"
MIN_TIMER = timedelta(milliseconds=1)


async def _guarded(notice: Awaitable[None]) -> None:
    try:
        await notice
    except ActivityError as error:
        workflow.logger.warning("a field-service notice could not be delivered: %s", error.cause)


class Outgoing:
    """One child workflow's notices, and which path its run takes (asked once, first)."""

    def __init__(self) -> None:
        self._current: bool | None = None
        self._sending: list[asyncio.Task[None]] = []

    def current(self) -> bool:
        if self._current is None:
            self._current = workflow.patched(FIELD_PATCH)
        return self._current

    async def send(self, notice: Awaitable[None]) -> None:
        if self.current():
            self._sending.append(asyncio.create_task(_guarded(notice)))
        else:
            await _guarded(notice)

    async def drain(self) -> None:
        """Before the child ends: every notice it queued has gone out (or failed for good)."""
        for sending in self._sending:
            await sending

    async def until(self, condition: Callable[[], bool], at: datetime) -> bool:
        """Wait for `condition` until `at`: True if it held in time. (Before FIELD_PATCH, a
        deadline already past counted as missed without a timer.)"""
        if condition():
            return True
        remaining = at - workflow.now()
        if self.current():
            remaining = max(remaining, MIN_TIMER)
        elif remaining <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(condition, timeout=remaining)
        except TimeoutError:
            return False
        return True


async def report(brief: CaseBrief, record: FieldServiceReport) -> None:
    """Tell the case how a record stands now; the case keeps its `field_service` section."""
    try:
        await workflow.get_external_workflow_handle(brief.case_id).signal(REPORT_SIGNAL, record)
    except ApplicationError as error:
        # The case is gone (terminated by an operator): this workflow's deadline still runs.
        workflow.logger.warning("case %s did not take the report: %s", brief.case_id, error)


async def email(brief: CaseBrief, key: str, kind: str, to: str, title: str, message: str) -> None:
    """A message to the site contact or the customer (the case id stands for a missing ticket)."""
    about = outbound.About.brief(brief)
    await outbound.send_now(
        outbound.customer_email(about, key, kind, to, title, message, no_ticket=brief.case_id)
    )


async def notify_team(
    policy: Policy, brief: CaseBrief, team_id: str, key: str, title: str, detail: str
) -> None:
    """E-mail every member of a team (and its shared address)."""
    recipients = outbound.team_recipients(policy.team(team_id))
    about = outbound.About.brief(brief)
    await outbound.send_now(outbound.team_email(about, team_id, recipients, key, title, detail))


async def page_on_call(
    policy: Policy, brief: CaseBrief, team_id: str, key: str, summary: str
) -> None:
    """Page whoever of the team is on call now (every member when it has no rota): at severity
    `error`, with addresses, without the case's Events v2 labels (as recorded children do)."""
    team = policy.team(team_id)
    request = outbound.page(
        outbound.About.brief(brief),
        team,
        team_id,
        key,
        summary,
        outbound.on_call(team),
        severity="error",
        no_ticket=brief.case_id,
        names_only=False,
        labelled=False,
    )
    await outbound.send_now(request)
