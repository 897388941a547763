"""Invitation and password-reset links: single use, expiring, stored as hashes."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult
from sqlmodel import Session, col, delete, update

from escalator.accounts.directory import AccountError
from escalator.accounts.passwords import hash_password, password_problem
from escalator.accounts.tokens import new_token, token_hash
from models.tables.accounts import AccountLinkRow, AccountRow, WebSessionRow

# An invitation waits a week for a newcomer; a reset link is for the next hour.
LINK_LIFETIMES = {"invite": timedelta(days=7), "reset": timedelta(hours=1)}


def issue_link(
    session: Session, account: AccountRow, purpose: str, now: datetime | None = None
) -> str:
    """A new link token for `account`; earlier unused links of the same purpose stop working."""
    if account.id is None or account.disabled_at is not None:
        raise AccountError(f"the account {account.handle!r} is disabled", "handle")
    now = now or datetime.now(UTC)
    session.execute(
        update(AccountLinkRow)
        .where(col(AccountLinkRow.account_id) == account.id)
        .where(col(AccountLinkRow.purpose) == purpose)
        .where(col(AccountLinkRow.used_at).is_(None))
        .values(used_at=now)
    )
    token = new_token()
    session.add(
        AccountLinkRow(
            token_sha256=token_hash(token),
            account_id=account.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + LINK_LIFETIMES[purpose],
        )
    )
    session.commit()
    session.refresh(account)
    return token


def usable_link(
    session: Session, token: str, now: datetime | None = None
) -> tuple[AccountLinkRow, AccountRow] | None:
    """The link and its account while the link may still be used, else None."""
    now = now or datetime.now(UTC)
    link = session.get(AccountLinkRow, token_hash(token))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    account = session.get(AccountRow, link.account_id)
    if account is None or account.disabled_at is not None:
        return None
    return link, account


def redeem_link(
    session: Session, token: str, password: str, now: datetime | None = None
) -> AccountRow:
    """Set the account's password from a link, once; every session it had ends."""
    now = now or datetime.now(UTC)
    if (problem := password_problem(password)) is not None:
        raise AccountError(problem, "password")
    found = usable_link(session, token, now)
    if found is None:
        raise AccountError("this link has expired or has been used; ask for a new one", "token")
    link, account = found
    # Marked used in the same statement that checks it was not: two tabs, one success.
    used: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # an UPDATE's result
        update(AccountLinkRow)
        .where(col(AccountLinkRow.token_sha256) == link.token_sha256)
        .where(col(AccountLinkRow.used_at).is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        session.rollback()
        raise AccountError("this link has expired or has been used; ask for a new one", "token")
    account.password_hash = hash_password(password)
    session.add(account)
    session.execute(delete(WebSessionRow).where(col(WebSessionRow.account_id) == account.id))
    session.commit()
    session.refresh(account)
    return account
