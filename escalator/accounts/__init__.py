"""Accounts of the people who use the portal: the directory, passwords, links and sessions.

The HTTP layer (api/) and the CLI call these; no HTTP here. Refusals are `AccountError`s
naming the field they concern, which the API maps to 4xx answers.
"""

from escalator.accounts.directory import (
    AccountError,
    account_by_handle,
    create_account,
    disable_account,
    list_accounts,
)
from escalator.accounts.links import LINK_LIFETIMES, issue_link, redeem_link, usable_link
from escalator.accounts.sessions import (
    SESSION_LIFETIME,
    SignedIn,
    SignInRefused,
    SignInThrottled,
    session_for_token,
    sign_in,
    sign_out,
)

__all__ = [
    "LINK_LIFETIMES",
    "SESSION_LIFETIME",
    "AccountError",
    "SignInRefused",
    "SignInThrottled",
    "SignedIn",
    "account_by_handle",
    "create_account",
    "disable_account",
    "issue_link",
    "list_accounts",
    "redeem_link",
    "session_for_token",
    "sign_in",
    "sign_out",
    "usable_link",
]
