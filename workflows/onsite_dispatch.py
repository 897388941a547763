"""OnSiteDispatchWorkflow: a technician promised on site by the end of a business day.

Started by the case's `dispatch-onsite` step with the booked slot already computed
(models/field/deadlines.py). It tells the site contact, waits for the technician's
`arrived` and `completed` updates, and escalates to the case's tier team when
nobody has arrived by the end of the promised day; the visit then still counts.
"""

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.field.records import (
        Arrived,
        Completed,
        Dispatch,
        DispatchInput,
        FieldServiceReport,
    )
    from models.policy import Policy
    from workflows import field_notices as notices
    from workflows.refusals import refused


@workflow.defn(name="OnSiteDispatchWorkflow")
class OnSiteDispatchWorkflow:
    def __init__(self) -> None:
        self._dispatch: Dispatch | None = None
        self._input: DispatchInput | None = None
        self._out = notices.Outgoing()

    @property
    def dispatch(self) -> Dispatch:
        if self._dispatch is None:  # a Query before `run` started
            raise refused("the workflow has not started yet; retry")
        return self._dispatch

    @workflow.run
    async def run(self, request: DispatchInput) -> Dispatch:
        self._input, self._dispatch = request, request.dispatch
        self._out.current()
        policy = Policy.model_validate(request.policy)
        brief, dispatch = request.brief, request.dispatch
        await self._out.send(
            notices.email(
                brief,
                f"{dispatch.id}:booked",
                "onsite_booked",
                f"{dispatch.contact.name} <{dispatch.contact.email}>",
                "Technician visit booked",
                f"A technician will be on site at {dispatch.site} on {dispatch.promised_on}, "
                f"by {dispatch.due_at.isoformat()}. Please be available to meet them.",
            )
        )
        await self._report()
        if not await self._on_site_in_time(dispatch.due_at):
            await self._escalate(policy)
        await workflow.wait_condition(lambda: self.dispatch.state == "completed")
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._out.drain()
        return self.dispatch

    async def _on_site_in_time(self, due_at: datetime) -> bool:
        if self._out.current():
            return await self._out.until(lambda: self.dispatch.state != "booked", due_at)
        wait = due_at - workflow.now()  # the path of runs recorded before FIELD_PATCH
        try:
            if wait <= timedelta(0):
                raise TimeoutError
            await workflow.wait_condition(lambda: self.dispatch.state != "booked", timeout=wait)
        except TimeoutError:
            return False
        return True

    async def _escalate(self, policy: Policy) -> None:
        """Nobody on site by the end of the promised day: the tier's on-call hears at once."""
        assert self._input is not None
        brief = self._input.brief
        self._dispatch = self.dispatch.model_copy(
            update={"state": "late", "escalated_at": workflow.now()}
        )
        await self._report()
        summary = (
            f"technician not on site at {self.dispatch.site} by {self.dispatch.due_at.isoformat()}"
        )
        late = f"{self.dispatch.id}:late"
        await self._out.send(notices.page_on_call(policy, brief, brief.team, late, summary))
        await self._out.send(
            notices.notify_team(policy, brief, brief.team, late, "On-site visit missed", summary)
        )

    async def _report(self) -> None:
        if self._input is None:  # set with the dispatch, before any handler runs
            raise refused("the workflow has not started yet; retry")
        await notices.report(self._input.brief, FieldServiceReport(dispatch=self.dispatch))

    @workflow.query(name="dispatch")
    def get_dispatch(self) -> Dispatch:
        return self.dispatch

    @workflow.update(name="arrived")
    async def arrived(self, step: Arrived) -> Dispatch:
        self._dispatch = self.dispatch.model_copy(
            update={"state": "arrived", "technician": step.technician, "arrived_at": workflow.now()}
        )
        await self._report()
        return self.dispatch

    @arrived.validator
    def _validate_arrived(self, step: Arrived) -> None:
        if self._dispatch is None or self.dispatch.state not in ("booked", "late"):
            state = self._dispatch.state if self._dispatch else "not started"
            raise refused(f"the technician cannot arrive now: the visit is {state}")

    @workflow.update(name="completed")
    async def completed(self, step: Completed) -> Dispatch:
        self._dispatch = self.dispatch.model_copy(
            update={"state": "completed", "report": step.report, "completed_at": workflow.now()}
        )
        await self._report()
        return self.dispatch

    @completed.validator
    def _validate_completed(self, step: Completed) -> None:
        if self._dispatch is None or self.dispatch.state != "arrived":
            state = self._dispatch.state if self._dispatch else "not started"
            raise refused(f"only a visit whose technician arrived can complete; it is {state}")
