"""Signing in and out, a forgotten password, and the page an invitation or reset link opens."""

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.deps import EngineDep, SettingsDep
from api.pages.rendering import message_page, page, see_other
from api.web_session import (
    SESSION_COOKIE,
    AnonymousForm,
    SignedInForm,
    ViewerDep,
    form_token,
    safe_next,
    set_form_cookie,
    set_session_cookie,
    viewer_or_none,
)
from escalator.accounts import (
    SESSION_LIFETIME,
    AccountError,
    SignInRefused,
    SignInThrottled,
    issue_link,
    redeem_link,
    sign_in,
    sign_out,
    usable_link,
)
from escalator.accounts.directory import account_by_email
from escalator.accounts.mail import LinkMailFailed, send_link
from escalator.accounts.passwords import MIN_LENGTH
from models.tables.accounts import AccountRow

log = logging.getLogger("escalator.portal")
router = APIRouter(include_in_schema=False)


def _anonymous(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    token = form_token(request)
    response = page(request, template, status, csrf_token=token, **context)
    set_form_cookie(request, response, token)
    return response


@router.get("/")
async def home(request: Request, viewer: ViewerDep) -> Response:
    return page(request, "home.html", viewer=viewer, title="Home")


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    if viewer_or_none(request) is not None:
        return see_other(safe_next(next))
    return _anonymous(request, "sign_in.html", title="Sign in", next_path=safe_next(next), email="")


@router.post("/sign-in")
def sign_in_post(request: Request, form: AnonymousForm, engine: EngineDep) -> Response:
    email, next_path = form.get("email", ""), safe_next(form.get("next"))
    client = request.client.host if request.client else "unknown"
    try:
        with Session(engine) as session:
            signed = sign_in(session, email, form.get("password", ""), client)
    except SignInThrottled as error:
        return _anonymous(
            request,
            "sign_in.html",
            429,
            headers={"Retry-After": str(error.retry_after)},
            title="Sign in",
            next_path=next_path,
            email=email,
            error=str(error),
        )
    except SignInRefused:
        return _anonymous(
            request,
            "sign_in.html",
            401,
            title="Sign in",
            next_path=next_path,
            email=email,
            error="Wrong e-mail or password.",
        )
    response = see_other(next_path)
    set_session_cookie(request, response, signed.token, int(SESSION_LIFETIME.total_seconds()))
    return response


@router.post("/sign-out")
def sign_out_post(request: Request, _form: SignedInForm, engine: EngineDep) -> Response:
    with Session(engine) as session:
        sign_out(session, request.cookies.get(SESSION_COOKIE, ""))
    response = see_other("/sign-in")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account/forgot")
async def forgot_page(request: Request) -> Response:
    return _anonymous(request, "forgot.html", title="Forgot your password?")


def _reset_link(engine: Engine, email: str) -> tuple[AccountRow, str] | None:
    """A reset link for the active account of `email`, or None when there is none."""
    with Session(engine) as session:
        account = account_by_email(session, email)
        if account is None or account.disabled_at is not None:
            return None
        return account, issue_link(session, account, "reset")


@router.post("/account/forgot")
async def forgot_post(
    request: Request, form: AnonymousForm, engine: EngineDep, settings: SettingsDep
) -> Response:
    email = form.get("email", "").strip()[:254]
    found = await asyncio.to_thread(_reset_link, engine, email)
    # The same answer whether or not the address has an account: no one learns who has one.
    if found is not None:
        account, token = found
        try:
            outcome = await send_link(settings, account, "reset", token)
            log.info("password reset link for %s: %s", account.handle, outcome)
        except LinkMailFailed as error:
            log.warning("password reset link for %s not sent: %s", account.handle, error)
    return _anonymous(request, "forgot.html", title="Forgot your password?", sent=True, email=email)


def _expired(request: Request) -> Response:
    return message_page(
        request,
        410,
        "Link expired",
        "This link has expired or has been used. Ask for a new one.",
        link={"href": "/account/forgot", "text": "Send me a new link"},
    )


@router.get("/account/link/{token}")
def link_page(request: Request, token: str, engine: EngineDep) -> Response:
    with Session(engine) as session:
        found = usable_link(session, token)
    if found is None:
        return _expired(request)
    link, account = found
    title = "Welcome: choose your password" if link.purpose == "invite" else "Choose a new password"
    return _anonymous(
        request,
        "choose_password.html",
        title=title,
        account=account,
        token=token,
        min_length=MIN_LENGTH,
    )


@router.post("/account/link/{token}")
def link_post(request: Request, token: str, form: AnonymousForm, engine: EngineDep) -> Response:
    with Session(engine) as session:
        found = usable_link(session, token)
        if found is None:
            return _expired(request)
        _, account = found
        try:
            redeem_link(session, token, form.get("password", ""))
        except AccountError as error:
            if error.loc == "token":
                return _expired(request)
            return _anonymous(
                request,
                "choose_password.html",
                422,
                title="Choose a password",
                account=account,
                token=token,
                min_length=MIN_LENGTH,
                error=str(error),
            )
    return _anonymous(
        request,
        "sign_in.html",
        title="Sign in",
        next_path="/",
        email=account.email,
        notice="Your password is set. Sign in with it.",
    )
