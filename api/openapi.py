"""`/openapi.json` as the API answers: each operation documents the statuses it can give,
and each answer's body and headers as they are sent.

- FastAPI documents a 422 on every operation that has a parameter or a body: even a
  free-text path segment (`/cases/{case_id}`) refuses a control character
  (api/input_checks.py). An operation with neither has nothing that can fail
  validation; every documented status is one a request can reach
  (tests/api/test_documented_statuses.py reaches each).
- Every answer of 400 or more is a problem document (api/problems.py). So an error a
  route declares with a description only is documented here as `application/problem+json`
  with `ProblemDetails`, and so is FastAPI's own 422 (its `HTTPValidationError`, with a
  list as `detail`, is never sent). A route whose error says more declares it with
  `problem(...)` (POST /policies' 422), one answering something else its own content
  (GET /healthz's 503).
- A route that answers whatever is down (GET /livez) says so with `ANSWERS_WHILE_DOWN`,
  and its app-wide 503 is left out.
- A free-text string documents the `pattern` it is held to (api/input_checks.py): no
  control character in a path segment or query parameter, none but line breaks in a
  JSON string.
- Headers every answer of a status carries: `WWW-Authenticate` on 401, `Retry-After` on 503.
- Operation ids are readable (`operation_id`; docs/api.md lists them).
"""

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from api.problems import PROBLEM_JSON, PolicyProblemDetails, ProblemDetails
from models.input_text import MULTI_LINE_PATTERN, SINGLE_LINE_PATTERN

REF = "#/components/schemas/"
# Every schema a problem answer may be documented with.
PROBLEM_SCHEMAS: tuple[type, ...] = (ProblemDetails, PolicyProblemDetails)

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Temporal or the database is unavailable (the detail says which); "
        "retry after `Retry-After` seconds"
    }
}
# `openapi_extra` of a route that never answers 503 (it depends on nothing).
ANSWERS_WHILE_DOWN = {"x-answers-while-down": True}
# FastAPI's automatic 422 and the schemas only it refers to.
_FASTAPI_422 = {"application/json": {"schema": {"$ref": f"{REF}HTTPValidationError"}}}
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")

HEADERS: dict[str, dict[str, dict[str, Any]]] = {
    "401": {
        "WWW-Authenticate": {
            "description": "The bearer challenge (RFC 6750): `Bearer`, or "
            '`Bearer error="invalid_token"` when the key sent is unknown or revoked',
            "required": True,
            "schema": {"type": "string"},
        }
    },
    "503": {
        "Retry-After": {
            "description": "Seconds to wait before asking again",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


def problem(description: str, schema: type = ProblemDetails) -> dict[str, Any]:
    """A route's error response whose problem document has `schema` (one of PROBLEM_SCHEMAS)."""
    assert schema in PROBLEM_SCHEMAS, schema
    return {"description": description, "content": _problem_content(schema)}


def _problem_content(schema: type) -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": f"{REF}{schema.__name__}"}}}


def operation_id(route: APIRoute) -> str:
    """A route's operation id: its name (set `operation_id=` where the name would not do), not
    FastAPI's `open_case_cases_post`: generated clients name their functions after it."""
    return route.name


def can_fail_validation(operation: dict[str, Any]) -> bool:
    """Has the operation a body or a parameter? Even a bare string path segment is checked
    for control characters (api/input_checks.py)."""
    return "requestBody" in operation or bool(operation.get("parameters"))


def _document_errors(operation: dict[str, Any]) -> None:
    """The operation's error answers as they are sent: problem documents, with their headers."""
    responses: dict[str, dict[str, Any]] = operation["responses"]
    if operation.pop("x-answers-while-down", False):
        responses.pop("503", None)
    if not can_fail_validation(operation):
        responses.pop("422", None)
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        if response.get("content") == _FASTAPI_422:
            response["description"] = "The request is malformed: `errors` names each wrong field"
            del response["content"]
        response.setdefault("content", _problem_content(ProblemDetails))
        if status in HEADERS:
            response["headers"] = {**response.get("headers", {}), **HEADERS[status]}


def _document_single_lines(operation: dict[str, Any]) -> None:
    """Each free-text path segment and query parameter documents that it is one line."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] not in ("path", "query"):
            continue
        schema = parameter.get("schema", {})
        for option in [schema, *schema.get("anyOf", [])]:
            if option.get("type") == "string" and "format" not in option:
                option.setdefault("pattern", SINGLE_LINE_PATTERN)


def _document_text(schema: Any) -> None:
    """Every free-text string of a JSON schema documents the control characters a JSON
    body may not hold (api/input_checks.py): line breaks only; a single-line field says
    so itself (models/input_text.py)."""
    if isinstance(schema, list):
        for item in schema:
            _document_text(item)
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and not {"format", "enum", "const"} & set(schema):
        schema.setdefault("pattern", MULTI_LINE_PATTERN)
    for key in ("properties", "$defs"):
        for item in (schema.get(key) or {}).values():
            _document_text(item)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
        _document_text(schema.get(key))


def _problem_schemas() -> dict[str, Any]:
    """The problem schemas, and those they refer to, as components."""
    schemas: dict[str, Any] = {}
    for schema in PROBLEM_SCHEMAS:
        document = TypeAdapter(schema).json_schema(ref_template=REF + "{model}")
        schemas.update(document.pop("$defs", {}))
        schemas[schema.__name__] = document
    return schemas


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's schema (it caches it), telling the truth about every error answer."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for item in schema["paths"].values():
            for operation in item.values():
                _document_errors(operation)
                _document_single_lines(operation)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in _FASTAPI_SCHEMAS:
            components.pop(name, None)
        components.update(_problem_schemas())
        for component in components.values():
            _document_text(component)
        schema["components"]["schemas"] = dict(sorted(components.items()))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
