"""With Temporal or the database down: `/healthz` names the part, other routes answer 503."""

from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import issue_api_key
from escalator.infra.settings import Settings
from escalator.infra.temporal_errors import unavailable_part
from escalator.intake.mail import NotStored


async def _get(
    app_settings: Settings,
    engine: Engine,
    client: Client,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: dict[str, str] | None = None,
) -> httpx.Response:
    app = create_app(app_settings, engine=engine, client=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.request(method, path, headers=headers, json=body)


async def test_database_down(temporal_env: WorkflowEnvironment, tmp_path: Path) -> None:
    # A SQLite file inside a folder that does not exist cannot be opened.
    engine = create_engine(f"sqlite:///{tmp_path}/missing/folder/db.sqlite")
    response = await _get(Settings(), engine, temporal_env.client, "/healthz")
    assert response.status_code == 503
    assert response.json() == {"temporal": "ok", "worker": "unknown", "database": "down"}


async def test_temporal_down(engine: Engine) -> None:
    # Nothing listens on port 1 of the loopback address.
    client = await Client.connect("127.0.0.1:1", lazy=True)
    response = await _get(Settings(), engine, client, "/healthz")
    assert response.status_code == 503
    assert response.json() == {"temporal": "down", "worker": "down", "database": "ok"}

    with Session(engine) as session:
        _row, token = issue_api_key(session, "engineer", "on call")
    headers = {"Authorization": f"Bearer {token}"}
    case = "case-0123456789abcdef0123"
    for method, path, body in [
        ("GET", f"/cases/{case}", None),
        ("GET", f"/cases/{case}/timeline", None),
        ("POST", f"/cases/{case}/acknowledge", None),
        ("POST", f"/cases/{case}/dispatches/D1/arrived", {"technician": "Kim"}),
    ]:
        response = await _get(Settings(), engine, client, path, headers, method, body)
        assert response.status_code == 503, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Temporal is unavailable" in response.json()["detail"]
        assert response.headers["Retry-After"] == "5"


def test_an_outage_wrapped_in_another_error_is_still_an_outage() -> None:
    # E-mail intake wraps the database's error in NotStored (the SMTP listener answers 451).
    try:
        try:
            raise OperationalError("INSERT ...", {}, Exception("database is locked"))
        except OperationalError as error:
            raise NotStored("the message could not be stored") from error
    except NotStored as wrapped:
        assert unavailable_part(wrapped) == "the database"
    assert unavailable_part(NotStored("no cause")) is None
