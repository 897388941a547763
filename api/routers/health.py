"""`GET /healthz`: is the API able to reach Temporal and the database?"""

import asyncio
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, text
from temporalio.client import Client

from api.deps import get_client, get_engine
from api.problems import RETRY_AFTER

router = APIRouter()

Part = Literal["ok", "down"]


class Health(BaseModel):
    """Each part the API depends on: "ok" or "down" (a part added later answers the same)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Part]

    temporal: Part
    database: Part


async def _temporal_ok(client: Client) -> bool:
    try:
        return await client.service_client.check_health(timeout=timedelta(seconds=3))
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
        200: {"model": Health, "description": "Every part is ok"},
        503: {
            "model": Health,
            "description": "Temporal or the database is down; the body says which",
        },
    },
)
async def healthz(
    client: Client = Depends(get_client), engine: Engine = Depends(get_engine)
) -> JSONResponse:
    temporal, database = await asyncio.gather(
        _temporal_ok(client), asyncio.to_thread(_database_ok, engine)
    )
    body = {"temporal": "ok" if temporal else "down", "database": "ok" if database else "down"}
    status = 200 if temporal and database else 503
    # Like every 503 of the API: when to ask again (monitors and load balancers read it).
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    return JSONResponse(body, status_code=status, headers=headers)
