"""ArchiveCaseWorkflow: started by a case workflow as it ends, it archives the case's history.

It outlives its parent (ParentClosePolicy.ABANDON) and retries its activity until
the case workflow has closed, then the whole record is stored in the database.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.archive import ArchiveActivities
    from models.audit.history import ArchiveRequest, ArchiveResult

# Patient: the case closes within a moment of starting this, the database may be down longer.
_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["HistoryGone"],
)


def archive_workflow_id(case_id: str) -> str:
    return f"{case_id}/archive"


@workflow.defn
class ArchiveCaseWorkflow:
    @workflow.run
    async def run(self, request: ArchiveRequest) -> ArchiveResult:
        return await workflow.execute_activity_method(
            ArchiveActivities.archive_case_history,
            request,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=_RETRY,
        )
