"""The `escalator` command line."""

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from escalator.cli.apikeys import add_apikey_commands
from escalator.cli.audit import add_audit_commands
from escalator.cli.policies import add_policy_commands
from escalator.cli.registry import add_org_commands
from escalator.cli.users import add_user_commands
from escalator.infra.settings import get_settings


def _up(args: argparse.Namespace) -> int:
    from escalator.cli.stack import run_stack

    return run_stack(
        get_settings(), api_port=args.port, temporal_port=args.temporal_port, headless=args.headless
    )


def _worker(_args: argparse.Namespace) -> int:
    from worker import run_worker

    asyncio.run(run_worker())
    return 0


def _api(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from escalator.infra.db import migrate
    from escalator.infra.logs import configure_logging

    settings = get_settings()
    configure_logging("api", settings.log_format, settings.log_level)
    migrate(settings.database_url)
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.api_host,
        port=args.port or settings.api_port,
        # escalator/infra/logs.py formats uvicorn's lines; api/request_log.py writes the access log.
        log_config=None,
        access_log=False,
    )
    return 0


def _setup(_args: argparse.Namespace) -> int:
    from escalator.cli.bootstrap import prepare_database

    settings = get_settings()
    prepare_database(settings)
    print("database migrated; example policies and seed inventory present", flush=True)
    return 0


def _smtp(_args: argparse.Namespace) -> int:
    from escalator.smtp_listener import run_smtp

    asyncio.run(run_smtp())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escalator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser(
        "up",
        help="run Temporal dev server, worker, API and the inbound SMTP listener together",
    )
    up.add_argument("--headless", action="store_true", help="no Temporal web UI")
    up.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    up.add_argument(
        "--temporal-port",
        type=int,
        default=7233,
        help="Temporal gRPC port (default 7233); its web UI listens 1000 above (8233)",
    )
    up.set_defaults(run=_up)

    worker = commands.add_parser("worker", help="run one worker against ESCALATOR_TEMPORAL_ADDRESS")
    worker.set_defaults(run=_worker)

    api = commands.add_parser("api", help="run the HTTP API against ESCALATOR_TEMPORAL_ADDRESS")
    api.add_argument("--host", default=None, help="bind address (default ESCALATOR_API_HOST)")
    api.add_argument("--port", type=int, default=None, help="port (default ESCALATOR_API_PORT)")
    api.set_defaults(run=_api)
    setup = commands.add_parser(
        "setup",
        help="migrate ESCALATOR_DATABASE_URL; publish the example policies and the seed "
        "inventory when it has none (the first run of a new installation)",
    )
    setup.set_defaults(run=_setup)
    smtp = commands.add_parser(
        "smtp", help="run the inbound SMTP listener (ESCALATOR_SMTP_LISTEN_HOST/_PORT, 2525)"
    )
    smtp.set_defaults(run=_smtp)
    add_apikey_commands(commands)
    add_policy_commands(commands)
    add_user_commands(commands)
    add_audit_commands(commands)
    add_org_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


def run() -> None:
    """The `escalator` command: `main`, then out without the interpreter's teardown.

    The Temporal client's Rust threads can outlive Python's finalization and abort the
    process after the command has done its work ("Fatal Python error: PyGILState_Release",
    temporalio/sdk-python#300; seen once in 85 runs of `escalator replay --all`), turning
    a success into a crash. Everything the command wrote is flushed first.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
