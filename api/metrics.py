"""The API's own Prometheus metrics (served by api/routers/metrics.py at /metrics)."""

from prometheus_client import Counter

# A case whose workflow fails on the current code (usually: its history no longer replays).
# Nothing retries it into health: an operator must deploy a fix or reset the case.
CASES_STUCK = Counter(
    "escalator_cases_stuck_total",
    "Reads or steps refused because the case's workflow does not run on the current code",
)
