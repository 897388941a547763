"""Paging through an HTTP webhook in the PagerDuty Events v2 shape."""

import httpx
from temporalio import activity

from escalator.settings import Settings
from models.activity_inputs import PageRequest


def events_v2_body(request: PageRequest) -> dict[str, object]:
    return {
        "routing_key": request.routing_key,
        "event_action": "trigger",
        # The receiver folds repeats of one key into one incident, so retries never page twice.
        "dedup_key": request.dedup_key,
        "payload": {
            "summary": request.summary,
            "source": f"escalator/{request.case_id}",
            "severity": request.severity,
            "custom_details": {"case_id": request.case_id, "targets": request.targets}
            | request.details,
        },
    }


class PagingActivities:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @activity.defn(name="send_page")
    async def send_page(self, request: PageRequest) -> str:
        """Returns "sent", or "disabled" when no paging URL is configured."""
        if not self.settings.paging_url:
            activity.logger.warning("paging disabled, not sent: %s", request.summary)
            return "disabled"
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.post(self.settings.paging_url, json=events_v2_body(request))
            # 4xx other than rate limiting will not get better by retrying, but Temporal's
            # retry policy decides; raising keeps the failure visible in the history.
            response.raise_for_status()
        return "sent"
