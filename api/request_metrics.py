"""Requests by route and status, and their latency, for /metrics (Prometheus).

Routes are their templates (`/cases/{case_id}`), never the concrete path, so a label's
values stay few however many cases there are; a path no route matches is "unmatched".
api/request_log.py, the one middleware that watches each request, records them.
"""

import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import Scope

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


def answer_started(scope: Scope, began: float) -> None:
    """The answer starts: its latency (the time to its first byte)."""
    LATENCY.labels(scope["method"], route_of(scope)).observe(time.perf_counter() - began)


def answered(scope: Scope, status: int) -> None:
    REQUESTS.labels(scope["method"], route_of(scope), str(status)).inc()
