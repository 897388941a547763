"""Every route refuses path segments, query parameters and JSON strings that cannot be stored.

An app-wide dependency (api/app.py), so no route can forget it: a NUL or another
control character (models/input_text.py) is a 422 naming where it is, before the
route's own checks, instead of a 500 from the database or a case whose mail and
projection fail on every retry. Path segments and query parameters are single
lines; JSON strings may hold line breaks (a description), and their single-line
fields are refused by the request models' own types.
"""

from email.message import Message
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.problems import Problem
from models.input_text import refusal, refused_character, refused_strings


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this content type as JSON (it does without one)."""
    if not content_type:
        return True
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def _json_body(request: Request) -> Any:
    if not _is_json(request.headers.get("content-type")) or not await request.body():
        return None
    try:
        return await request.json()
    except ValueError:
        # Not JSON: the route answers that itself (a 422 naming the body).
        return None


def _query_parameters(request: Request) -> list[str]:
    """The query parameters the route reads (its own and its dependencies'); others it
    ignores, so they are not checked."""
    route = request.scope.get("route")
    return _declared(route.dependant) if isinstance(route, APIRoute) else []


def _declared(dependant: Dependant) -> list[str]:
    names = [param.alias for param in dependant.query_params]
    return names + [name for sub in dependant.dependencies for name in _declared(sub)]


async def refuse_unstorable_input(request: Request) -> None:
    errors: list[dict[str, Any]] = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and (char := refused_character(value, frozenset())):
            errors.append({"loc": ["path", name], "msg": refusal(char)})
    for name in dict.fromkeys(_query_parameters(request)):
        for value in request.query_params.getlist(name):
            if (char := refused_character(value, frozenset())) is not None:
                errors.append({"loc": ["query", name], "msg": refusal(char)})
                break
    for loc, msg in refused_strings(await _json_body(request), ("body",)):
        errors.append({"loc": loc, "msg": msg})
    if errors:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        raise Problem(422, detail, errors)
