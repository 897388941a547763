"""Probes. `/healthz`: can the API reach Temporal and the database, and does a worker poll?
`/livez`: the process answers (restart it when not). `/readyz`: it can do its work, so
send it traffic: the namespace answers, the database is at the newest migration, and a
worker polls the task queue (with none, cases cannot move)."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError

from api.deps import ClientDep, EngineDep, SettingsDep
from api.openapi import ANSWERS_WHILE_DOWN
from api.problems import RETRY_AFTER
from escalator.infra.db import schema_is_current
from escalator.infra.settings import Settings
from escalator.infra.temporal_errors import unsupported

router = APIRouter()

# An idle worker long-polls for about a minute at a time; one not seen for longer is gone.
POLLER_SEEN_WITHIN = timedelta(minutes=2)

Part = Literal["ok", "down", "unknown"]


class Health(BaseModel):
    """Each part the API depends on: "ok", "down", or "unknown" (the worker, on a Temporal
    server that cannot say who polls); a part added later answers the same."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Part]

    temporal: Part
    worker: Part
    database: Part


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
        return None if unsupported(error) else False
    except Exception:
        return False
    now = datetime.now(UTC)
    return any(
        now - poller.last_access_time.ToDatetime(tzinfo=UTC) <= POLLER_SEEN_WITHIN
        for poller in answer.pollers
    )


async def _namespace_ok(client: Client) -> bool:
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=client.namespace), timeout=timedelta(seconds=3)
        )
        return True
    except Exception:
        return False


def _schema_ok(engine: Engine) -> bool:
    try:
        return schema_is_current(engine)
    except Exception:
        return False


def _database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@router.get(
    "/healthz",
    operation_id="check_health",
    responses={
        200: {"model": Health, "description": "No part is down"},
        503: {
            "model": Health,
            "description": "Temporal, the database or every worker is down; the body says which",
        },
    },
)
async def healthz(
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> JSONResponse:
    temporal, database = await asyncio.gather(
        _temporal_ok(client), asyncio.to_thread(_database_ok, engine)
    )
    worker = await _worker_ok(client, settings) if temporal else False
    return _answer({"temporal": temporal, "worker": worker, "database": database})


class Live(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    """Each condition of readiness: "ok", "down", or "unknown" (as in `Health`)."""

    namespace: Part
    schema_: Part = Field(alias="schema")
    worker: Part


@router.get(
    "/livez",
    operation_id="check_live",
    openapi_extra=ANSWERS_WHILE_DOWN,
    responses={200: {"model": Live, "description": "The process answers"}},
)
async def livez() -> dict[str, str]:
    # Nothing else: a neighbour that is down must not get this process restarted.
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="check_ready",
    responses={
        200: {"model": Ready, "description": "Ready to work cases"},
        503: {
            "model": Ready,
            "description": "The namespace, the migrated database or every worker is missing",
        },
    },
)
async def readyz(
    client: ClientDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> JSONResponse:
    namespace, schema = await asyncio.gather(
        _namespace_ok(client), asyncio.to_thread(_schema_ok, engine)
    )
    worker = await _worker_ok(client, settings) if namespace else False
    return _answer({"namespace": namespace, "schema": schema, "worker": worker})


def _answer(parts: dict[str, bool | None]) -> JSONResponse:
    body = {name: "unknown" if up is None else "ok" if up else "down" for name, up in parts.items()}
    status = 200 if all(up is not False for up in parts.values()) else 503
    # Like every 503 of the API: when to ask again (monitors and load balancers read it).
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)
