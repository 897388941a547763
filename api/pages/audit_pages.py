"""The auditor's pages of a case: its state as of an instant, a replay against the current
code, and the tamper-evident export. None of them changes anything, and none is a form
that posts: the as-of form is a GET.

As in the API (api/routers/audit.py): the state as of an instant follows the case's
visibility (a partner sees its own organisation's cases, another's is the not-found
page), while replay and export hand over the raw history, for auditors and admins only.
Every page reads the history from Temporal, or from the archive once Temporal let it go;
a case whose history neither holds is the not-found page.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.deps import ClientDep, EngineDep
from api.pages.case_page import visible_to
from api.pages.rendering import PAGE_HEADERS, case_error_page, message_page, page
from api.web_session import AuditViewer, Viewer, ViewerDep
from escalator import cases
from escalator.cases.history import visible_history
from escalator.export import build_export, dumps
from escalator.replay import AsOfError, ReplayFailed, replay_case, state_as_of
from models.audit.history import CaseHistory
from models.audit.timeline import build_timeline
from models.tables.core import CaseRow

router = APIRouter(prefix="/portal", include_in_schema=False)

# "+01:00", "-0700", "Z" or "UTC": an offset from UTC given beside a local date and time.
_OFFSET = re.compile(r"^(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2})$")


class InstantRefused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def parse_offset(raw: str) -> timezone:
    text = raw.strip()
    if text.upper() in ("Z", "UTC"):
        return UTC
    found = _OFFSET.match(text)
    if found is None or int(found["hours"]) > 23 or int(found["minutes"]) > 59:
        raise InstantRefused("offset", "must be an offset from UTC such as +01:00 or -07:00")
    delta = timedelta(hours=int(found["hours"]), minutes=int(found["minutes"]))
    return timezone(-delta if found["sign"] == "-" else delta)


def parse_instant(at: str, offset: str, zone: str) -> datetime:
    """The instant a person means by `at`: with its own offset if it has one, else read with
    `offset` when given, else in the viewer's time zone (`zone`)."""
    try:
        instant = datetime.fromisoformat(at.strip())
    except ValueError:
        raise InstantRefused(
            "at", "must be a date and time such as 2026-11-20T16:30 (seconds optional)"
        ) from None
    if instant.tzinfo is None:
        offset_given = parse_offset(offset) if offset.strip() else None
        instant = instant.replace(tzinfo=offset_given or ZoneInfo(zone))
    try:
        instant.astimezone(UTC)  # year 9999 at -07:00 is past what any clock holds
    except OverflowError:
        raise InstantRefused("at", "is beyond the instants a clock can hold") from None
    return instant


async def _history(
    request: Request, viewer: Viewer, client: Client, engine: Engine, case_id: str
) -> CaseHistory | Response:
    try:
        return await visible_history(client, engine, case_id, visible_to(viewer))
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)


def _heading(engine: Engine, case_id: str) -> str:
    """The case as people name it: its ticket number and subject from the read model."""
    with Session(engine) as session:
        row = session.get(CaseRow, case_id)
    if row is None:
        return case_id
    return f"{row.ticket_number or case_id} {row.subject}"


@router.get("/cases/{case_id}/as-of")
async def case_as_of(
    request: Request,
    case_id: str,
    viewer: ViewerDep,
    client: ClientDep,
    engine: EngineDep,
    at: str | None = None,
    offset: str | None = None,
) -> Response:
    """The form, and once an instant is given, the case as it stood then."""
    history = await _history(request, viewer, client, engine, case_id)
    if isinstance(history, Response):
        return history
    timeline = build_timeline(history)
    heading = await run_in_threadpool(_heading, engine, case_id)
    context: dict[str, Any] = {
        "viewer": viewer,
        "title": f"{heading}, as of an instant",
        "heading": heading,
        "case_id": case_id,
        "at": at or "",
        "offset": offset or "",
        "first": timeline[0].at if timeline else None,
        "last": timeline[-1].at if timeline else None,
        "errors": {},
    }
    if not at:
        return page(request, "case_as_of.html", **context)
    try:
        instant = parse_instant(at, offset or "", viewer.account.time_zone)
        case = await state_as_of(history, instant)
    except InstantRefused as refused:
        context["errors"] = {refused.field: refused.message}
        return page(request, "case_as_of.html", 422, **context)
    except AsOfError as error:
        context["errors"] = {"at": str(error).removeprefix("as_of: ")}
        return page(request, "case_as_of.html", 422, **context)
    except ReplayFailed as error:
        return message_page(
            request,
            409,
            "Cannot replay this case",
            f"The current code cannot replay the case's history: {error}",
            viewer=viewer,
        )
    return page(
        request,
        "case_as_of.html",
        **context,
        case=case,
        as_of=instant,
        happened=[entry for entry in timeline if entry.at <= instant],
    )


@router.get("/cases/{case_id}/replay")
async def case_replay(
    request: Request, case_id: str, viewer: AuditViewer, client: ClientDep, engine: EngineDep
) -> Response:
    """Replay every run of the case (and its children) against the current workflow code."""
    history = await _history(request, viewer, client, engine, case_id)
    if isinstance(history, Response):
        return history
    verdict = await replay_case(history)
    heading = await run_in_threadpool(_heading, engine, case_id)
    return page(
        request,
        "case_replay.html",
        viewer=viewer,
        title=f"Replay of {heading}",
        heading=heading,
        case_id=case_id,
        verdict=verdict,
    )


def export_filename(case_id: str) -> str:
    """A file name any browser keeps as is: the case id with anything unusual replaced."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", case_id) + "-export.json"


@router.get("/cases/{case_id}/export")
async def case_export(
    request: Request, case_id: str, viewer: AuditViewer, client: ClientDep, engine: EngineDep
) -> Response:
    """The export document (escalator/export.py), as a file to keep."""
    history = await _history(request, viewer, client, engine, case_id)
    if isinstance(history, Response):
        return history
    text = dumps(build_export(history))
    return Response(
        text,
        media_type="application/json",
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": f'attachment; filename="{export_filename(case_id)}"',
        },
    )
