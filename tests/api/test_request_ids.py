"""Every answer names its request: the caller's `X-Request-ID` when it is a short token
(a proxy's), else a new one, the same the request's log lines carry."""

import io
import json
import logging

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from escalator.infra.logs import formatter
from escalator.infra.settings import Settings


async def test_an_answer_carries_the_given_or_a_new_request_id(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="escalator.api.requests"):
        given = await api.get("/livez", headers={"X-Request-ID": "proxy-42.a"})
        fresh = await api.get("/livez")
        odd = await api.get("/livez", headers={"X-Request-ID": "two words"})
    assert given.headers["X-Request-ID"] == "proxy-42.a"
    assert len(fresh.headers["X-Request-ID"]) == 32
    assert odd.headers["X-Request-ID"] not in ("two words", fresh.headers["X-Request-ID"])
    lines = [r for r in caplog.records if r.name == "escalator.api.requests"]
    assert [(r.getMessage(), getattr(r, "status", None)) for r in lines] == [
        ("GET /livez 200", 200)
    ] * 3


async def test_an_unhandled_error_keeps_its_request_id_status_and_context(
    temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    app = create_app(settings, engine=engine, client=temporal_env.client)

    async def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("api"))
    logger = logging.getLogger("escalator.api")  # and its child, the request log
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answer = await client.get("/boom", headers={"X-Request-ID": "req-500"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    assert answer.status_code == 500 and answer.headers["X-Request-ID"] == "req-500"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert {line["request_id"] for line in lines} == {"req-500"}
    assert [line.get("status") for line in lines if line["logger"].endswith("requests")] == [500]
    assert any("exception" in line for line in lines)
