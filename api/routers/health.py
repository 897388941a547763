"""`GET /healthz`: is the API able to reach Temporal and the database?"""

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from temporalio.client import Client

from api.deps import get_client, get_engine

router = APIRouter()


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
    responses={503: {"description": "Temporal or the database is down; the body says which"}},
)
async def healthz(
    client: Client = Depends(get_client), engine: Engine = Depends(get_engine)
) -> JSONResponse:
    temporal, database = await asyncio.gather(
        _temporal_ok(client), asyncio.to_thread(_database_ok, engine)
    )
    body = {"temporal": "ok" if temporal else "down", "database": "ok" if database else "down"}
    return JSONResponse(body, status_code=200 if temporal and database else 503)
