"""`GET /metrics`: requests by route template and status, and their latency."""

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import TokenFactory


async def scrape(api: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await api.get("/metrics")
    assert answer.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def requests(
    route: str, status: str, method: str = "GET"
) -> tuple[str, tuple[tuple[str, str], ...]]:
    labels = {"method": method, "route": route, "status": status}
    return "escalator_http_requests_total", tuple(sorted(labels.items()))


async def test_requests_are_counted_by_route_template_and_status(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    before = await scrape(api)
    engineer = tokens("engineer")
    for case_id in ("case-nope-1", "case-nope-2"):
        assert (await api.get(f"/cases/{case_id}", headers=engineer)).status_code == 404
    assert (await api.get("/cases", headers=engineer)).status_code == 200
    assert (await api.get("/nowhere")).status_code == 404
    after = await scrape(api)

    def went_up(key: tuple[str, tuple[tuple[str, str], ...]]) -> float:
        return after.get(key, 0) - before.get(key, 0)

    # Two cases, one label: the template, never the concrete path.
    assert went_up(requests("/cases/{case_id}", "404")) == 2
    assert went_up(requests("/cases", "200")) == 1
    assert went_up(requests("unmatched", "404")) == 1
    latency = (
        "escalator_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/cases/{case_id}")),
    )
    assert went_up(latency) == 2
    assert not any("case-nope" in str(labels) for _, labels in after)
