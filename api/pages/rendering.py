"""Templates of the portal (api/templates), and the answers every page shares."""

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from api.web_session import CsrfRefused, SignInNeeded, sign_in_location

HERE = Path(__file__).resolve().parent.parent
# Autoescaped: every value a page shows came from someone's input.
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
)

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
    response: HTMLResponse = templates.TemplateResponse(
        request, template, context, status_code=status, headers={**PAGE_HEADERS, **(headers or {})}
    )
    return response


def message_page(
    request: Request, status: int, title: str, message: str, **context: Any
) -> HTMLResponse:
    return page(request, "message.html", status, title=title, message=message, **context)


def see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


def install_pages(app: FastAPI) -> None:
    """Static files, and the two answers of pages that are not pages of their own."""
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

    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(CsrfRefused, csrf_refused)
