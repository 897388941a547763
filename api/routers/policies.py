"""`/policies`: publish a policy file as a new version, and read published versions."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlmodel import Session

from api.auth import PublishesPolicies, actor_of, current_identity
from api.deps import SessionDep
from api.openapi import problem
from api.problems import PolicyProblemDetails, Problem
from escalator import policy_store
from models.policy.errors import PolicyError
from models.tables.core import PolicyVersionRow

router = APIRouter(
    prefix="/policies",
    tags=["policies"],
    dependencies=[Depends(current_identity)],
    responses={401: {"description": "No API key, or an unknown or revoked one"}},
)
NO_POLICY: dict[int | str, dict[str, str]] = {404: {"description": "No such policy or version"}}

# A policy is a few hundred lines; anything much larger is a mistake or an attack.
MAX_POLICY_BYTES = 1_000_000
YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
JSON_TYPES = {"application/json"}


class PublishedPolicy(BaseModel):
    name: str
    version: int
    published_at: datetime


class PolicyListItem(BaseModel):
    name: str
    latest_version: int
    published_at: datetime
    description: str


class PolicyVersion(BaseModel):
    name: str
    version: int
    # Every version of this policy, oldest first.
    versions: list[int]
    published_at: datetime
    published_by: str | None
    sha256: str
    description: str
    # The validated policy with holidays as explicit dates, as cases use it.
    body: dict[str, Any]
    # The file as published.
    source: str


_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A policy file (docs/policies.md), as YAML or JSON.",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


@router.post(
    "",
    status_code=201,
    response_model=PublishedPolicy,
    operation_id="publish_policy",
    openapi_extra=_BODY_DOC,
    responses={
        200: {
            "model": PublishedPolicy,
            "description": "Same text as the latest version, which is returned",
        },
        403: {"description": "Publishing needs the manager role"},
        413: {"description": "The file exceeds 1,000,000 bytes"},
        415: {"description": "Neither YAML nor JSON"},
        422: problem(
            "Not a valid policy: every error with its path in the file", PolicyProblemDetails
        ),
    },
)
async def publish_policy(
    request: Request,
    response: Response,
    identity: PublishesPolicies,
    session: SessionDep,
) -> PublishedPolicy:
    """Validate and store the next version (201); 200 with the latest if the text is unchanged."""
    text = await _policy_text(request)
    try:
        published = await run_in_threadpool(
            policy_store.publish_text, session, text, actor_of(identity)
        )
    except PolicyError as error:
        raise _invalid(error) from None
    if not published.created:
        response.status_code = 200
    row = published.row
    return PublishedPolicy(name=row.name, version=row.version, published_at=row.published_at)


@router.get("", response_model=list[PolicyListItem], operation_id="list_policies")
def list_policies(session: SessionDep) -> list[PolicyListItem]:
    return [
        PolicyListItem(
            name=s.name,
            latest_version=s.latest_version,
            published_at=s.published_at,
            description=s.description,
        )
        for s in policy_store.list_policies(session)
    ]


@router.get("/{name}", response_model=PolicyVersion, operation_id="get_policy", responses=NO_POLICY)
def latest_version(name: str, session: SessionDep) -> PolicyVersion:
    row = policy_store.latest(session, name)
    if row is None:
        raise Problem(404, f"no published policy named {name!r}")
    return _version(session, row)


@router.get(
    "/{name}/versions/{version}",
    response_model=PolicyVersion,
    operation_id="get_policy_version",
    responses=NO_POLICY,
)
def one_version(
    name: str,
    session: SessionDep,
    # Versions are numbered from 1; a number beyond any column's range is a 422, not a 500.
    version: int = Path(ge=1, le=2**31 - 1),
) -> PolicyVersion:
    row = policy_store.get(session, name, version)
    if row is None:
        raise Problem(404, f"policy {name!r} has no version {version}")
    return _version(session, row)


async def _policy_text(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and media_type not in YAML_TYPES | JSON_TYPES:
        raise Problem(
            415, f"send the policy as application/yaml or application/json, not {media_type}"
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_POLICY_BYTES:
        raise Problem(413, f"a policy file may not exceed {MAX_POLICY_BYTES} bytes")
    raw = await request.body()
    if len(raw) > MAX_POLICY_BYTES:
        raise Problem(413, f"a policy file may not exceed {MAX_POLICY_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(
            422, "the policy is not UTF-8 text", [{"loc": ["body"], "msg": "not UTF-8 text"}]
        ) from None
    if not text.strip():
        raise Problem(422, "the policy is empty", [{"loc": ["body"], "msg": "empty"}])
    return text


def _invalid(error: PolicyError) -> Problem:
    errors = [
        {"loc": ["body", *issue.loc], "path": issue.path, "msg": issue.message, "line": issue.line}
        for issue in error.issues
    ]
    count = len(errors)
    first = error.issues[0].render() if error.issues else "invalid policy"
    detail = f"{count} problem{'s' if count != 1 else ''} in the policy; first: {first}"
    return Problem(422, detail, errors)


def _version(session: Session, row: PolicyVersionRow) -> PolicyVersion:
    return PolicyVersion(
        name=row.name,
        version=row.version,
        versions=policy_store.versions(session, row.name),
        published_at=row.published_at,
        published_by=row.published_by,
        sha256=row.sha256,
        description=str(row.body.get("description") or ""),
        body=row.body,
        source=row.source,
    )
