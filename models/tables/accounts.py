"""People who sign in to the portal: accounts, their single-use links, sessions, and failures.

An account has the roles API keys have; a partner account belongs to one organisation. Only
hashes of secrets are kept: the argon2 hash of a password, the SHA-256 of a link's or a
session's random token (256 bits, so an unsalted fast hash is not guessable).
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from models.tables.core import API_KEY_ROLES, DateTime

ACCOUNT_ROLES = API_KEY_ROLES
LINK_PURPOSES = ("invite", "reset")


class AccountRow(SQLModel, table=True):
    """A person: the directory `assign`, teams and schedules name by `handle`."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{role}'" for role in ACCOUNT_ROLES) + ")",
            name="ck_accounts_role",
        ),
        CheckConstraint(
            "(role = 'partner' AND org IS NOT NULL) OR (role <> 'partner' AND org IS NULL)",
            name="ck_accounts_org",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Lower-case letters, digits, '.', '_' and '-': what timelines show after the role.
    handle: str = Field(unique=True, max_length=64)
    # Stored lower-cased: addresses are matched without regard to case.
    email: str = Field(unique=True, max_length=254)
    name: str = Field(max_length=128)
    role: str = Field(max_length=16)
    org: str | None = Field(default=None, max_length=128)
    # IANA zone the portal shows instants in.
    time_zone: str = Field(default="UTC", max_length=64)
    # None until the person follows the invitation and chooses a password.
    password_hash: str | None = Field(default=None, max_length=256)
    created_at: datetime = Field(sa_type=DateTime())
    disabled_at: datetime | None = Field(default=None, sa_type=DateTime())


class AccountLinkRow(SQLModel, table=True):
    """An invitation or password-reset link: single use, expiring."""

    __tablename__ = "account_links"
    __table_args__ = (
        CheckConstraint(
            "purpose IN (" + ", ".join(f"'{p}'" for p in LINK_PURPOSES) + ")",
            name="ck_account_links_purpose",
        ),
    )

    token_sha256: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    purpose: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=DateTime())
    expires_at: datetime = Field(sa_type=DateTime())
    used_at: datetime | None = Field(default=None, sa_type=DateTime())


class WebSessionRow(SQLModel, table=True):
    """A signed-in browser: the cookie holds the token, the table its hash and CSRF secret."""

    __tablename__ = "web_sessions"

    token_sha256: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    # Sent back in every form; a post whose token differs is refused.
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=DateTime())
    expires_at: datetime = Field(sa_type=DateTime())


class SignInFailureRow(SQLModel, table=True):
    """A refused sign-in, counted per address and per client for throttling."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_email_at", "email", "at"),
        Index("ix_sign_in_failures_client_at", "client", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)
    client: str = Field(max_length=64)
    at: datetime = Field(sa_type=DateTime())
