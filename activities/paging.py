"""Paging through PagerDuty's Events API v2 (or anything that speaks it).

A page is a `trigger` event with its dedup key; the case's acknowledgement and
resolution send `acknowledge` and `resolve` for the same key. The routing
(integration) key is a secret from settings, named by the team's policy. What
the service refuses (4xx but 429) will not get better by retrying: it fails at
once, non-retryable, and the case records it; 429 and 5xx retry with backoff.
"""

from datetime import timedelta
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from escalator.infra.settings import Settings
from models.case.activity_inputs import PageRequest

# Events v2 accepts at most 1024 characters of summary and 255 of dedup key.
SUMMARY_LIMIT = 1024


def _name_only(target: str) -> str:
    """ "Ada Admin <ada@x> +1 555" -> "Ada Admin": custom details carry no addresses or phones."""
    return target.split("<", 1)[0].strip() or "someone"


def events_v2_body(request: PageRequest, routing_key: str, public_url: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": request.event_action,
        "dedup_key": request.dedup_key,
    }
    if request.event_action != "trigger":
        return body
    link = f"{public_url.rstrip('/')}/cases/{request.case_id}"
    details = {k: v for k, v in request.details.items() if k not in ("targets", "email", "phone")}
    payload: dict[str, Any] = {
        "summary": request.summary[:SUMMARY_LIMIT] or f"case {request.case_id}",
        "source": f"escalator/{request.case_id}",
        "severity": request.severity,
        "component": "case",
        "custom_details": {
            "case_id": request.case_id,
            "ticket_number": request.ticket_number,
            "paged": [_name_only(target) for target in request.targets],
        }
        | details,
    }
    if request.at is not None:
        payload["timestamp"] = request.at.isoformat()
    if request.team:
        payload["group"] = request.team
    if request.reason:
        payload["class"] = request.reason
    body["payload"] = payload
    body["links"] = [{"href": link, "text": f"Case {request.ticket_number or request.case_id}"}]
    body["client"] = "Escalator"
    body["client_url"] = link
    return body


def routing_key(settings: Settings, name: str | None) -> str:
    secret = settings.paging_routing_keys.get(name) if name else settings.paging_routing_key
    if secret is None:
        which = f"routing key {name!r}" if name else "default routing key"
        raise ApplicationError(
            f"no {which} is configured (ESCALATOR_PAGING_ROUTING_KEYS / _KEY)",
            type="PagingNotConfigured",
            non_retryable=True,
        )
    return secret.get_secret_value()


def _refusal(response: httpx.Response) -> str:
    try:
        answer = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(answer, dict):
        return str(answer)[:300]
    errors = answer.get("errors")
    said = str(answer.get("message") or "")
    return f"{said}: {'; '.join(map(str, errors))}" if errors else said


class PagingActivities:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @activity.defn(name="send_page")
    async def send_page(self, request: PageRequest) -> str:
        """Returns "sent", or "disabled" when no paging URL is configured."""
        if not self.settings.paging_url:
            activity.logger.warning(
                "paging disabled, not sent: %s %s", request.event_action, request.dedup_key
            )
            return "disabled"
        body = events_v2_body(
            request, routing_key(self.settings, request.routing_key_name), self.settings.public_url
        )
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.post(self.settings.paging_url, json=body)
        status = response.status_code
        if 200 <= status < 300:
            return "sent"
        said = f"paging service answered {status}: {_refusal(response)}".rstrip(": ")
        if status == 429:
            wait = response.headers.get("Retry-After", "")
            delay = float(wait) if wait.replace(".", "", 1).isdigit() else None
            raise ApplicationError(
                said,
                type="PagingRateLimited",
                next_retry_delay=timedelta(seconds=delay) if delay is not None else None,
            )
        raise ApplicationError(
            said,
            type="PageRefused" if status < 500 else "PagingUnavailable",
            non_retryable=400 <= status < 500,
        )
