"""API.md (docs/api.md, the public contract) and the app's /openapi.json agree."""

import re
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from escalator.infra.settings import Settings
from models.case.steps import STEP_BODIES

API_MD = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
# "| `GET /cases/{case_id}` | ..." and "| `GET /policies`, `GET /policies/{name}`, ... |"
ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)")

# Their 503 names the parts that are down, for monitors, rather than a problem document.
PROBES = {"/healthz", "/readyz"}


def _endpoints() -> set[tuple[str, str]]:
    table = API_MD.split("## HTTP API", 1)[1].split("Steps (`POST", 1)[0]
    found = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            cell = line.split("|")[1]
            found |= {(method, path) for method, path in ROUTE.findall(cell)}
    # The step template is one route per step: the steps test checks those.
    return {(method, path) for method, path in found if not path.endswith("/{step}")}


def _steps() -> dict[str, list[str]]:
    """Each step named in API.md, with the fields its body lists ("?" marks optional)."""
    text = API_MD.split("Steps (`POST /cases/{case_id}/{step}`):", 1)[1].split("\n\n", 1)[0]
    steps = {}
    for name, body in re.findall(r"`([a-z-]+)`\s*(`\{[^}]*\}`)?", " ".join(text.split())):
        steps[name] = [f.strip() for f in body.strip("`{}").split(",") if f.strip()]
    return steps


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    spec: dict[str, Any] = create_app(Settings()).openapi()
    return spec


def test_every_endpoint_of_api_md_is_in_openapi(openapi: dict[str, Any]) -> None:
    endpoints = _endpoints()
    assert len(endpoints) == 50, endpoints
    # Parameter names may differ ({v} in API.md, {version} in the app): compare the shapes.
    documented = {
        (method.lower(), _shape(path)) for path, item in openapi["paths"].items() for method in item
    }
    missing = [
        f"{method} {path}"
        for method, path in sorted(endpoints)
        if (method.lower(), _shape(path)) not in documented
    ]
    assert missing == []


def test_every_step_of_api_md_is_a_route_with_the_body_it_names(openapi: dict[str, Any]) -> None:
    steps = _steps()
    assert set(steps) == set(STEP_BODIES), set(steps) ^ set(STEP_BODIES)
    schemas = openapi["components"]["schemas"]
    for name, fields in steps.items():
        operation = openapi["paths"][f"/cases/{{case_id}}/{name}"]["post"]
        assert "200" in operation["responses"] and "409" in operation["responses"], name
        content = operation.get("requestBody", {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {})
        ref = ref.get("$ref") or next(
            (s["$ref"] for s in ref.get("anyOf", []) if "$ref" in s), None
        )
        properties = schemas[ref.rsplit("/", 1)[1]] if ref else {"properties": {}}
        required = set(properties.get("required", []))
        named = {f.rstrip("?") for f in fields}
        # API.md may be extended: every field it names is there; any other is optional.
        assert named <= set(properties["properties"]), name
        assert required - named == set(), name
        assert required == {f for f in fields if not f.endswith("?")} - _defaulted(name), name
        assert "actor" not in properties["properties"], name


def _defaulted(step: str) -> set[str]:
    """Fields API.md lists without "?" that the body still defaults (e.g. `fields`)."""
    body = STEP_BODIES[step]
    return {n for n, f in body.model_fields.items() if not f.is_required()}


def test_intake_and_listing_parameters(openapi: dict[str, Any]) -> None:
    listing = {p["name"] for p in openapi["paths"]["/cases"]["get"]["parameters"]}
    assert {
        "status",
        "severity",
        "org",
        "policy",
        "tier",
        "assignee",
        "breached",
        "q",
        "limit",
        "cursor",
    } <= listing
    email = openapi["paths"]["/intake/email"]["post"]
    assert "message/rfc822" in email["requestBody"]["content"]
    assert {"200", "201"} <= set(email["responses"])


def _operation_ids() -> dict[tuple[str, str], str]:
    """API.md's operation ids by (method, path), the step row expanded to every step."""
    table = API_MD.split("| operation id | method and path |", 1)[1].split("\n\n", 1)[0]
    ids = {}
    for line in table.splitlines()[2:]:
        name, route = (re.findall(r"`([^`]+)`", cell)[0] for cell in line.split("|")[1:3])
        method, path = route.split(" ", 1)
        if "{step}" in path:
            for step in STEP_BODIES:
                ids[method, path.replace("{step}", step)] = name.replace(
                    "{step}", step.replace("-", "_")
                )
        else:
            ids[method, path] = name
    return ids


def test_operation_ids_are_readable_and_those_api_md_lists(openapi: dict[str, Any]) -> None:
    served = {
        (method.upper(), path): operation["operationId"]
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    }
    assert served == _operation_ids()
    # Verbs and nouns, never FastAPI's path-and-method suffix (`open_case_cases_post`).
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)+", name) for name in served.values()), served
    assert len(set(served.values())) == len(served)


def test_every_answer_is_documented_with_its_schema_and_headers(openapi: dict[str, Any]) -> None:
    """Errors as problem documents (a probe's 503 is its parts), 401 with its challenge,
    503 with `Retry-After`; FastAPI's HTTPValidationError (a list as `detail`) is never sent."""
    wrong = []
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                where = f"{method.upper()} {path} {status}"
                content = response.get("content", {})
                if not content or any(not media.get("schema") for media in content.values()):
                    wrong.append(f"{where}: no schema")
                problem = int(status) >= 400 and path not in PROBES
                if problem and set(content) != {"application/problem+json"}:
                    wrong.append(f"{where}: {sorted(content)}, not application/problem+json")
                header = {"401": "WWW-Authenticate", "503": "Retry-After"}.get(status)
                if header and not response.get("headers", {}).get(header, {}).get("required"):
                    wrong.append(f"{where}: no {header} header")
    assert wrong == []
    assert "HTTPValidationError" not in str(openapi)
    problem = openapi["components"]["schemas"]["ProblemDetails"]["properties"]
    assert problem["detail"]["type"] == "string"
