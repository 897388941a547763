"""docker-compose.yml is checked without a Docker engine: shape, references and settings."""

from pathlib import Path
from typing import Any

import jsonschema
import yaml

from escalator.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

_STRING_LIST = {"type": "array", "items": {"type": "string"}}
_HEALTHCHECK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["test"],
    "properties": {
        "test": _STRING_LIST,
        "interval": {"type": "string", "pattern": r"^\d+s$"},
        "timeout": {"type": "string", "pattern": r"^\d+s$"},
        "retries": {"type": "integer", "minimum": 1},
    },
}
# The part of the Compose specification this file uses, with unknown keys refused,
# so a typo such as `enviroment:` or `depend_on:` fails here instead of in production.
COMPOSE_SUBSET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["services"],
    "properties": {
        "name": {"type": "string"},
        "volumes": {"type": "object"},
        "services": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "oneOf": [{"required": ["image"]}, {"required": ["build"]}],
                "properties": {
                    "image": {"type": "string", "pattern": r"^[\w./-]+:[\w.-]+$"},
                    "build": {"type": "string"},
                    "command": _STRING_LIST,
                    "environment": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                    },
                    "ports": {
                        "type": "array",
                        "items": {"type": "string", "pattern": r"^127\.0\.0\.1:\d+:\d+$"},
                    },
                    "volumes": _STRING_LIST,
                    "depends_on": {
                        "oneOf": [
                            _STRING_LIST,
                            {
                                "type": "object",
                                "additionalProperties": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "condition": {
                                            "enum": [
                                                "service_started",
                                                "service_healthy",
                                                "service_completed_successfully",
                                            ]
                                        }
                                    },
                                },
                            },
                        ]
                    },
                    "healthcheck": _HEALTHCHECK,
                },
            },
        },
    },
}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_file_matches_the_schema() -> None:
    jsonschema.validate(compose(), COMPOSE_SUBSET_SCHEMA)


def test_services_reference_each_other_and_the_dockerfile() -> None:
    services = compose()["services"]
    assert {"temporal", "temporal-ui", "db", "api", "worker", "mail"} <= set(services)
    for name, service in services.items():
        depends = service.get("depends_on", {})
        for target in depends:
            assert target in services, f"{name} depends on unknown service {target}"
            if isinstance(depends, dict) and depends[target]["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{target} has no healthcheck"
        if "build" in service:
            assert (ROOT / service["build"] / "Dockerfile").exists()
    for name in ("api", "worker"):
        assert services[name]["command"][:2] == ["escalator", name]


def test_escalator_environment_uses_only_settings_the_code_reads() -> None:
    services = compose()["services"]
    known = {f"ESCALATOR_{field.upper()}" for field in Settings.model_fields}
    for name in ("api", "worker"):
        environment = services[name]["environment"]
        escalator_keys = {key for key in environment if key.startswith("ESCALATOR_")}
        assert escalator_keys <= known, escalator_keys - known
        # Each value must also parse as the setting's type.
        settings = Settings(
            **{key[len("ESCALATOR_") :].lower(): v for key, v in environment.items()}
        )
        assert settings.database_url.startswith("postgresql://")
        assert settings.temporal_address == "temporal:7233"
        assert settings.smtp_host == "mail"


def test_dockerfile_copies_every_package_the_image_imports() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for folder in ("escalator", "workflows", "activities", "api", "models", "policies"):
        assert f"COPY {folder} {folder}" in dockerfile
    assert "worker.py" in dockerfile
