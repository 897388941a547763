"""Templates of the portal (api/templates), and the answers every page shares."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context

from api.pages.form_keys import new_form_key
from api.problems import RETRY_AFTER
from api.web_session import (
    CsrfRefused,
    PageForbidden,
    SignInNeeded,
    Viewer,
    sign_in_location,
    viewer_or_none,
)
from escalator.cases import CaseBusy, CaseError, CaseNotFound

HERE = Path(__file__).resolve().parent.parent


def viewer_zone(context: Context) -> ZoneInfo:
    viewer: Viewer | None = context.get("viewer")
    return ZoneInfo(viewer.account.time_zone) if viewer is not None else ZoneInfo("UTC")


@pass_context
def local(context: Context, instant: datetime | None, fmt: str = "%a %d %b %Y %H:%M %Z") -> str:
    """An instant in the viewer's time zone ("Mon 07 Dec 2026 11:00 CET")."""
    if instant is None:
        return ""
    return instant.astimezone(viewer_zone(context)).strftime(fmt)


def span(seconds: float) -> str:
    """A duration a person reads at a glance: "2 d 4 h", "3 h 05 min", "12 min"."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def countdown(instant: datetime | None, now: datetime | None = None) -> str:
    """ "in 3 h 05 min" or "12 min ago", from now (pages tick it on with portal.js)."""
    if instant is None:
        return ""
    seconds = (instant - (now or datetime.now(UTC))).total_seconds()
    return f"in {span(seconds)}" if seconds >= 0 else f"{span(seconds)} ago"


# Autoescaped: every value a page shows came from someone's input.
environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
environment.filters["local"] = local
environment.filters["countdown"] = countdown
environment.globals["new_form_key"] = new_form_key
templates = Jinja2Templates(env=environment)

# Pages hold personal data and one-time tokens: not cached, not framed, no referrer.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
}


def page(
    request: Request,
    template: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("viewer", None)
    context.setdefault("title", "Escalator")
    context.setdefault("now", datetime.now(UTC))
    response: HTMLResponse = templates.TemplateResponse(
        request, template, context, status_code=status, headers={**PAGE_HEADERS, **(headers or {})}
    )
    return response


def message_page(
    request: Request, status: int, title: str, message: str, **context: Any
) -> HTMLResponse:
    return page(request, "message.html", status, title=title, message=message, **context)


def not_found_page(request: Request, viewer: Viewer | None) -> HTMLResponse:
    """The one answer for a missing case and for another organisation's: nothing leaks."""
    return message_page(
        request,
        404,
        "Not found",
        "There is no such page or case, or it is not yours to see.",
        viewer=viewer,
    )


def case_error_page(request: Request, viewer: Viewer, error: CaseError) -> HTMLResponse:
    """A refusal of the case service that no form on the page can answer."""
    if isinstance(error, CaseNotFound):
        return not_found_page(request, viewer)
    if isinstance(error, CaseBusy):
        return message_page(
            request,
            503,
            "Try again in a moment",
            f"The case did not answer in time: {error.detail}",
            viewer=viewer,
            headers={"Retry-After": RETRY_AFTER},
        )
    return message_page(request, 409, "Not possible now", error.detail, viewer=viewer)


def see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


def install_pages(app: FastAPI) -> None:
    """Static files, and the answers of pages that are not pages of their own."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def sign_in_needed(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInNeeded)
        return see_other(sign_in_location(error.next_path))

    async def csrf_refused(request: Request, error: Exception) -> Response:
        return message_page(
            request,
            403,
            "Form refused",
            "This form was sent without its security token (or an old one). "
            "Go back, reload the page, and send it again.",
        )

    async def forbidden(request: Request, error: Exception) -> Response:
        assert isinstance(error, PageForbidden)
        viewer = await asyncio.to_thread(viewer_or_none, request)
        return message_page(request, 403, "Not for your role", error.reason, viewer=viewer)

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(PageForbidden, forbidden)
