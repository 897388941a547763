"""docker-compose.yml is checked without a Docker engine: against the official Compose
specification schema, then for what the schema cannot know (references, versions, settings)."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from escalator.infra.settings import Settings
from escalator.infra.temporal_server import temporal_cli
from models.case.search_attributes import as_cli_pairs

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ESCALATOR_SERVICES = ("escalator-setup", "api", "worker", "smtp")
LONG_RUNNING = ("temporal-db", "temporal", "temporal-ui", "db", "mail", "api", "worker", "smtp")
ONE_SHOT = ("temporal-schema", "temporal-namespace", "escalator-setup")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def check_against_the_specification(path: Path) -> subprocess.CompletedProcess[str]:
    # check-jsonschema ships the Compose specification's schema (no download).
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]
    return subprocess.run([*command, str(path)], capture_output=True, text=True)


def test_compose_file_matches_the_official_compose_specification() -> None:
    checked = check_against_the_specification(COMPOSE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_official_schema_refuses_a_typo(tmp_path: Path) -> None:
    # The check above can fail: a misspelt key is refused by the same schema.
    broken = COMPOSE.read_text().replace("    depends_on: *escalator-ready", "    depend_on: []", 1)
    path = tmp_path / "compose-typo.yml"
    path.write_text(broken)
    checked = check_against_the_specification(path)
    assert checked.returncode == 1
    assert "depend_on" in checked.stdout


def test_services_reference_each_other_the_dockerfile_and_the_deploy_scripts() -> None:
    found = services()
    for name, service in found.items():
        depends = service.get("depends_on", {})
        for target in depends:
            assert target in found, f"{name} depends on unknown service {target}"
            condition = depends[target]["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in found[target], f"{target} has no healthcheck"
            if condition == "service_completed_successfully":
                assert target in ONE_SHOT, f"{target} never completes"
        if "build" in service:
            assert (ROOT / service["build"] / "Dockerfile").exists()
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_dir(), volume
        if service.get("entrypoint") == ["/bin/sh"]:
            script = service["command"][0].replace("/deploy/", "deploy/temporal/")
            assert (ROOT / script).is_file(), script
    for name in ESCALATOR_SERVICES:
        assert found[name]["command"][0] == "escalator"
    assert found["worker"]["command"] == ["escalator", "worker"]
    assert found["smtp"]["command"] == ["escalator", "smtp"]
    assert found["escalator-setup"]["command"] == ["escalator", "setup"]
    # `--scale worker=N` needs a worker with no fixed name and no published port.
    assert "container_name" not in found["worker"] and "ports" not in found["worker"]


def test_long_running_services_restart_and_one_shot_jobs_do_not_loop() -> None:
    found = services()
    assert set(LONG_RUNNING) | set(ONE_SHOT) == set(found)
    for name in LONG_RUNNING:
        assert found[name]["restart"] == "unless-stopped", name
    for name in ONE_SHOT:
        assert re.fullmatch(r"on-failure:\d+", found[name]["restart"]), name


def test_escalator_waits_for_the_namespace_and_the_read_model() -> None:
    found = services()
    for name in ("api", "worker", "smtp"):
        depends = found[name]["depends_on"]
        assert depends["temporal-namespace"]["condition"] == "service_completed_successfully"
        assert depends["escalator-setup"]["condition"] == "service_completed_successfully"
    assert found["temporal-namespace"]["depends_on"]["temporal"]["condition"] == "service_healthy"
    assert found["temporal"]["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )


def test_temporal_images_are_the_versions_the_tests_run() -> None:
    # `temporal --version`: "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)".
    version = subprocess.run(
        [temporal_cli(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"Server (\d+\.\d+\.\d+), UI (\d+\.\d+\.\d+)", version)
    assert match, version
    server, ui = match.groups()
    found = services()
    assert found["temporal"]["image"] == f"temporalio/server:{server}"
    assert found["temporal-schema"]["image"] == f"temporalio/admin-tools:{server}"
    assert found["temporal-namespace"]["image"] == f"temporalio/admin-tools:{server}"
    assert found["temporal-ui"]["image"] == f"temporalio/ui:{ui}"
    for name in ("temporal-db", "db"):
        major = int(found[name]["image"].removeprefix("postgres:"))
        assert major >= 16


def test_the_namespace_job_registers_every_case_search_attribute() -> None:
    environment = services()["temporal-namespace"]["environment"]
    assert environment["SEARCH_ATTRIBUTES"].split() == as_cli_pairs().split()


def test_escalator_environment_uses_only_settings_the_code_reads() -> None:
    known = {f"ESCALATOR_{field.upper()}" for field in Settings.model_fields}
    for name in ESCALATOR_SERVICES:
        environment = services()[name]["environment"]
        assert set(environment) <= known, set(environment) - known
        # Each value must also parse as the setting's type.
        settings = Settings(
            **{key[len("ESCALATOR_") :].lower(): v for key, v in environment.items()}
        )
        assert settings.database_url.startswith("postgresql://")
        assert settings.temporal_address == "temporal:7233"
        assert settings.smtp_host == "mail"


def test_image_installs_dependencies_before_the_code_and_leaves_out_local_state() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.index("['project']['dependencies']") < dockerfile.index("COPY escalator")
    for folder in ("escalator", "workflows", "activities", "api", "models"):
        assert f"COPY {folder} {folder}" in dockerfile
    assert "pip install --no-deps ." in dockerfile  # a plain install, not editable
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git"} <= set(ignored)
