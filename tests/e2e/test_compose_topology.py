"""The compose topology's own processes, without Docker.

docker-compose.yml says what runs, with which command and environment, in which order
(`depends_on`); the test runs exactly that, with stand-ins where a container cannot run
here: a Temporal dev server on SQLite for the server and its database (the namespace job
still registers the search attributes on it), the run's throwaway PostgreSQL for `db`, an
SMTP receiver for `mail`. Every address is moved to 127.0.0.1 and free ports. A key made as
the README says opens a case; the API's and the worker's /metrics count exactly what the
test did; every line the API, the worker and the SMTP listener write is one JSON object.
"""

import json
import os
import re
import shlex
import signal
import smtplib
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from escalator.infra.temporal_server import dev_server_command, temporal_cli
from tests.api.test_bounded_calls import INTAKE
from tests.databases import empty_postgres_database
from tests.receivers import free_port, smtp_server

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
# Services of other images, and what stands in for each here.
STAND_INS = {
    "temporal-db": "the dev server keeps its own SQLite file",
    "temporal-schema": "the dev server creates its own schema",
    "temporal": "a Temporal dev server",
    "temporal-ui": "nothing: the dev server runs headless",
    "temporal-namespace": "its own script, with the temporal CLI",
    "db": "a database on the run's throwaway PostgreSQL",
    "mail": "an SMTP receiver",
}


def start_order() -> list[str]:
    """Services in an order `depends_on` allows, the file's order among equals."""
    done: list[str] = []
    while len(done) < len(SERVICES):
        ready = [
            name
            for name, service in SERVICES.items()
            if name not in done and all(dep in done for dep in service.get("depends_on", {}))
        ]
        assert ready, f"depends_on has a cycle among {set(SERVICES) - set(done)}"
        done.append(ready[0])
    return done


Scraped = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Scraped:
    text = httpx.get(url, timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def wait_for(check: Any, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f}s"
        time.sleep(0.25)


class Topology:
    """The processes of the compose file, started in order, stopped at the end."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.ports = {name: free_port() for name in ("temporal", "api", "smtp", "metrics")}
        self.temporal = f"127.0.0.1:{self.ports['temporal']}"
        self.database_url = database_url
        self.relay_port = 0
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def log(self, service: str) -> Path:
        return self.folder / f"{service}.log"

    def localise(self, key: str, value: str) -> str:
        """A compose value aimed at this machine: hosts to 127.0.0.1, ports to free ones."""
        exact = {
            "ESCALATOR_DATABASE_URL": self.database_url,
            "ESCALATOR_SMTP_HOST": "127.0.0.1",
            "ESCALATOR_SMTP_PORT": str(self.relay_port),
            "ESCALATOR_SMTP_LISTEN_HOST": "127.0.0.1",
            "ESCALATOR_SMTP_LISTEN_PORT": str(self.ports["smtp"]),
            "ESCALATOR_WORKER_METRICS_ADDRESS": f"127.0.0.1:{self.ports['metrics']}",
        }
        if key in exact:
            return exact[key]
        value = value.replace("temporal:7233", self.temporal)
        return value.replace("127.0.0.1:8000", f"127.0.0.1:{self.ports['api']}")

    def environment(self, service: str) -> dict[str, str]:
        given = SERVICES[service].get("environment", {})
        local = {key: self.localise(key, str(value)) for key, value in given.items()}
        for value in local.values():
            assert not re.search(r"0\.0\.0\.0|@db:|\btemporal:|\bmail\b", value), value
        path = f"{Path(temporal_cli()).parent}{os.pathsep}{os.environ['PATH']}"
        return {**os.environ, **local, "PATH": path, "PYTHONUNBUFFERED": "1"}

    def command(self, service: str) -> list[str]:
        program, *args = SERVICES[service]["command"]
        assert program == "escalator", f"{service}: {program}"
        ports = {"8000": str(self.ports["api"]), "0.0.0.0": "127.0.0.1"}
        return [sys.executable, "-m", "escalator", *(ports.get(arg, arg) for arg in args)]

    def spawn(self, service: str, command: list[str], env: dict[str, str]) -> None:
        with self.log(service).open("wb") as out:
            self.running[service] = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def run_job(self, service: str, command: list[str], env: dict[str, str]) -> None:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{service}: {done.stdout}{done.stderr}"

    def start(self, service: str) -> None:
        spec = SERVICES[service]
        if service == "temporal":
            command = dev_server_command(
                db_file=self.folder / "temporal.db",
                port=self.ports["temporal"],
                ui_port=None,
                search_attributes=False,  # the namespace job registers them, as in compose
            )
            self.spawn(service, command, dict(os.environ))
        elif service == "temporal-namespace":
            # The job's script from the folder its volume mounts, run as its entrypoint does.
            local, mounted = spec["volumes"][0].split(":")[:2]
            script = spec["command"][0].replace(mounted, str(ROOT / local))
            self.run_job(service, [*spec["entrypoint"], script], self.environment(service))
        elif service in STAND_INS:
            return
        elif spec.get("restart") == "unless-stopped":
            self.spawn(service, self.command(service), self.environment(service))
        else:
            self.run_job(service, self.command(service), self.environment(service))

    def wait_ready(self, service: str) -> None:
        """Until the service's own healthcheck passes, or (without one) it says it is up."""
        process, log = self.running[service], self.log(service)
        check = SERVICES[service].get("healthcheck", {}).get("test")
        if check:
            probe = [self.localise("", arg) for arg in check[1:]]

            def healthy() -> bool:
                assert process.poll() is None, log.read_text()
                return subprocess.run(probe, capture_output=True).returncode == 0

            wait_for(healthy, f"{service} healthy")
            return
        said = {"worker": "worker polling task queue", "smtp": "SMTP intake listening"}[service]
        wait_for(lambda: process.poll() is not None or said in log.read_text(), service)
        assert process.poll() is None, log.read_text()

    def stop(self) -> dict[str, int]:
        for process in reversed(self.running.values()):
            process.send_signal(signal.SIGTERM)
        codes = {}
        for service, process in self.running.items():
            try:
                codes[service] = process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[service] = process.wait()
        return codes


def readme_command(what: str) -> tuple[str, list[str]]:
    """The README's first `docker compose exec SERVICE escalator WHAT ...`."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(rf"^docker compose exec (\S+) escalator ({what}[^#\n]*)", readme, re.M)
    assert found, f"the README shows how to run escalator {what}"
    return found[1], shlex.split(found[2])


@pytest.fixture
def topology(tmp_path: Path, postgres_server: str) -> Iterator[Topology]:
    with ExitStack() as stack:
        url = stack.enter_context(empty_postgres_database(postgres_server))
        relay_port, _mailbox = stack.enter_context(smtp_server())
        topology = Topology(tmp_path, url)
        topology.relay_port = relay_port
        try:
            yield topology
        finally:
            topology.stop()


@pytest.mark.postgresql
def test_compose_processes_take_a_case_count_it_and_log_json(topology: Topology) -> None:
    assert set(STAND_INS) <= set(SERVICES), "a stand-in for a service compose no longer has"
    for service in start_order():
        topology.start(service)
    assert set(topology.running) == {"temporal", "api", "worker", "smtp"}
    for service in ("api", "worker", "smtp"):  # the API is healthy once a worker polls
        topology.wait_ready(service)

    def escalator(what: str) -> str:
        service, argv = readme_command(what)
        made = subprocess.run(
            [sys.executable, "-m", "escalator", *argv],
            env=topology.environment(service),
            capture_output=True,
            text=True,
            check=True,
        )
        return made.stdout.strip()

    headers = {"Authorization": f"Bearer {escalator('apikey create')}"}
    # The engineer a case is assigned to, invited as the README shows.
    escalator("user create")
    engineer = readme_command("user create")[1][2]
    api = f"http://127.0.0.1:{topology.ports['api']}"
    worker_metrics = f"http://127.0.0.1:{topology.ports['metrics']}/metrics"
    assert httpx.get(f"{api}/readyz", timeout=10).status_code == 200
    api_before, worker_before = scrape(f"{api}/metrics"), scrape(worker_metrics)

    opened = httpx.post(f"{api}/cases", json=INTAKE, headers=headers, timeout=30)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["ticket_number"].startswith("ZSU-")
    assigned = httpx.post(
        f"{api}/cases/{case['id']}/assign", json={"engineer": engineer}, headers=headers, timeout=30
    )
    assert assigned.status_code == 200, assigned.text

    requests = "escalator_http_requests_total"
    api_after = scrape(f"{api}/metrics")

    def api_up(route: str, status: str) -> float:
        key = (requests, frozenset({("method", "POST"), ("route", route), ("status", status)}))
        return api_after.get(key, 0) - api_before.get(key, 0)

    assert api_up("/cases", "201") == 1
    assert api_up("/cases/{case_id}/assign", "200") == 1
    assert (
        sum(v for (name, _), v in api_after.items() if name == requests)
        - sum(v for (name, _), v in api_before.items() if name == requests)
        == 3
    )  # the two POSTs and the first scrape

    def counted(scraped: Scraped, name: str, **labels: str) -> float:
        """The sum of `name` over the series carrying `labels` (the SDK adds its own)."""
        wanted = set(labels.items())
        return sum(v for (n, have), v in scraped.items() if n == name and wanted <= have)

    def worker_up(name: str, **labels: str) -> float:
        now = scrape(worker_metrics)
        return counted(now, name, **labels) - counted(worker_before, name, **labels)

    steps = "escalator_steps_applied_total"
    wait_for(lambda: worker_up(steps, step="assign") >= 1, "the worker counts the step")
    assert worker_up("escalator_cases_opened_total", policy="zsupport") == 1
    assert worker_up(steps, policy="zsupport", step="assign") == 1
    assert worker_up(steps) == 1

    message = EmailMessage()
    message["From"], message["To"] = "Ada Admin <ada@acme.test>", "support@zsupport.example"
    message["Subject"], message["Message-ID"] = "Handsets dark", "<topology@acme.test>"
    message.set_content("a sentence the listener must not log")
    with smtplib.SMTP("127.0.0.1", topology.ports["smtp"], timeout=30) as relay:
        assert relay.send_message(message) == {}

    codes = topology.stop()
    # uvicorn shuts down cleanly, then re-raises the SIGTERM it caught (its exit code says so).
    assert (codes["api"], codes["worker"], codes["smtp"]) == (-signal.SIGTERM, 0, 0), codes
    lines = {
        service: read_json_lines(topology.log(service)) for service in ("api", "worker", "smtp")
    }
    assert any(line["event"].startswith("Finished server process") for line in lines["api"])
    created = [line for line in lines["api"] if line.get("route") == "/cases"]
    assert created and created[0]["status"] == 201 and created[0]["actor"] == "admin:ops"
    assert created[0]["case_id"] == case["id"] and created[0]["request_id"]
    assert any(line.get("case_id") == case["id"] for line in lines["worker"])
    assert any(line.get("workflow_id") == case["id"] for line in lines["worker"])
    inbound = [line for line in lines["smtp"] if line["logger"] == "escalator.smtp"]
    assert [line["outcome"] for line in inbound if "outcome" in line] == ["kept"]
    # The intake's own line about the same message carries the same request id.
    kept = [line for line in lines["smtp"] if line["logger"] == "escalator.intake.email"]
    assert kept and kept[0]["request_id"] == inbound[-1]["request_id"]
    assert "must not log" not in topology.log("smtp").read_text()


def read_json_lines(log: Path) -> list[dict[str, Any]]:
    """Every line of `log`, each of which must be one JSON object naming its process."""
    parsed = []
    for number, line in enumerate(log.read_text().splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            pytest.fail(f"{log.name}:{number} is not JSON: {line}")
        assert {"timestamp", "level", "event", "process"} <= entry.keys(), line
        parsed.append(entry)
    return parsed
