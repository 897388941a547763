"""Real servers on 127.0.0.1 that record what the system sends: SMTP and a paging webhook."""

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr

from escalator.infra.settings import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """Messages an SMTP server accepted, parsed; recipients in `refuse` get a 550."""

    messages: list[Message] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.messages]


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[int, Mailbox]]:
    """A relay on `port` (a free one by default); start it later on the same port to have a
    relay come back after an outage."""
    mailbox = Mailbox()
    port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


@dataclass
class PageLog:
    # Events the receiver accepted (202), in arrival order.
    events: list[dict[str, Any]] = field(default_factory=list)
    # Every request: (status answered, body as sent).
    requests: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Statuses to answer next, one per request (then 202 for valid events): e.g. [500, 500].
    answers: list[int] = field(default_factory=list)
    # While set, every request gets this status (an outage of the paging service).
    down: int | None = None

    def accepted(self, action: str = "trigger") -> list[dict[str, Any]]:
        return [event for event in self.events if event["event_action"] == action]


SEVERITIES = {"critical", "error", "warning", "info"}
ACTIONS = {"trigger", "acknowledge", "resolve"}
TOP_LEVEL = {"routing_key", "event_action", "dedup_key", "payload", "links", "images"}
TOP_LEVEL |= {"client", "client_url"}


def events_v2_errors(event: Any) -> list[str]:
    """What PagerDuty's Events API v2 would refuse in `event` (its 400 `errors`)."""
    if not isinstance(event, dict):
        return ["Event object is invalid"]
    errors = [f"'{key}' is not a known field" for key in event if key not in TOP_LEVEL]
    key = event.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        errors.append("'routing_key' must be a 32-character integration key")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append("'event_action' must be trigger, acknowledge or resolve")
    dedup = event.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or not 0 < len(dedup) <= 255):
        errors.append("'dedup_key' must be 1 to 255 characters")
    if action in ("acknowledge", "resolve") and dedup is None:
        errors.append(f"'dedup_key' is required to {action}")
    if action == "trigger":
        errors += _payload_errors(event.get("payload"))
        for link in event.get("links") or []:
            if not isinstance(link, dict) or not isinstance(link.get("href"), str):
                errors.append("'links' entries need an 'href'")
    return errors


def _payload_errors(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is required to trigger"]
    errors = []
    summary = payload.get("summary")
    if not isinstance(summary, str) or not 0 < len(summary) <= 1024:
        errors.append("'payload.summary' must be 1 to 1024 characters")
    if not isinstance(payload.get("source"), str) or not payload["source"]:
        errors.append("'payload.source' is required")
    if payload.get("severity") not in SEVERITIES:
        errors.append("'payload.severity' must be critical, error, warning or info")
    if "timestamp" in payload:
        try:
            datetime.fromisoformat(str(payload["timestamp"]))
        except ValueError:
            errors.append("'payload.timestamp' must be ISO 8601")
    details = payload.get("custom_details")
    if details is not None and not isinstance(details, dict):
        errors.append("'payload.custom_details' must be an object")
    return errors


@contextmanager
def paging_receiver() -> Iterator[tuple[str, PageLog]]:
    """An Events v2 endpoint that answers like PagerDuty: 202 for a valid event (recorded),
    400 with `errors` for an invalid one, or the next status of `log.answers` (429, 500 ...)."""
    log = PageLog()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            try:
                event = json.loads(self.rfile.read(length))
            except ValueError:
                event = None
            with lock:
                status = log.answers.pop(0) if log.answers else log.down
                errors = events_v2_errors(event)
                if status is None:
                    status = 400 if errors else 202
                if status == 202:
                    log.events.append(event)
                log.requests.append((status, event if isinstance(event, dict) else {}))
            if status == 202:
                answer: dict[str, Any] = {"status": "success", "message": "Event processed"}
                answer["dedup_key"] = event.get("dedup_key") if isinstance(event, dict) else None
            elif status == 400:
                answer = {"status": "invalid event", "message": "Event object is invalid"}
                answer["errors"] = errors or ["refused"]
            elif status == 429:
                answer = {"status": "throttle exceeded", "message": "Requests for this service"}
            else:
                answer = {"status": "error", "message": "internal error"}
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v2/enqueue", log
    finally:
        server.shutdown()
        server.server_close()


# An integration key of the shape PagerDuty issues (32 characters), for test settings.
ROUTING_KEY = "0123456789abcdef0123456789abcdef"


def receiver_settings(
    database_url: str, queue_prefix: str, smtp_port: int, paging_url: str, **more: Any
) -> Settings:
    """Settings for a worker whose e-mail and pages reach `smtp_server` and `paging_receiver`,
    on a task queue of its own."""
    return Settings(
        database_url=database_url,
        task_queue=f"{queue_prefix}-{uuid.uuid4().hex[:8]}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        paging_url=paging_url,
        paging_routing_key=SecretStr(ROUTING_KEY),
        **more,
    )
