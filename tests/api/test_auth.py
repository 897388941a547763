"""Bearer API keys and the role matrix of API.md, over HTTP."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from api.auth import (
    Identity,
    Role,
    actor_of,
    changes_cases,
    issue_api_key,
    publishes_policies,
    reads_histories,
    works_cases,
)
from api.problems import install_problem_handlers
from escalator.infra.db import engine_from_url
from models.tables.core import ApiKeyRow
from tests.api.conftest import TokenFactory
from tests.api.test_cases_api import POLICY, intake
from tests.policies import store_policy_version

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    return body


async def test_requests_without_a_key_are_401(api: httpx.AsyncClient) -> None:
    requests = [
        api.get("/cases"),
        api.get("/cases/case-0123456789abcdef0123"),
        api.post("/cases", json=intake()),
    ]
    for request in requests:
        response = await request
        problem = assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
        assert "Authorization: Bearer" in str(problem["detail"])


async def test_unknown_malformed_and_revoked_keys_are_401(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    with Session(engine) as session:
        row, token = issue_api_key(session, "engineer", "leaver")
    assert (
        await api.get("/cases", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200

    with Session(engine) as session:
        stored = session.get(ApiKeyRow, row.id)
        assert stored is not None
        stored.revoked_at = datetime.now(UTC)
        session.add(stored)
        session.commit()

    for authorization in (f"Bearer {token}", "Bearer esc_guessed", f"Basic {token}", "Bearer"):
        response = await api.get("/cases", headers={"Authorization": authorization})
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
    revoked = await api.get("/cases", headers={"Authorization": f"Bearer {token}"})
    assert revoked.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_health_and_docs_stay_open_and_openapi_declares_bearer(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.get("/healthz")).status_code == 200
    assert (await api.get("/docs")).status_code == 200
    spec = (await api.get("/openapi.json")).json()

    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    for path, method in (("/cases", "post"), ("/cases", "get"), ("/cases/{case_id}", "get")):
        assert {"bearer": []} in spec["paths"][path][method]["security"], (path, method)
    assert "security" not in spec["paths"]["/healthz"]["get"]


async def test_wrong_methods_and_routes_are_problems(
    api: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    not_allowed = await api.delete("/cases", headers=tokens("admin"))
    assert_problem(not_allowed, 405)
    assert set(not_allowed.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert_problem(await api.get("/nowhere", headers=tokens("admin")), 404)


# Who may open a case (POST /cases for org "acme"), and the refusal otherwise.
OPENING: dict[tuple[Role, str | None], tuple[int, str | None]] = {
    ("partner", "acme"): (201, None),
    ("engineer", None): (201, None),
    ("admin", None): (201, None),
    ("manager", None): (403, "opening cases needs the partner or engineer role"),
    ("auditor", None): (403, "auditors read everything and change nothing"),
}


@pytest.mark.parametrize(("role", "org"), list(OPENING))
async def test_role_matrix_for_cases(
    api: httpx.AsyncClient,
    session: Session,
    tokens: TokenFactory,
    role: Role,
    org: str | None,
) -> None:
    store_policy_version(session, "zsupport", POLICY)
    status, refusal = OPENING[role, org]

    opened = await api.post("/cases", json=intake(org="acme"), headers=tokens(role, org))

    assert opened.status_code == status, opened.text
    if refusal is not None:
        assert assert_problem(opened, 403)["detail"] == refusal
        opened = await api.post("/cases", json=intake(org="acme"), headers=tokens("engineer"))
    case_id = opened.json()["id"]
    # Every role reads cases (a partner its own organisation's only).
    read = await api.get(f"/cases/{case_id}", headers=tokens(role, org))
    assert read.status_code == 200, read.text
    listed = await api.get("/cases", headers=tokens(role, org))
    assert [item["id"] for item in listed.json()["items"]] == [case_id]


def test_tokens_are_stored_hashed(sqlite_url: str) -> None:
    # SQLite only: the search below reads the database's own files.
    engine = engine_from_url(sqlite_url)
    with Session(engine) as session:
        row, token = issue_api_key(session, "partner", "acme help desk", "acme")
        rows = session.exec(select(ApiKeyRow)).all()
    with engine.connect() as connection:
        dumped = repr(connection.execute(text("SELECT * FROM api_keys")).all())
    engine.dispose()  # checkpoints the WAL, so the file holds every write
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    files = [path.read_bytes() for path in database.parent.glob(database.name + "*")]

    assert token.startswith("esc_") and len(token) > 40
    assert [r.id for r in rows] == [row.id]
    assert row.prefix == token[:12] and row.token_sha256 != token
    assert token not in dumped
    assert b"acme help desk" in b"".join(files)  # the search below looks in the right place
    assert not [content for content in files if token.encode() in content]


def test_partner_keys_need_an_organisation_and_others_have_none(session: Session) -> None:
    with pytest.raises(ValueError, match="organisation"):
        issue_api_key(session, "partner", "nobody")
    with pytest.raises(ValueError, match="organisation"):
        issue_api_key(session, "auditor", "auditor", "acme")


# The role checks other routers use, with who passes each and what the others are told.
GUARDS: dict[str, tuple[Any, set[Role], str]] = {
    "publishes_policies": (
        publishes_policies,
        {"manager", "admin"},
        "publishing policies needs the manager role",
    ),
    "changes_cases": (
        changes_cases,
        {"partner", "engineer", "admin"},
        "changing cases needs the partner or engineer role",
    ),
    "works_cases": (works_cases, {"engineer", "admin"}, "this step needs the engineer role"),
    "reads_histories": (
        reads_histories,
        {"auditor", "admin"},
        "reading event histories needs the auditor role",
    ),
}


@pytest.mark.parametrize("guard", list(GUARDS))
async def test_role_guards_admit_their_roles_and_name_what_is_needed(
    engine: Engine, tokens: TokenFactory, guard: str
) -> None:
    dependency, admitted, refusal = GUARDS[guard]
    app = FastAPI()
    app.state.engine = engine
    install_problem_handlers(app)

    @app.post("/guarded")
    async def guarded(identity: Identity = Depends(dependency)) -> dict[str, str]:
        return {"actor": actor_of(identity)}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answers = {
            role: await client.post("/guarded", headers=tokens(role, org)) for role, org in OPENING
        }

    for role, answer in answers.items():
        if role in admitted:
            assert answer.json() == {
                "actor": f"{role}:{role}-{'acme' if role == 'partner' else 'all'}"
            }
        elif role == "auditor":
            assert assert_problem(answer, 403)["detail"] == (
                "auditors read everything and change nothing"
            )
        else:
            assert assert_problem(answer, 403)["detail"] == refusal, role
