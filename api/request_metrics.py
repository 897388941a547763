"""Requests by route and status, and their latency, for /metrics (Prometheus).

Routes are their templates (`/cases/{case_id}`), never the concrete path, so a label's
values stay few however many cases there are; a path no route matches is "unmatched".
A pure ASGI middleware: it sees the status as the answer starts and adds no task.
"""

import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "escalator_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "escalator_http_request_duration_seconds",
    "Time to the start of the answer, by method and route template",
    ["method", "route"],
    # Reads take milliseconds; steps wait on a workflow up to the 10 s bound.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)


def route_of(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the server answers if the app fails before it starts an answer

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                LATENCY.labels(scope["method"], route_of(scope)).observe(
                    time.perf_counter() - began
                )
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            REQUESTS.labels(scope["method"], route_of(scope), str(status)).inc()
