"""Logs of every process (API, worker, SMTP listener): one JSON object per line, or a
readable line with ESCALATOR_LOG_FORMAT=text.

Code logs through the standard `logging` module; structlog only formats. Each line carries
what is known where it was written: `request_id`, `actor` and `case_id` inside an HTTP
request or an inbound message (`log_context`, `bind`), `workflow_id` and `case_id` inside an
activity, a workflow's own logger, or the Temporal SDK's core.
"""

import logging
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

import structlog
from temporalio import activity, workflow
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

# The fields of the request or message being handled. A dict shared, not copied, by the
# tasks and threads the handling spreads to, so a field bound late (the actor, once the key
# is checked; the case id, once the case is opened) reaches the lines written after it.
_context: ContextVar[dict[str, Any] | None] = ContextVar("escalator_log_context", default=None)


@contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Every line written inside the block carries `fields` and whatever `bind` adds."""
    parent = _context.get() or {}
    fields = {**parent, **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(fields)
    try:
        yield fields
    finally:
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current block's lines (nothing outside a block)."""
    current = _context.get()
    if current is not None:
        current.update({k: v for k, v in fields.items() if v is not None})


def case_of(workflow_id: str) -> str | None:
    """The case a workflow belongs to: a case's own id, or a child's (`case-.../archive`)."""
    return workflow_id.split("/", 1)[0] if workflow_id.startswith("case-") else None


def core_logging() -> LoggingConfig:
    """The Temporal SDK core's warnings, through `logging` (so in this format), not printed."""
    return LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
    )


def _add_context(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    event.pop("temporal_log", None)  # the core's record object; its text is the message
    event.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
    for key, value in (_context.get() or {}).items():
        event.setdefault(key, value)
    record = event.get("_record")
    # temporalio's workflow and activity loggers put their context on the record.
    for extra in ("temporal_workflow", "temporal_activity"):
        details = getattr(record, extra, None)
        if isinstance(details, dict) and "workflow_id" in details:
            event.setdefault("workflow_id", details["workflow_id"])
    if "workflow_id" not in event and activity.in_activity():
        event["workflow_id"] = activity.info().workflow_id
    if "workflow_id" in event and "case_id" not in event:
        case_id = case_of(str(event["workflow_id"]))
        if case_id is not None:
            event["case_id"] = case_id
    return event


def formatter(process: str, fmt: Literal["json", "text"] = "json") -> logging.Formatter:
    """Records of any logger as one JSON object (or readable line) each, with the context."""

    def _add_process(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
        event.setdefault("process", process)
        return event

    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ExtraAdder(),
            _add_process,
            _add_context,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def configure_logging(
    process: str, fmt: Literal["json", "text"] = "json", level: str = "INFO"
) -> None:
    """Route every logger of the process (ours, uvicorn's, temporalio's, aiosmtpd's) to one
    handler on stderr in `fmt`; `process` names the process on every line."""
    # Clients and workers created from now on log through it (worker.py adds metrics).
    runtime = Runtime(telemetry=TelemetryConfig(logging=core_logging()))
    Runtime.set_default(runtime, error_if_already_set=False)
    # Their context is a field of the line (`temporal_activity`, `workflow_id`), not text.
    activity.logger.activity_info_on_message = False
    workflow.logger.workflow_info_on_message = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(process, fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    logging.captureWarnings(True)  # a library's warning is a line like the others
    root.setLevel(level)
    # aiosmtpd logs every command and reply of every conversation at INFO: the listener
    # writes one line per message instead (escalator/smtp_listener.py).
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    # Alembic says which SQL dialect it found each time /readyz compares the schema's head.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    # uvicorn's access lines are replaced by the API's own (api/request_log.py).
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
