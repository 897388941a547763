"""Who is looking at a page: the session cookie, the viewer it names, and CSRF checks.

The portal's cookie holds a random token whose hash names a row of `web_sessions`
(escalator/accounts/sessions.py): HttpOnly, SameSite=Lax, Secure when the public URL is
HTTPS. Every form carries a CSRF token: the session's own once signed in; before that
(sign-in, forgotten password, a link's page) one also set as a cookie (double submit).
"""

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from api.auth import Identity, Role, clients_of
from api.deps import get_app_settings, get_engine
from escalator.accounts import session_for_token
from models.tables.accounts import AccountRow

SESSION_COOKIE = "escalator_session"
FORM_COOKIE = "escalator_form"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Viewer:
    """A signed-in person: their account, the identity the case service checks, the CSRF
    token their forms carry."""

    account: AccountRow
    identity: Identity
    csrf_token: str


class SignInNeeded(Exception):
    """No live session: pages answer with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form came without the token of its session (or of its page)."""


class PageForbidden(Exception):
    """The viewer's role may not use this page or send this form (answered with a 403 page)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def identity_of(session: Session, account: AccountRow) -> Identity:
    """The identity the case service checks: a partner's with the clients it acts for."""
    assert account.id is not None
    role: Role = account.role  # type: ignore[assignment]  # the table's check holds it to Role
    return Identity(
        key_id=None,
        name=account.handle,
        role=role,
        org=account.org,
        account_id=account.id,
        clients=clients_of(session, account.org),
    )


def viewer_or_none(request: Request) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with Session(get_engine(request)) as session:
        found = session_for_token(session, token)
        if found is None:
            return None
        row, account = found
        return Viewer(account, identity_of(session, account), row.csrf_token)


def current_viewer(request: Request) -> Viewer:
    """The signed-in viewer; signed out, SignInNeeded (a redirect back here after sign-in)."""
    viewer = viewer_or_none(request)
    if viewer is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(target)
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def viewer_with_role(*roles: Role, action: str) -> Callable[..., Awaitable[Viewer]]:
    """A dependency admitting signed-in viewers of `roles` (and admins), as the API's
    `require_roles` admits keys: anyone else gets a 403 page saying what is needed."""
    allowed = {*roles, "admin"}

    async def dependency(viewer: ViewerDep) -> Viewer:
        if viewer.identity.role in allowed:
            return viewer
        if viewer.identity.role == "auditor":
            raise PageForbidden("Auditors read everything and change nothing.")
        raise PageForbidden(f"{action} needs the {' or '.join(roles)} role.")

    return dependency


# The page roles, as parameter types: `viewer: WorkerViewer`.
OpenerViewer = Annotated[
    Viewer, Depends(viewer_with_role("partner", "engineer", action="Opening cases"))
]
ChangerViewer = Annotated[
    Viewer, Depends(viewer_with_role("partner", "engineer", action="Changing cases"))
]
WorkerViewer = Annotated[Viewer, Depends(viewer_with_role("engineer", action="This step"))]
ManagerViewer = Annotated[Viewer, Depends(viewer_with_role("manager", action="Managing policies"))]
ReportViewer = Annotated[
    Viewer, Depends(viewer_with_role("manager", "auditor", action="Reading SLA reports"))
]
AuditViewer = Annotated[
    Viewer, Depends(viewer_with_role("auditor", action="Reading event histories"))
]


async def checked_form(request: Request, viewer: ViewerDep) -> dict[str, str]:
    """The posted form of a signed-in viewer, once its CSRF token is the session's."""
    form = await _form(request)
    if not secrets.compare_digest(form.get(CSRF_FIELD, ""), viewer.csrf_token):
        raise CsrfRefused()
    return form


async def checked_anonymous_form(request: Request) -> dict[str, str]:
    """A form posted before sign-in, once its token matches the page's cookie."""
    form = await _form(request)
    cookie = request.cookies.get(FORM_COOKIE, "")
    if not cookie or not secrets.compare_digest(form.get(CSRF_FIELD, ""), cookie):
        raise CsrfRefused()
    return form


async def _form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {key: value for key, value in data.items() if isinstance(value, str)}


@dataclass(frozen=True)
class PostedFiles:
    """A multipart form whose CSRF token matched: its text fields and, by field name, the
    files chosen (a file input left empty sends a part without a name, which is dropped)."""

    fields: dict[str, str]
    files: dict[str, list[UploadFile]]


async def checked_multipart(request: Request, viewer: ViewerDep) -> PostedFiles:
    """A signed-in viewer's form with files, after the same CSRF check as `checked_form`."""
    fields: dict[str, str] = {}
    files: dict[str, list[UploadFile]] = {}
    for key, value in (await request.form()).multi_items():
        if isinstance(value, str):
            fields[key] = value
        elif value.filename:
            files.setdefault(key, []).append(value)
    if not secrets.compare_digest(fields.get(CSRF_FIELD, ""), viewer.csrf_token):
        raise CsrfRefused()
    return PostedFiles(fields, files)


SignedInForm = Annotated[dict[str, str], Depends(checked_form)]
SignedInMultipart = Annotated[PostedFiles, Depends(checked_multipart)]
AnonymousForm = Annotated[dict[str, str], Depends(checked_anonymous_form)]


def form_token(request: Request) -> str:
    """The double-submit token of a page shown before sign-in (reused while its cookie lives)."""
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)


def secure_cookies(request: Request) -> bool:
    return get_app_settings(request).public_url.startswith("https://")


def set_form_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        FORM_COOKIE, token, httponly=True, samesite="lax", secure=secure_cookies(request)
    )


def set_session_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


def sign_in_location(next_path: str) -> str:
    return "/sign-in?next=" + quote(next_path, safe="/")


def safe_next(next_path: str | None) -> str:
    """Where to go after sign-in: a path of this site only (never `//elsewhere` or a URL)."""
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return "/"
    if "\\" in next_path or any(ord(c) < 0x20 for c in next_path):
        return "/"
    return next_path
