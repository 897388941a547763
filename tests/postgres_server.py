"""A throwaway PostgreSQL server for one test run: a new cluster in a temporary folder, on a
free port of 127.0.0.1, stopped and deleted at the end.

The binaries come from the `pgserver` wheel (PostgreSQL 16, the major version production
runs in docker-compose.yml), installed with the dev extra, so `make test` needs nothing from
the machine. `ESCALATOR_TEST_POSTGRES_BIN` names another folder holding `initdb` and
`postgres` (for example Debian's `/usr/lib/postgresql/15/bin`).

PostgreSQL refuses to run as root; as root (CI) the cluster belongs to `nobody`.
"""

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

# Durability is pointless for a cluster deleted at the end of the run; these make it fast.
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
START_SECONDS = 30.0
# A command line for subprocess: the programs and folders are paths, the rest text.
Argv = list[str | Path]


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries, or the server did not start: the message says which."""


def binaries() -> Path:
    """The folder holding `initdb` and `postgres`."""
    named = os.environ.get("ESCALATOR_TEST_POSTGRES_BIN")
    if named:
        folder = Path(named)
    else:
        spec = importlib.util.find_spec("pgserver")
        if spec is None or not spec.submodule_search_locations:
            raise PostgresUnavailable(
                "the pgserver wheel is not installed: run `make test` (it installs the dev "
                "extra) or set ESCALATOR_TEST_POSTGRES_BIN"
            )
        folder = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
    if not (folder / "initdb").is_file() or not (folder / "postgres").is_file():
        raise PostgresUnavailable(f"no initdb and postgres in {folder}")
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _owner() -> str | None:
    """The user the cluster runs as: `nobody` when we are root, else ourselves (None)."""
    return "nobody" if os.geteuid() == 0 else None


def _wait_until_accepting(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if server.poll() is not None:
            raise PostgresUnavailable(f"postgres exited: {log.read_text(errors='replace')}")
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(
                    f"postgres did not accept connections in {START_SECONDS:.0f} s: "
                    f"{log.read_text(errors='replace')}"
                ) from None
            time.sleep(0.1)


def _initdb(folder: Path, data: Path, owner: str | None) -> None:
    command: Argv = [folder / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    done = subprocess.run(
        [*command, "--no-sync", "--locale=C"], user=owner, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise PostgresUnavailable(f"initdb failed: {done.stderr.decode(errors='replace')}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    # SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing is kept.
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A running server; yields the URL of its `postgres` database (user `postgres`, trust)."""
    folder = binaries()
    owner = _owner()
    root = Path(tempfile.mkdtemp(prefix="escalator-pg-"))
    try:
        if owner is not None:
            entry = pwd.getpwnam(owner)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        data, log = root / "data", root / "server.log"
        _initdb(folder, data, owner)
        port = _free_port()
        settings = [f"-c{name}={value}" for name, value in FAST_SETTINGS.items()]
        command: Argv = [folder / "postgres", "-D", data, "-p", str(port), "-k", root, *settings]
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                [*command, "-clisten_addresses=127.0.0.1"],
                user=owner,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
            _wait_until_accepting(url, server, log)
            yield url
        finally:
            _stop(server)
    finally:
        shutil.rmtree(root, ignore_errors=True)
