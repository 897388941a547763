"""Log lines: one JSON object each, carrying the context of the request or message being
handled, including fields bound after the block began and from a thread it handed work to."""

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any, Literal

import pytest

from escalator.infra.logs import bind, case_of, formatter, log_context


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    yield from _logger("json")


def _logger(fmt: Literal["json", "text"]) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("api", fmt))
    logger = logging.getLogger(f"tests.logs.{fmt}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.handlers[:] = []


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_lines_carry_the_blocks_fields_bound_late_and_in_threads(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.info("before")
    with log_context(request_id="r-1"):
        # As FastAPI runs a plain dependency: in a thread, with a copy of the context.
        await asyncio.to_thread(bind, actor="engineer:ada")
        logger.info("opened %s", "a case", extra={"status": 201})
        bind(case_id="case-1", ignored=None)
        logger.warning("late")
    logger.info("after")
    first, opened, late, after = lines(stream)
    assert "request_id" not in first and "request_id" not in after
    assert opened["event"] == "opened a case" and opened["status"] == 201
    assert (opened["request_id"], opened["actor"], opened["process"]) == (
        "r-1",
        "engineer:ada",
        "api",
    )
    assert opened["level"] == "info" and opened["logger"] == "tests.logs.json"
    assert opened["timestamp"].endswith("Z")
    assert (late["case_id"], late["level"]) == ("case-1", "warning") and "ignored" not in late


def test_a_workflow_id_names_its_case_and_an_exception_is_one_line(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    activity = {"workflow_id": "case-9/archive", "activity_type": "archive"}
    logger.info("archived", extra={"temporal_activity": activity})
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        logger.exception("failed")
    archived, failed = lines(stream)
    assert (archived["workflow_id"], archived["case_id"]) == ("case-9/archive", "case-9")
    assert "ValueError: bad" in failed["exception"]
    assert case_of("field-1") is None


def test_text_keeps_a_readable_line() -> None:
    for logger, stream in _logger("text"):
        with log_context(request_id="r-2"):
            logger.info("GET /cases 200")
        line = stream.getvalue()
        assert "GET /cases 200" in line and "request_id=r-2" in line
        assert not line.startswith("{")
