"""The bare Temporal baseline for the benches: a workflow with the shape of a case's intake
(five activities, an update that answers after the third), then a case's wait (a timer of
thirty days or the close) and engineer steps as plain Updates, doing nothing else."""

from datetime import timedelta

from temporalio import activity, workflow

INTAKE_ACTIVITIES = 5
RECORDED_AFTER = 3
OPEN_FOR = timedelta(days=30)


@activity.defn(name="bare_step")
async def bare_step(number: int) -> int:
    return number


@workflow.defn
class BareCaseWorkflow:
    def __init__(self) -> None:
        self.recorded = False
        self.closed = False
        self.notes: list[str] = []

    @workflow.run
    async def run(self, case_id: str) -> str:
        for number in range(INTAKE_ACTIVITIES):
            await workflow.execute_activity(
                bare_step, number, start_to_close_timeout=timedelta(seconds=30)
            )
            if number + 1 == RECORDED_AFTER:
                self.recorded = True
        # Like a case, it then waits on a timer for what comes next.
        try:
            await workflow.wait_condition(lambda: self.closed, timeout=OPEN_FOR)
        except TimeoutError:
            pass
        return case_id

    @workflow.update(name="intake_recorded")
    async def intake_recorded(self) -> str:
        await workflow.wait_condition(lambda: self.recorded)
        return "recorded"

    @workflow.update(name="step")
    def step(self, note: str) -> int:
        self.notes.append(note)
        return len(self.notes)

    @workflow.signal(name="close")
    def close(self) -> None:
        self.closed = True
