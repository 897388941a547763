"""Errors as `application/problem+json` (RFC 9457), for every failure the API answers."""

import logging
from http import HTTPStatus
from typing import Annotated, Any, NotRequired

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field, with_config
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

# Pydantic reads TypedDicts of `typing` only from Python 3.12 on.
from typing_extensions import TypedDict

from escalator.cases import (
    CaseBusy,
    CaseError,
    CaseFinished,
    CaseNotFound,
    InvalidField,
    KeyReused,
    NotPermitted,
    StepRefused,
)
from escalator.credits import CreditError, CreditInvalid, CreditNotFound, CreditRefused
from escalator.infra.temporal_errors import unavailable_part
from escalator.registry import (
    CsvRowError,
    RegistryDuplicate,
    RegistryError,
    RegistryInUse,
    RegistryInvalid,
    RegistryNotFound,
)

log = logging.getLogger("escalator.api")

PROBLEM_JSON = "application/problem+json"


# What `problem_response` sends, as /openapi.json documents it (api/openapi.py); the status
# test validates every answer of a running server against these.
@with_config(ConfigDict(extra="forbid"))
class FieldError(TypedDict):
    """One wrong part of the request: where it is and what is wrong with it."""

    loc: Annotated[
        list[str | int],
        Field(description='Where: "body", "query", "path" or "header", then the field\'s path'),
    ]
    msg: str


@with_config(ConfigDict(extra="forbid"))
class ProblemDetails(TypedDict):
    """An error answer (RFC 9457), sent as `application/problem+json`."""

    type: Annotated[str, Field(description="`about:blank`: the status says what kind of error")]
    title: Annotated[str, Field(description="The status's reason phrase")]
    status: int
    detail: Annotated[str, Field(description="What is wrong, for a person to read")]
    errors: Annotated[
        list[FieldError], Field(description="Each wrong field; empty when no field is at fault")
    ]
    case_id: NotRequired[
        Annotated[
            str,
            Field(
                description="On a 503 of `POST /cases`: the case accepted and about to open "
                "(read it at /cases/{case_id}, or retry with the same Idempotency-Key)"
            ),
        ]
    ]


@with_config(ConfigDict(extra="forbid"))
class PolicyIssue(TypedDict):
    """One error of a policy file, with its place in the file when the file could be read."""

    loc: list[str | int]
    msg: str
    path: NotRequired[Annotated[str, Field(description="The dotted path in the file")]]
    line: NotRequired[Annotated[int | None, Field(description="1-based, when known")]]


@with_config(ConfigDict(extra="forbid"))
class PolicyProblemDetails(TypedDict):
    """`POST /policies`' 422: every error of the policy file."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[PolicyIssue]


class Problem(Exception):
    """Raise to answer with a problem document; `errors` names each wrong field."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        # e.g. `WWW-Authenticate` on a 401, which RFC 9110 requires.
        self.headers = headers or {}
        # RFC 9457 extension members, e.g. the `case_id` of a case accepted but not yet open.
        self.extra: dict[str, str] = {}


# Seconds a client should wait before retrying a 503.
RETRY_AFTER = "5"


def unavailable(detail: str) -> Problem:
    """503: nothing the client sent is wrong; it may retry (with the same Idempotency-Key)."""
    return Problem(503, detail, headers={"Retry-After": RETRY_AFTER})


def field_problem(loc: list[str | int], msg: str, status: int = 422) -> Problem:
    """A problem about one field of the request."""
    return Problem(status, f"{'.'.join(map(str, loc))}: {msg}", [{"loc": loc, "msg": msg}])


def problem_response(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, str] | None = None,
) -> JSONResponse:
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body["errors"] = errors or []
    body |= extra or {}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


# The status of each refusal of the case service: the one place the API decides them.
CASE_ERROR_STATUS: dict[type[CaseError], int] = {
    InvalidField: 422,
    NotPermitted: 403,
    CaseNotFound: 404,
    StepRefused: 409,
    KeyReused: 409,
    CaseFinished: 409,
    CaseBusy: 503,
}


def case_problem(error: CaseError) -> Problem:
    """The problem document of a refusal of the case service."""
    status = next(CASE_ERROR_STATUS[k] for k in type(error).__mro__ if k in CASE_ERROR_STATUS)
    if isinstance(error, CaseBusy):
        problem = unavailable(error.detail)
        if error.accepted_case_id is not None:
            problem.extra = {"case_id": error.accepted_case_id}
        return problem
    if error.loc is not None:
        return field_problem(error.loc, error.msg, status)
    return Problem(status, error.detail)


# The status of each refusal of the registry service (escalator/registry/errors.py).
REGISTRY_ERROR_STATUS: dict[type[RegistryError], int] = {
    RegistryInvalid: 422,
    RegistryNotFound: 404,
    RegistryDuplicate: 409,
    RegistryInUse: 409,
}


def registry_problem(error: RegistryError) -> Problem:
    """The problem document of a refusal of the registry service. The fields it names are
    the request body's (an organisation, system or coverage the path names is a 404)."""
    status = next(
        REGISTRY_ERROR_STATUS[k] for k in type(error).__mro__ if k in REGISTRY_ERROR_STATUS
    )
    if not error.loc or status == 404:
        return Problem(status, error.detail)
    loc: list[str | int] = ["body", *error.loc]
    if isinstance(error, CsvRowError):
        # "line 4, column email: ...": the file's own words for where.
        return Problem(status, error.detail, [{"loc": loc, "msg": error.msg}])
    return field_problem(loc, error.msg, status)


# The status of each refusal of the credit service (escalator/credits/errors.py).
CREDIT_ERROR_STATUS: dict[type[CreditError], int] = {
    CreditInvalid: 422,
    CreditNotFound: 404,
    CreditRefused: 409,
}


def credit_problem(error: CreditError) -> Problem:
    """The problem document of a refusal of the credit service; a field it names is the
    request body's (a decline's `reason`) or the query's (`month`)."""
    status = next(CREDIT_ERROR_STATUS[k] for k in type(error).__mro__ if k in CREDIT_ERROR_STATUS)
    if not error.loc:
        return Problem(status, error.detail)
    part = "query" if error.loc[0] == "month" else "body"
    return field_problem([part, *error.loc], error.msg, status)


# What FastAPI raises (as a 400) when a body cannot even be decoded.
FASTAPI_UNPARSEABLE_BODY = "There was an error parsing the body"

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this request's path."""

    def answers(method: str) -> bool:
        scope = {**request.scope, "method": method}
        return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)

    return [method for method in _METHODS if answers(method)]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(exc.status, exc.detail, exc.errors, exc.extra)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(CaseError)
    async def _case_error(request: Request, exc: CaseError) -> JSONResponse:
        return await _problem(request, case_problem(exc))

    @app.exception_handler(RegistryError)
    async def _registry_error(request: Request, exc: RegistryError) -> JSONResponse:
        return await _problem(request, registry_problem(exc))

    @app.exception_handler(CreditError)
    async def _credit_error(request: Request, exc: CreditError) -> JSONResponse:
        return await _problem(request, credit_problem(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", "invalid")}
            for error in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        return problem_response(422, detail or "the request is not valid", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(exc.headers or {})
        if exc.status_code == 404 and detail == "Not Found":
            detail = "no such resource"
        if exc.status_code == 400 and detail == FASTAPI_UNPARSEABLE_BODY:
            # A body that is not text (e.g. bad UTF-8) is as malformed as bad JSON: 422.
            msg = "could not be read as the declared content type (e.g. it is not UTF-8 text)"
            return problem_response(422, f"body: {msg}", [{"loc": ["body"], "msg": msg}])
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            # Starlette's Allow names only the first route of the path (GET /cases hides POST).
            headers["Allow"] = ", ".join(allowed)
            detail = f"{request.method} is not allowed here; use {' or '.join(allowed)}"
        response = problem_response(exc.status_code, detail)
        response.headers.update(headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        down = unavailable_part(exc)
        if down is not None:
            # Nothing the client sent is wrong: say what is down and when to try again.
            log.warning("%s unavailable on %s %s: %s", down, request.method, request.url, exc)
            return await _problem(request, unavailable(f"{down} is unavailable; retry shortly"))
        # A bug of ours: log it with its trace, answer without one.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "internal error; it has been logged")
