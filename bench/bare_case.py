"""The bare Temporal baseline for bench/case_throughput.py: a workflow with the same shape as a
case's intake (five activities, an update that answers after the third), doing nothing else."""

from datetime import timedelta

from temporalio import activity, workflow

INTAKE_ACTIVITIES = 5
RECORDED_AFTER = 3


@activity.defn(name="bare_step")
async def bare_step(number: int) -> int:
    return number


@workflow.defn
class BareCaseWorkflow:
    def __init__(self) -> None:
        self.recorded = False
        self.closed = False

    @workflow.run
    async def run(self, case_id: str) -> str:
        for number in range(INTAKE_ACTIVITIES):
            await workflow.execute_activity(
                bare_step, number, start_to_close_timeout=timedelta(seconds=30)
            )
            if number + 1 == RECORDED_AFTER:
                self.recorded = True
        # Like a case, it then waits for what comes next.
        await workflow.wait_condition(lambda: self.closed)
        return case_id

    @workflow.update(name="intake_recorded")
    async def intake_recorded(self) -> str:
        await workflow.wait_condition(lambda: self.recorded)
        return "recorded"
