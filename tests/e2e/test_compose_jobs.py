"""The compose file's own jobs, run without Docker against a real dev server: the namespace
job creates the namespace and its search attributes (twice, as a restart would), and a
worker started before it waits for the namespace instead of exiting."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from escalator.infra.temporal_server import dev_server_command, temporal_cli
from models.case.search_attributes import CASE_SEARCH_ATTRIBUTES
from tests.receivers import free_port

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "escalator-compose"


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    # Without Escalator's attributes: the namespace job registers them on its namespace.
    command = dev_server_command(
        db_file=tmp_path / "temporal.db", port=port, ui_port=None, search_attributes=False
    )
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def job_environment(service: str, address: str) -> dict[str, str]:
    """The service's environment from docker-compose.yml, aimed at the local server."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = {k: str(v) for k, v in compose["services"][service]["environment"].items()}
    environment["TEMPORAL_ADDRESS"] = address
    environment["NAMESPACE"] = NAMESPACE
    path = f"{Path(temporal_cli()).parent}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, **environment, "PATH": path}


def run_namespace_job(address: str) -> subprocess.CompletedProcess[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    job = compose["services"]["temporal-namespace"]
    script = job["command"][0].replace("/deploy/", f"{ROOT}/deploy/temporal/")
    return subprocess.run(
        [*job["entrypoint"], script],
        env=job_environment("temporal-namespace", address),
        capture_output=True,
        text=True,
        timeout=120,
    )


def search_attributes(address: str) -> str:
    listed = subprocess.run(
        [
            temporal_cli(),
            "operator",
            "search-attribute",
            "list",
            "--address",
            address,
            "-n",
            NAMESPACE,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return listed.stdout


def test_a_worker_waits_for_the_namespace_job(dev_server: str, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "ESCALATOR_TEMPORAL_ADDRESS": dev_server,
        "ESCALATOR_TEMPORAL_NAMESPACE": NAMESPACE,
        "ESCALATOR_DATABASE_URL": f"sqlite:///{tmp_path / 'escalator.db'}",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "escalator", "worker"], env=environment, stdout=out, stderr=out
        )
    try:
        time.sleep(4)
        assert worker.poll() is None, log.read_text()  # still there, waiting
        first = run_namespace_job(dev_server)
        assert first.returncode == 0, first.stdout + first.stderr
        deadline = time.monotonic() + 60
        while "worker polling" not in log.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log.read_text()
            time.sleep(0.25)
        assert "worker polling task queue 'escalator'" in log.read_text()
        assert f"waiting for Temporal namespace '{NAMESPACE}'" in log.read_text()
    finally:
        worker.terminate()
        worker.wait(30)
    assert worker.returncode == 0, log.read_text()

    listed = search_attributes(dev_server)
    for name, kind in CASE_SEARCH_ATTRIBUTES.items():
        assert any(line.split() == [name, kind] for line in listed.splitlines()), name
    again = run_namespace_job(dev_server)  # a restarted job changes nothing
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"namespace {NAMESPACE} exists" in again.stdout
    assert search_attributes(dev_server) == listed


def test_the_setup_job_prepares_an_empty_database(tmp_path: Path) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["escalator-setup"]["command"]
    database = f"sqlite:///{tmp_path / 'escalator.db'}"
    environment = {**os.environ, "ESCALATOR_DATABASE_URL": database}
    escalator = [sys.executable, "-m", "escalator", *command[1:]]
    for _ in range(2):  # the second run finds everything there
        done = subprocess.run(escalator, env=environment, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "escalator", "policy", "list"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = [line.split()[0] for line in listed.splitlines()[1:]]
    assert names == ["emetrotel", "maltarea", "maxony", "protelecom", "zsupport"]
    versions = [line.split()[1] for line in listed.splitlines()[1:]]
    assert versions == ["1"] * 5
