"""Where the read-model benches run: a SQLite file in a temporary folder, or a database the
bench creates on the PostgreSQL server `--database-url` names and drops after."""

import argparse
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from escalator.infra.db import normalise_url


def arguments(description: str, runs: int) -> argparse.Namespace:
    """`--cases`, `--runs` and `--database-url`, as every read-model bench takes them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--database-url", help="a PostgreSQL server to create a database on")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {args.cases:,} cases, {args.runs} runs each")
    return args


@contextmanager
def bench_database(server_url: str | None) -> Iterator[str]:
    """The URL of an empty database for one bench run, removed afterwards."""
    if not server_url:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"escalator_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{normalise_url(server_url).rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
