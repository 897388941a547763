"""`GET /healthz`: can the API reach Temporal and the database, and does a worker poll?"""

import asyncio
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.deps import get_app_settings, get_client, get_engine
from escalator.settings import Settings

router = APIRouter()

# An idle worker long-polls for about a minute at a time; one not seen for longer is gone.
POLLER_SEEN_WITHIN = timedelta(minutes=2)


async def _temporal_ok(client: Client) -> bool:
    try:
        return await client.service_client.check_health(timeout=timedelta(seconds=3))
    except Exception:
        return False


async def _worker_ok(client: Client, settings: Settings) -> bool | None:
    """Some worker polled the case task queue lately (else every read and step waits); None
    when the server cannot tell (Temporal's time-skipping test server)."""
    try:
        answer = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=settings.task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            ),
            timeout=timedelta(seconds=3),
        )
    except RPCError as error:
        return None if error.status == RPCStatusCode.UNIMPLEMENTED else False
    except Exception:
        return False
    now = datetime.now(UTC)
    return any(
        now - poller.last_access_time.ToDatetime(tzinfo=UTC) <= POLLER_SEEN_WITHIN
        for poller in answer.pollers
    )


def _database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@router.get(
    "/healthz",
    responses={
        503: {"description": "Temporal, the database or every worker is down; the body says which"}
    },
)
async def healthz(
    client: Client = Depends(get_client),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_app_settings),
) -> JSONResponse:
    temporal, database = await asyncio.gather(
        _temporal_ok(client), asyncio.to_thread(_database_ok, engine)
    )
    worker = await _worker_ok(client, settings) if temporal else False
    parts = {"temporal": temporal, "worker": worker, "database": database}
    body = {name: "unknown" if up is None else "ok" if up else "down" for name, up in parts.items()}
    healthy = all(up is not False for up in parts.values())
    return JSONResponse(body, status_code=200 if healthy else 503)
