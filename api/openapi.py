"""`/openapi.json` as the API answers: each operation documents the statuses it can give.

FastAPI documents a 422 on every operation that has a parameter. One whose only
parameters are free-text path segments (`/cases/{case_id}`) has nothing that can
fail validation, so its 422 is left out; every other documented status is one a
request can reach (tests/api/test_documented_statuses.py reaches each).
"""

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Temporal or the database is unavailable (the detail says which); "
        "retry after `Retry-After` seconds"
    }
}
# What a path parameter's schema may say and still accept any text.
_FREE_TEXT = {"type", "title", "description"}


def operation_id(route: APIRoute) -> str:
    """A route's operation id: its name (set `operation_id=` where the name would not do), not
    FastAPI's `open_case_cases_post`: generated clients name their functions after it."""
    return route.name


def can_fail_validation(operation: dict[str, Any]) -> bool:
    """Has the operation a body, a query, header or cookie parameter, or a typed or
    constrained path parameter? A bare string path segment accepts whatever the URL carries."""
    if "requestBody" in operation:
        return True
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter["in"] != "path" or schema.get("type") != "string" or set(schema) - _FREE_TEXT:
            return True
    return False


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's schema (it caches it) without the 422s no request can reach."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for item in schema["paths"].values():
            for operation in item.values():
                if not can_fail_validation(operation):
                    operation["responses"].pop("422", None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
