"""`escalator user create | invite | disable | list`: the people who sign in to the portal.

`create` adds the account and sends its invitation; `invite` sends a fresh one (or, with
`--reset`, a password-reset link). With no mail relay configured (ESCALATOR_SMTP_HOST) the
link is printed on stdout instead, for the admin to hand over.
"""

import argparse
import asyncio
import sys
from typing import Any

from escalator.accounts import (
    AccountError,
    account_by_handle,
    create_account,
    disable_account,
    issue_link,
    list_accounts,
)
from escalator.accounts.mail import LinkMailFailed, link_url, send_link
from escalator.cli.database import cli_session, format_instant, print_table
from escalator.infra.settings import get_settings
from models.tables.accounts import ACCOUNT_ROLES, AccountRow


def _fail(command: str, message: str, status: int = 1) -> int:
    print(f"escalator user {command}: error: {message}", file=sys.stderr)
    return status


def _send(account: AccountRow, purpose: str, token: str) -> int:
    settings = get_settings()
    try:
        outcome = asyncio.run(send_link(settings, account, purpose, token))
    except LinkMailFailed as error:
        print(f"the link was not sent ({error}); hand it over yourself:", file=sys.stderr)
        print(link_url(settings, token))
        return 1
    if outcome == "sent":
        print(f"{purpose} link sent to {account.email}", file=sys.stderr)
    else:
        print("no mail relay is configured; hand this link over yourself:", file=sys.stderr)
        print(link_url(settings, token))
    return 0


def _create(args: argparse.Namespace) -> int:
    with cli_session() as session:
        try:
            account = create_account(
                session,
                handle=args.handle,
                email=args.email,
                name=args.name,
                role=args.role,
                org=args.org,
                time_zone=args.time_zone,
            )
        except AccountError as error:
            return _fail("create", f"{error} (--{error.loc.replace('_', '-')})", 2)
        token = issue_link(session, account, "invite")
    print(f"account {account.handle} ({account.role}) created", file=sys.stderr)
    return _send(account, "invite", token)


def _invite(args: argparse.Namespace) -> int:
    purpose = "reset" if args.reset else "invite"
    with cli_session() as session:
        account = account_by_handle(session, args.handle)
        if account is None:
            return _fail("invite", f"no account has the handle {args.handle!r}")
        try:
            token = issue_link(session, account, purpose)
        except AccountError as error:
            return _fail("invite", str(error))
    return _send(account, purpose, token)


def _disable(args: argparse.Namespace) -> int:
    with cli_session() as session:
        try:
            account = disable_account(session, args.handle)
        except AccountError as error:
            return _fail("disable", str(error))
    print(f"account {account.handle} disabled at {format_instant(account.disabled_at)}")
    return 0


def _list(_args: argparse.Namespace) -> int:
    with cli_session() as session:
        rows = list_accounts(session)
    table: list[tuple[object, ...]] = [("HANDLE", "NAME", "EMAIL", "ROLE", "ORG", "STATE")]
    for row in rows:
        state = (
            f"disabled {format_instant(row.disabled_at)}"
            if row.disabled_at
            else "active"
            if row.password_hash
            else "invited"
        )
        table.append((row.handle, row.name, row.email, row.role, row.org or "-", state))
    print_table(table)
    return 0


def add_user_commands(subparsers: Any) -> None:
    """Add `user create | invite | disable | list` to the `escalator` command line."""
    user = subparsers.add_parser("user", help="create, invite, disable and list portal users")
    commands = user.add_subparsers(dest="user_command", required=True)

    create = commands.add_parser("create", help="add a person and send their invitation")
    create.add_argument("handle", help="how cases name them (`assign`), e.g. ada.admin")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=ACCOUNT_ROLES)
    create.add_argument("--org", help="the partner's organisation (partner accounts only)")
    create.add_argument("--time-zone", default="UTC", help="IANA zone the portal shows times in")
    create.set_defaults(run=_create)

    invite = commands.add_parser("invite", help="send a fresh invitation (or --reset link)")
    invite.add_argument("handle")
    invite.add_argument("--reset", action="store_true", help="a password-reset link instead")
    invite.set_defaults(run=_invite)

    disable = commands.add_parser("disable", help="refuse their sign-ins; end their sessions")
    disable.add_argument("handle")
    disable.set_defaults(run=_disable)

    listing = commands.add_parser("list", help="list accounts and whether they are active")
    listing.set_defaults(run=_list)
