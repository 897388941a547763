"""`escalator apikey create | list | revoke`: the API's bearer tokens.

`create` prints the token alone on stdout (so `TOKEN=$(escalator apikey create ...)`
works) and a note on stderr; the token is shown this once and stored hashed.
"""

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from escalator.cli.database import cli_session, format_instant, print_table
from models.tables.core import API_KEY_ROLES, ApiKeyRow


def _usage_error(message: str) -> int:
    # Exit status 2, as argparse uses for a command line it refuses.
    print(f"escalator apikey create: error: {message}", file=sys.stderr)
    return 2


def _create(args: argparse.Namespace) -> int:
    # Imported here: the API package (FastAPI) is not needed by the other commands.
    from api.auth import issue_api_key

    if args.role == "partner" and not args.org:
        return _usage_error("--org is required for the partner role")
    if args.role != "partner" and args.org:
        return _usage_error("--org is for partner keys only; other roles see every organisation")
    with cli_session() as session:
        row, token = issue_api_key(session, args.role, args.name or args.org or args.role, args.org)
    scope = f" for {row.org}" if row.org else ""
    print(
        f"API key {row.id} ({row.role} {row.name!r}{scope}). "
        "Keep the token below now: it is stored hashed and cannot be shown again.",
        file=sys.stderr,
    )
    print(token)
    return 0


def _list(_args: argparse.Namespace) -> int:
    with cli_session() as session:
        rows = session.exec(select(ApiKeyRow).order_by(col(ApiKeyRow.id))).all()
    table: list[tuple[Any, ...]] = [("ID", "NAME", "ROLE", "ORG", "PREFIX", "CREATED", "REVOKED")]
    table += [
        (
            row.id,
            row.name,
            row.role,
            row.org or "-",
            row.prefix + "...",
            format_instant(row.created_at),
            format_instant(row.revoked_at),
        )
        for row in rows
    ]
    print_table(table)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with cli_session() as session:
        row = session.get(ApiKeyRow, args.id)
        if row is None:
            print(f"escalator apikey revoke: error: no API key {args.id}", file=sys.stderr)
            return 1
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            session.add(row)
            session.commit()
        print(
            f"API key {row.id} ({row.role} {row.name!r}) revoked at "
            f"{format_instant(row.revoked_at)}"
        )
    return 0


def add_apikey_commands(subparsers: Any) -> None:
    """Add `apikey create | list | revoke` to the `escalator` command line."""
    apikey = subparsers.add_parser("apikey", help="create, list and revoke API keys")
    commands = apikey.add_subparsers(dest="apikey_command", required=True)

    create = commands.add_parser("create", help="print a new bearer token (shown once)")
    create.add_argument("--role", required=True, choices=API_KEY_ROLES)
    create.add_argument("--org", help="the partner's organisation (partner keys only)")
    create.add_argument("--name", help="who holds the key; recorded as the actor of its steps")
    create.set_defaults(run=_create)

    listing = commands.add_parser("list", help="list keys (never their tokens)")
    listing.set_defaults(run=_list)

    revoke = commands.add_parser("revoke", help="revoke a key; its token stops working at once")
    revoke.add_argument("id", type=int, help="the key's ID, as `escalator apikey list` shows")
    revoke.set_defaults(run=_revoke)
