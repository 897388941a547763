"""`escalator policy ...`: validate policy files, publish them, read published versions.

`add_policy_commands(subparsers)` registers the commands on the `escalator`
parser; each sets `run` to a handler taking the parsed arguments and
returning the exit code. Database commands use `--database-url`, else
ESCALATOR_DATABASE_URL, and bring that database's schema up to date first.
"""

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from escalator import policy_store
from models.policy import load_policy
from models.policy.errors import PolicyError
from models.policy.source import dump_yaml

# Opens the database for a command, given the --database-url value (None: the settings').
EngineFactory = Callable[[str | None], Engine]


def default_engine(database_url: str | None) -> Engine:
    from escalator.infra.db import engine_from_url, migrate
    from escalator.infra.settings import get_settings

    url = database_url or get_settings().database_url
    migrate(url)
    return engine_from_url(url)


def add_policy_commands(
    subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]",
    engine_factory: EngineFactory = default_engine,
) -> argparse.ArgumentParser:
    policy = subparsers.add_parser(
        "policy", help="validate, publish and read versioned escalation policies"
    )
    commands = policy.add_subparsers(dest="policy_command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check policy files; exit 1 on any error")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.set_defaults(run=run_validate)

    def database_command(
        name: str, help_text: str, handler: Callable[[argparse.Namespace, Session], int]
    ) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("--database-url", default=None, help="default: ESCALATOR_DATABASE_URL")
        parser.set_defaults(run=lambda args: _with_session(args, engine_factory, handler))
        return parser

    publish = database_command("publish", "store a file as the next version", run_publish)
    publish.add_argument("file", type=Path, metavar="FILE")
    publish.add_argument("--by", default=None, help="who publishes (recorded with the version)")

    database_command("list", "published policies and their latest versions", run_list)

    show = database_command("show", "print a published version as written", run_show)
    show.add_argument("name", metavar="NAME")
    show.add_argument("--version", type=int, default=None, help="default: the latest")
    show.add_argument(
        "--resolved", action="store_true", help="print the stored form (holidays as dates)"
    )

    diff = database_command("diff", "what changed from version A to version B", run_diff)
    diff.add_argument("name", metavar="NAME")
    diff.add_argument("a", type=int, metavar="A")
    diff.add_argument("b", type=int, metavar="B")
    return policy


def _with_session(
    args: argparse.Namespace,
    engine_factory: EngineFactory,
    handler: Callable[[argparse.Namespace, Session], int],
) -> int:
    with _session(engine_factory(args.database_url)) as session:
        return handler(args, session)


@contextmanager
def _session(engine: Engine) -> Iterator[Session]:
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{path}: cannot read: {error}", file=sys.stderr)
        return None


def run_validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        text = _read(path)
        if text is None:
            failed = True
            continue
        try:
            policy = load_policy(text, str(path))
        except PolicyError as error:
            failed = True
            for issue in error.issues:
                print(issue.render(str(path)))
            count = len(error.issues)
            print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
            continue
        print(f"{path}: ok, {policy.summary()}")
    return 1 if failed else 0


def run_publish(args: argparse.Namespace, session: Session) -> int:
    text = _read(args.file)
    if text is None:
        return 1
    try:
        published = policy_store.publish_text(session, text, args.by, str(args.file))
    except PolicyError as error:
        for issue in error.issues:
            print(issue.render(str(args.file)))
        return 1
    row = published.row
    if published.created:
        print(f"published {row.name} version {row.version}")
    else:
        print(f"{row.name} version {row.version} already has this exact text; nothing published")
    return 0


def run_list(args: argparse.Namespace, session: Session) -> int:
    summaries = policy_store.list_policies(session)
    if not summaries:
        print("no published policies")
        return 0
    width = max(len(s.name) for s in summaries)
    print(f"{'NAME':<{width}}  VERSION  PUBLISHED                  DESCRIPTION")
    for s in summaries:
        description = " ".join(s.description.split())
        if len(description) > 60:
            description = description[:57] + "..."
        published = s.published_at.isoformat(timespec="seconds")
        print(f"{s.name:<{width}}  {s.latest_version:>7}  {published:<25}  {description}")
    return 0


def run_show(args: argparse.Namespace, session: Session) -> int:
    if args.version is None:
        row = policy_store.latest(session, args.name)
    else:
        row = policy_store.get(session, args.name, args.version)
    if row is None:
        if args.version is None:
            print(f"no published policy named {args.name!r}", file=sys.stderr)
        else:
            print(f"policy {args.name!r} has no version {args.version}", file=sys.stderr)
        return 1
    print(f"# {row.name} version {row.version}, published {row.published_at.isoformat()}")
    text = dump_yaml(row.body) if args.resolved else row.source
    print(text, end="" if text.endswith("\n") else "\n")
    return 0


def run_diff(args: argparse.Namespace, session: Session) -> int:
    try:
        text = policy_store.diff(session, args.name, args.a, args.b)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 1
    print(text or f"no differences between versions {args.a} and {args.b}")
    return 0


def build_parser(engine_factory: EngineFactory = default_engine) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="escalator", description=__doc__)
    add_policy_commands(parser.add_subparsers(dest="command", required=True), engine_factory)
    return parser


def main(argv: Sequence[str] | None = None, engine_factory: EngineFactory = default_engine) -> int:
    """`python -m escalator.cli.policies policy validate FILE`: the policy commands alone."""
    args = build_parser(engine_factory).parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
