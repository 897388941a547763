"""What every part of CaseWorkflow (workflows/case.py) shares: its state and how it changes.

CaseWorkflow is one `@workflow.defn` class assembled from mixins, one per concern:
the outbox (workflows/case_notices.py), this base, clocks and timed actions
(case_clocks.py), intake (case_intake.py), engineer steps (case_steps.py) and field
service (case_field.py). Each builds on this base, so no mixin stands in for another's
method. Nothing here issues a command except `_project` (the read model).

A refused step raises `ApplicationError` (workflows/refusals.py), never an `assert`.
"""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.projection import ProjectionActivities
    from models.case import transitions as rules
    from models.case.resource import Case, CaseInput, Note
    from models.case.state import CaseState
    from models.case.step_requests import is_keyed, step_digest
    from models.case.steps import StepBody
    from models.policy import Policy
    from models.policy.escalation import TargetKind
    from workflows import case_metrics, case_search
    from workflows.case_notices import CaseNotices
    from workflows.refusals import refuse, refused

# Activities talk to local services; retry them patiently rather than lose a step.
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
SHORT = timedelta(seconds=30)
TARGET_KINDS: tuple[TargetKind, ...] = ("response", "restoration", "resolution")
INTAKE_PENDING = "the case has not finished its intake yet; retry"


class CaseBase(CaseNotices):
    """The case's state, its accessors and the changes every concern makes to it."""

    _input: CaseInput
    _policy: Policy
    _state: CaseState | None
    _search: case_search.CaseSearch

    # -- accessors -------------------------------------------------------------------------

    @property
    def state(self) -> CaseState:
        # A continued run has its state from __init__; a new case, once its intake has run.
        if self._state is None:
            raise refused(INTAKE_PENDING)
        return self._state

    @property
    def case(self) -> Case:
        return self.state.case

    @property
    def policy(self) -> Policy:
        return self._policy

    def _tier_team_id(self) -> str:
        if self.case.tier is None:
            raise refused("the case has no tier")
        return self.policy.tier(self.case.tier).team

    def _continue_as_new_wanted(self) -> bool:
        info = workflow.info()
        length = info.get_current_history_length()
        return info.is_continue_as_new_suggested() or length > self._input.history_limit

    # -- steps: what refuses them, where they move the case (models/case/transitions.py) ------

    def _refuse_step(self, step: str, *args: object) -> None:
        """For a validator: refuse `step` when its rule says so (the state comes first)."""
        refuse(rules.STEPS[step].refuse(self.state, *args))

    def _moved(self, step: str) -> dict[str, Any]:
        """The status change `step` makes from where the case is now (empty: none)."""
        status = rules.moved_to(step, self.state)
        return {} if status is None else {"status": status}

    # -- state changes -------------------------------------------------------------------------

    def _change(self, **changes: Any) -> None:
        self.state.case = self.case.model_copy(update=changes)
        self._touch()

    def _touch(self) -> None:
        now = workflow.now()
        self.state.refresh_sla(now)
        self.state.case = self.case.model_copy(
            update={"updated_at": now, "revision": self.case.revision + 1}
        )
        self._changed = True

    def _wake(self) -> None:
        self._changed = True

    def _note(
        self, text: str, actor: str, auto_reply: bool = False, quoted: str | None = None
    ) -> None:
        note = Note(text=text, actor=actor, at=workflow.now(), auto_reply=auto_reply, quoted=quoted)
        self._change(notes=[*self.case.notes, note])

    def _close(self, at: datetime, reason: str, actor: str) -> None:
        """Closed by the step, or by the system (referral, no reply, no purchase order)."""
        self.state.closed_at = at
        self._change(**self._moved("close"))
        self._note(reason, actor)
        self._follow_pages("resolve")

    async def _project(self) -> None:
        breached = any(key.startswith("breach:") for key in self.state.fired)
        self._search.keep_current(self.case, breached=breached)
        await workflow.execute_activity_method(
            ProjectionActivities.project_case,
            self.case,
            start_to_close_timeout=SHORT,
            retry_policy=RETRY,
        )

    async def _after_step(self, step: StepBody) -> Case:
        self._record_step_request(step)
        info = workflow.current_update_info()
        if info is not None:
            case_metrics.count(case_metrics.STEPS_APPLIED, policy=self.policy.name, step=info.name)
        await self._project()
        return self.case

    def _record_step_request(self, step: StepBody) -> None:
        """Remember what a keyed step (`Idempotency-Key`) ran, so a reuse of its key for another
        request can be told from a retry; kept across continue-as-new in the state."""
        info = workflow.current_update_info()
        if info is not None and is_keyed(info.id):
            self.state.step_requests.setdefault(info.id, step_digest(info.name, step))
