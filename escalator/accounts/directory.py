"""The directory of people: accounts with a handle, a role and (partners) an organisation."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, col, delete, func, select

from models.input_text import EmailAddress, SingleLine, refused_character
from models.tables.accounts import ACCOUNT_ROLES, AccountRow, WebSessionRow

HANDLE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_address = TypeAdapter(EmailAddress)
_line = TypeAdapter(SingleLine)


class AccountError(ValueError):
    """A refused account change, naming the field it concerns (`loc`)."""

    def __init__(self, message: str, loc: str) -> None:
        super().__init__(message)
        self.loc = loc


def _checked(role: str, org: str | None, handle: str, email: str, time_zone: str) -> None:
    if role not in ACCOUNT_ROLES:
        raise AccountError(f"role must be one of {', '.join(ACCOUNT_ROLES)}", "role")
    if role == "partner" and not org:
        raise AccountError("a partner account belongs to an organisation", "org")
    if role != "partner" and org:
        raise AccountError(
            f"only partner accounts have an organisation; {role}s see every one", "org"
        )
    if not HANDLE.fullmatch(handle):
        raise AccountError(
            "a handle is 1 to 64 lower-case letters, digits, '.', '_' or '-'", "handle"
        )
    for field, text, check in (("email", email, _address), ("org", org or "", _line)):
        try:
            check.validate_python(text)
        except ValidationError as error:
            raise AccountError(error.errors()[0]["msg"], field) from None
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise AccountError(f"unknown time zone {time_zone!r}", "time_zone") from error


def create_account(
    session: Session,
    *,
    handle: str,
    email: str,
    name: str,
    role: str,
    org: str | None = None,
    time_zone: str = "UTC",
) -> AccountRow:
    """Add a person; they sign in once they have followed an invitation (`issue_link`)."""
    email = email.strip().lower()
    _checked(role, org, handle, email, time_zone)
    try:
        _line.validate_python(name)
    except ValidationError as error:
        raise AccountError(error.errors()[0]["msg"], "name") from None
    if not name.strip() or len(name) > 128:
        raise AccountError("a name has 1 to 128 characters", "name")
    if session.exec(select(AccountRow).where(AccountRow.handle == handle)).first():
        raise AccountError(f"the handle {handle!r} is taken", "handle")
    if session.exec(select(AccountRow).where(AccountRow.email == email)).first():
        raise AccountError(f"an account for {email} exists", "email")
    row = AccountRow(
        handle=handle,
        email=email,
        name=name.strip(),
        role=role,
        org=org or None,
        time_zone=time_zone,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def account_by_handle(session: Session, handle: str) -> AccountRow | None:
    return session.exec(select(AccountRow).where(AccountRow.handle == handle)).first()


# Who a case can be assigned to: the people who work cases.
ASSIGNABLE_ROLES = ("engineer", "admin")


def assignable(session: Session) -> Sequence[AccountRow]:
    """The people a case can be assigned to, by handle: engineers and admins not disabled."""
    return session.exec(
        select(AccountRow)
        .where(col(AccountRow.role).in_(ASSIGNABLE_ROLES), col(AccountRow.disabled_at).is_(None))
        .order_by(col(AccountRow.handle))
    ).all()


def assignable_refusal(session: Session, handle: str) -> str | None:
    """Why `handle` cannot take a case, or None when it names an engineer (or admin) at work."""
    row = account_by_handle(session, handle)
    if row is None:
        return f"no account has the handle {handle!r}"
    if row.disabled_at is not None:
        return f"{handle} is disabled"
    if row.role not in ASSIGNABLE_ROLES:
        return f"{handle} is a {row.role}, not an engineer"
    return None


def account_by_email(session: Session, email: str) -> AccountRow | None:
    address = email.strip().lower()
    if refused_character(address, frozenset()) is not None:
        return None  # no account has one, and a database may not even hold it
    return session.exec(select(AccountRow).where(func.lower(AccountRow.email) == address)).first()


def list_accounts(session: Session) -> Sequence[AccountRow]:
    return session.exec(select(AccountRow).order_by(col(AccountRow.handle))).all()


def disable_account(session: Session, handle: str) -> AccountRow:
    """Refuse the person's sign-ins from now on and end every session they have."""
    row = account_by_handle(session, handle)
    if row is None:
        raise AccountError(f"no account has the handle {handle!r}", "handle")
    if row.disabled_at is None:
        row.disabled_at = datetime.now(UTC)
        session.add(row)
    session.execute(delete(WebSessionRow).where(col(WebSessionRow.account_id) == row.id))
    session.commit()
    session.refresh(row)
    return row
