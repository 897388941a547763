"""Bearer API keys, roles and organisation isolation.

Every request but `/healthz` and the docs carries `Authorization: Bearer TOKEN`.
A token is issued once by `escalator apikey create`; the database keeps only its
SHA-256, so a leaked database reveals no usable token (the token has 256 random
bits, so an unsalted fast hash is not guessable).

Roles (API.md): a partner reads and acts on its own organisation's cases only
(another organisation's case answers 404, never 403); an engineer works cases;
a manager reads cases and publishes policies; an auditor reads everything and
changes nothing; an admin may do anything.
"""

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal, get_args

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.deps import get_engine
from api.problems import Problem
from escalator.cases import Visible, may_see
from escalator.infra.logs import bind
from escalator.registry import visible_orgs
from models.tables.core import API_KEY_ROLES, ApiKeyRow

Role = Literal["partner", "engineer", "manager", "auditor", "admin"]
assert get_args(Role) == API_KEY_ROLES, "the table's role check and this type must agree"

TOKEN_START = "esc_"
# How much of a token `escalator apikey list` shows: "esc_" and 8 of its ~43 random characters.
PREFIX_LENGTH = 12

bearer = HTTPBearer(
    scheme_name="bearer",
    description="An API key from `escalator apikey create`, as `Authorization: Bearer TOKEN`.",
    auto_error=False,
)


@dataclass(frozen=True)
class Identity:
    """Who is calling: the API key's id (or the portal account's) and name, its role, and the
    partner's organisation."""

    key_id: int | None
    name: str
    role: Role
    org: str | None
    account_id: int | None = None
    # The clients a partner acts for (the registry's partner links), read as it signs in.
    clients: frozenset[str] = frozenset()

    @property
    def scope(self) -> str:
        """Whose idempotency keys this caller's are: its organisation's, or staff's."""
        return self.org if self.role == "partner" and self.org else "staff"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_key(
    session: Session, role: Role, name: str, org: str | None = None
) -> tuple[ApiKeyRow, str]:
    """Store a new key and return it with its token; the token is not kept anywhere."""
    if role == "partner" and not org:
        raise ValueError("a partner key needs an organisation (--org)")
    if role != "partner" and org:
        raise ValueError(f"only partner keys belong to an organisation; a {role} sees all")
    token = TOKEN_START + secrets.token_urlsafe(32)
    row = ApiKeyRow(
        name=name,
        role=role,
        org=org if role == "partner" else None,
        prefix=token[:PREFIX_LENGTH],
        token_sha256=hash_token(token),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, token


def identity_for_token(session: Session, token: str) -> Identity | None:
    """The identity of a live key, or None for an unknown or revoked token."""
    row = session.exec(select(ApiKeyRow).where(ApiKeyRow.token_sha256 == hash_token(token))).first()
    if row is None or row.revoked_at is not None or row.id is None:
        return None
    role: Role = row.role  # type: ignore[assignment]  # the table's check constraint holds it to Role
    return Identity(
        key_id=row.id, name=row.name, role=role, org=row.org, clients=clients_of(session, row.org)
    )


def clients_of(session: Session, org: str | None) -> frozenset[str]:
    """The clients the partner organisation `org` acts for (none for staff)."""
    return frozenset(visible_orgs(session, org)) - {org} if org else frozenset()


def _unauthorized(detail: str, error: str | None = None) -> Problem:
    # RFC 6750: the challenge names the scheme, and why a token was refused when one was sent.
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return Problem(401, detail, headers={"WWW-Authenticate": challenge})


def current_identity(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    engine: Engine = Depends(get_engine),
) -> Identity:
    """The caller, from its bearer token; 401 when there is none or it is unknown or revoked.

    A plain function: FastAPI runs it in a thread, so the lookup never blocks the event loop.
    """
    if credentials is None:
        raise _unauthorized("send an API key as 'Authorization: Bearer TOKEN'")
    with Session(engine) as session:
        identity = identity_for_token(session, credentials.credentials)
    if identity is None:
        raise _unauthorized("the API key is unknown or has been revoked", "invalid_token")
    bind(actor=actor_of(identity))
    return identity


def require_roles(*roles: Role, action: str) -> Callable[..., Awaitable[Identity]]:
    """A dependency admitting `roles` (and admin), refusing others with 403 naming what is needed.

    `action` completes the refusal: "publishing policies" -> "publishing policies needs
    the manager role".
    """
    allowed = {*roles, "admin"}
    needed = " or ".join(roles)

    async def dependency(identity: Identity = Depends(current_identity)) -> Identity:
        if identity.role in allowed:
            return identity
        if identity.role == "auditor":
            raise Problem(403, "auditors read everything and change nothing")
        raise Problem(403, f"{action} needs the {needed} role")

    return dependency


# The role checks the routers use; reading cases needs only `current_identity`.
opens_cases = require_roles("partner", "engineer", action="opening cases")
# Partners act on their own organisation's cases only; check with `can_see` first.
changes_cases = require_roles("partner", "engineer", action="changing cases")
works_cases = require_roles("engineer", action="this step")
publishes_policies = require_roles("manager", action="publishing policies")
reads_histories = require_roles("auditor", action="reading event histories")
manages_registry = require_roles("manager", action="changing the client registry")
# A partner asks for its organisation's credits (check what it sees first); managers decide.
requests_credits = require_roles("partner", "engineer", action="requesting a credit")
decides_credits = require_roles("manager", action="approving or declining credits")

# The same, as parameter types: `identity: OpensCases`.
IdentityDep = Annotated[Identity, Depends(current_identity)]
OpensCases = Annotated[Identity, Depends(opens_cases)]
ChangesCases = Annotated[Identity, Depends(changes_cases)]
WorksCases = Annotated[Identity, Depends(works_cases)]
PublishesPolicies = Annotated[Identity, Depends(publishes_policies)]
ReadsHistories = Annotated[Identity, Depends(reads_histories)]
ManagesRegistry = Annotated[Identity, Depends(manages_registry)]
RequestsCredits = Annotated[Identity, Depends(requests_credits)]
DecidesCredits = Annotated[Identity, Depends(decides_credits)]


def visible(identity: Identity) -> Visible:
    """The organisations this caller may see (a partner's own and the clients it acts for),
    or None when it sees every organisation."""
    if identity.role != "partner" or identity.org is None:
        return None
    return frozenset({identity.org, *identity.clients})


def can_see(identity: Identity, org: str) -> bool:
    """May this caller see (and, role permitting, act on) cases of `org`?"""
    return may_see(visible(identity), org)


def actor_of(identity: Identity) -> str:
    """How the caller appears in a case's timeline: "role:name", e.g. "engineer:ada"."""
    return f"{identity.role}:{identity.name}"
