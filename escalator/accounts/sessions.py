"""Signing in and out: server-side sessions, with throttling of refused attempts.

A session lives in the database, so disabling an account ends its sessions at once. Five
refused attempts for one address, or twenty from one client, within fifteen minutes hold
further attempts until the oldest of them is fifteen minutes old.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, select

from escalator.accounts.directory import account_by_email
from escalator.accounts.passwords import verify_password
from escalator.accounts.tokens import new_token, token_hash
from models.input_text import refused_character
from models.tables.accounts import AccountRow, SignInFailureRow, WebSessionRow

SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
PER_ADDRESS = 5
PER_CLIENT = 20


class SignInRefused(Exception):
    """Wrong address or password, or a disabled account: the same answer for each."""


class SignInThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many refused sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """A session: the cookie's token (shown once) and the secret its forms carry."""

    token: str
    csrf_token: str
    account: AccountRow
    expires_at: datetime


def _held_until(session: Session, email: str, client: str, now: datetime) -> datetime | None:
    since = now - THROTTLE_WINDOW
    for column, value, limit in (
        (SignInFailureRow.email, email, PER_ADDRESS),
        (SignInFailureRow.client, client, PER_CLIENT),
    ):
        recent = (
            select(SignInFailureRow.at)
            .where(column == value)
            .where(col(SignInFailureRow.at) > since)
            .order_by(col(SignInFailureRow.at).desc())
            .limit(limit)
        )
        times = session.exec(recent).all()
        if len(times) >= limit:
            return times[-1] + THROTTLE_WINDOW
    return None


# What a refused sign-in records for an address holding a character no text may hold.
UNREADABLE_ADDRESS = "(unreadable address)"


def sign_in(
    session: Session, email: str, password: str, client: str, now: datetime | None = None
) -> SignedIn:
    now = now or datetime.now(UTC)
    address = email.strip().lower()[:254]
    if refused_character(address, frozenset()) is not None:
        # No account has such an address, and no database need store it: it still counts.
        address = UNREADABLE_ADDRESS
    client = client[:64]
    held = _held_until(session, address, client, now)
    if held is not None:
        raise SignInThrottled(max(1, int((held - now).total_seconds()) + 1))
    account = account_by_email(session, address)
    stored = account.password_hash if account is not None else None
    if not verify_password(password, stored) or account is None or account.disabled_at:
        session.add(SignInFailureRow(email=address, client=client, at=now))
        # Old failures count for nothing: keep the table small.
        session.execute(
            delete(SignInFailureRow).where(col(SignInFailureRow.at) < now - THROTTLE_WINDOW)
        )
        session.commit()
        raise SignInRefused()
    assert account.id is not None
    token = new_token()
    row = WebSessionRow(
        token_sha256=token_hash(token),
        account_id=account.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    session.commit()
    return SignedIn(token, row.csrf_token, account, row.expires_at)


def session_for_token(
    session: Session, token: str, now: datetime | None = None
) -> tuple[WebSessionRow, AccountRow] | None:
    """The live session a cookie names and its account, or None."""
    now = now or datetime.now(UTC)
    row = session.get(WebSessionRow, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    account = session.get(AccountRow, row.account_id)
    if account is None or account.disabled_at is not None:
        return None
    return row, account


def sign_out(session: Session, token: str) -> None:
    session.execute(
        delete(WebSessionRow).where(col(WebSessionRow.token_sha256) == token_hash(token))
    )
    session.commit()
