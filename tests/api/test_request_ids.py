"""Every answer names its request: the caller's `X-Request-ID` when it is a short token
(a proxy's), else a new one, the same the request's log lines carry."""

import logging

import httpx
import pytest


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
