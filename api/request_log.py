"""One log line per HTTP request: method, route template, status, duration, and who and
which case; every line written while it is handled carries its `request_id` too.

The request id is the caller's `X-Request-ID` when it is a short token, else a new one; it
is sent back in the answer's `X-Request-ID`, so a caller can quote it. The same middleware
counts the request for /metrics (api/request_metrics.py). A pure ASGI middleware: it sees
the status as the answer starts, and adds no task.
"""

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.request_metrics import answer_started, answered, route_of
from escalator.infra.logs import log_context

log = logging.getLogger("escalator.api.requests")
# What a proxy's id may look like: printable, no spaces, short (it goes into every line).
_GIVEN_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            given = bytes(value).decode("latin-1")
            if _GIVEN_ID.fullmatch(given):
                return given
    return uuid.uuid4().hex


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        request_id = _request_id(scope)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_started(scope, began)
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        with log_context(request_id=request_id) as fields:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                answered(scope, status)
                path_params: dict[str, Any] = scope.get("path_params") or {}
                if "case_id" in path_params and "case_id" not in fields:
                    fields["case_id"] = path_params["case_id"]
                log.info(
                    "%s %s %s",
                    scope["method"],
                    route_of(scope),
                    status,
                    extra={
                        "method": scope["method"],
                        "route": route_of(scope),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - began) * 1000, 1),
                    },
                )
