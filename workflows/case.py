"""CaseWorkflow: one durable workflow per support case, from intake to closure.

Decisions only: every side effect (ticket numbers, registry checks, e-mail,
pages, the read model) is an activity. The case id is the workflow id, the
policy version is pinned in the input, and every rule comes from that policy:
this file names no organisation.

The main loop asks `plan_events` (models/case/schedule.py) what is due next,
sleeps until then or until a step changes the case, and fires what is due.
Engineer steps are Updates whose validators (models/case/transitions.py)
refuse a step the case does not allow now, so it never enters history.

One `@workflow.defn` class, assembled by concern from mixins (their handlers are
the workflow's): intake (workflows/case_intake.py), clocks and timed actions
(case_clocks.py), engineer steps (case_steps.py), field service (case_field.py),
the outbox (case_notices.py), and what they share (case_base.py). This file has the
case's life: its state at start, the main loop, continue-as-new and the archiver.
"""

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from models.audit.history import ArchiveRequest
    from models.case import transitions as rules
    from models.case.resource import Case, CaseInput, CaseResult
    from models.case.schedule import plan_events
    from models.case.state import CaseState
    from models.policy import Policy
    from workflows import case_search
    from workflows.archive import ArchiveCaseWorkflow, archive_workflow_id
    from workflows.case_notices import SENDERS_PATCH

from workflows.case_field import CaseFieldService
from workflows.case_steps import CaseSteps

# Since EDGES_PATCH (workflows/case_notices.py), timed actions fire when their timer fires,
# not when the clock reads past them (`_live`), and a required field the intake already
# carries (its `filled_by`) counts as given: before, a case opened with a full description
# was charged for its problem_description. One patch for all three: each costs history events.
MIN_TIMER = timedelta(milliseconds=1)
# Cases that finish start an ArchiveCaseWorkflow (workflows/archive.py) as their last command.
ARCHIVE_PATCH = "archive-on-finish"


@workflow.defn
class CaseWorkflow(CaseSteps, CaseFieldService):
    @workflow.init
    def __init__(self, case_input: CaseInput) -> None:
        # From the input here, not in `run`: an Update can reach a run that continued as new
        # in its first workflow task, before `run` starts, and its validator reads the state.
        # (No command changes, and refused Updates never enter history: replays are unchanged.)
        self._input = case_input
        self._policy = Policy.model_validate(case_input.policy)
        self._state: CaseState | None = (
            None if case_input.state is None else CaseState.model_validate(case_input.state)
        )
        if self._state is not None and self._state.registry is not None:
            # A continued run: the client's calendars, as its intake pinned them.
            self._policy = self._policy.with_calendars(self._state.registry.calendars)
        self._changed = False
        self._finished = False
        self._notices_mode = None
        self._notices_closing = False
        self._senders_wait = False
        self._search = case_search.CaseSearch()

    # -- the case's life -------------------------------------------------------------------

    @workflow.run
    async def run(self, case_input: CaseInput) -> CaseResult:
        # Asked first, so a run takes one path throughout (older histories: the old one).
        timers_drive = self._current_rules()
        senders = []
        if timers_drive:
            self._senders_wait = workflow.patched(SENDERS_PATCH)
            senders = [
                asyncio.create_task(self._deliver_notices(channel)) for channel in ("email", "page")
            ]
        if self._state is None:
            await self._intake(case_input)
        await self._live(timers_drive)
        # Field-service deadlines outlive the case's own: end only once none is left.
        await workflow.wait_condition(self.case.field_service.settled)
        await workflow.wait_condition(workflow.all_handlers_finished)
        # What the case still owes people goes out before it ends.
        self._notices_closing = True
        for sender in senders:
            await sender
        await self._start_archiver()
        return CaseResult(
            case_id=self.case.id,
            ticket_number=self.case.ticket_number,
            status=self.case.status,
            closed_at=self.state.closed_at,
        )

    async def _live(self, timers_drive: bool) -> None:
        """Fire each timed action when it falls due, until the case is final.

        Since EDGES_PATCH an action fires because the timer set for it fired, never because
        the clock says so: a worker replaying a cold case may see a timer fire in a workflow
        task whose clock is that of an earlier task (tests/audit/test_clock_independence.py).
        `horizon` is the instant the fired timer was set for; what falls due by then fires.
        """
        horizon: datetime | None = None
        while not self._finished:
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    self._input.model_copy(update={"state": self.state.model_dump(mode="json")})
                )
            now = workflow.now()
            plans = plan_events(self.policy, self.state)
            due_by = horizon if timers_drive else now
            if plans and due_by is not None and plans[0].at <= due_by:
                await self._fire(plans[0], timers_drive)
                continue
            horizon = None
            self._changed = False
            timeout = (plans[0].at - now) if plans else None
            if timers_drive and timeout is not None:
                # An overdue action gets a timer too: whether it is overdue depends on the clock.
                timeout = max(timeout, MIN_TIMER)
            try:
                await workflow.wait_condition(lambda: self._changed, timeout=timeout)
            except TimeoutError:
                horizon = plans[0].at if plans else None

    async def _start_archiver(self) -> None:
        """Hand the finished case to its archiver, which outlives this workflow (audit trail)."""
        if workflow.patched(ARCHIVE_PATCH):
            await workflow.start_child_workflow(
                ArchiveCaseWorkflow.run,
                ArchiveRequest(case_id=self.case.id),
                id=archive_workflow_id(self.case.id),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        length, limit = info.get_current_history_length(), self._input.history_limit
        due = info.is_continue_as_new_suggested() or length > limit
        # With notices in the outbox, the next run would send them again (idempotently) and
        # grow as fast: wait for them to go out, unless the history grows far past its limit.
        return due and (not self.state.outbox or length > 2 * limit)

    # -- queries and the intake handshake -----------------------------------------------------

    @workflow.query(name="case")
    def get_case(self) -> Case:
        return self.case

    @workflow.query(name="pending_notices")
    def pending_notices(self) -> list[str]:
        """The e-mails and pages the case has queued and not yet delivered, oldest first."""
        return [notice.describe() for notice in self._state.outbox] if self._state else []

    @workflow.query(name="steps")
    def open_steps(self) -> dict[str, str | None]:
        """Each step by name: None when the case may take it now, else why not, by the rules
        the validators apply (models/case/transitions.py `open_steps`)."""
        if self._state is None:
            return dict.fromkeys(rules.STEPS, "the case is still being opened")
        return rules.open_steps(self._state, self._policy, workflow.now())

    @workflow.query(name="step_request")
    def step_request(self, update_id: str) -> str | None:
        """The digest of the keyed step that ran as `update_id`, or None if none did."""
        return self.state.step_requests.get(update_id)

    @workflow.update(name="intake_recorded")
    async def intake_recorded(self) -> Case:
        """Answers once the case has its ticket number and its row, for `POST /cases`."""
        await workflow.wait_condition(lambda: self._state is not None)
        await workflow.wait_condition(lambda: self.state.intake_recorded)
        return self.case
