"""`/policies` router on a tiny app with a migrated SQLite database (no Temporal needed)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth import issue_api_key
from api.problems import install_problem_handlers
from api.routers import policies

ROOT = Path(__file__).resolve().parents[2]
ZSUPPORT = (ROOT / "escalator" / "policies" / "zsupport.yaml").read_text(encoding="utf-8")
BROKEN = (ROOT / "tests" / "fixtures" / "broken_policy.yaml").read_text(encoding="utf-8")
YAML = {"Content-Type": "application/yaml"}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(policies.router)
    app.state.engine = engine
    with Session(engine) as session:
        _, token = issue_api_key(session, "manager", "policy-desk")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        # Publishing needs the manager role; reading needs any key.
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def test_publish_yaml_then_read_it_back(client: TestClient) -> None:
    answer = client.post("/policies", content=ZSUPPORT, headers=YAML)
    assert answer.status_code == 201
    assert {k: answer.json()[k] for k in ("name", "version")} == {"name": "zsupport", "version": 1}

    again = client.post("/policies", content=ZSUPPORT, headers=YAML)
    assert again.status_code == 200
    assert again.json()["version"] == 1

    changed = ZSUPPORT.replace("reopen_window: 10d", "reopen_window: 5d")
    assert client.post("/policies", content=changed, headers=YAML).json()["version"] == 2

    latest = client.get("/policies/zsupport")
    assert latest.status_code == 200
    body = latest.json()
    assert (body["version"], body["versions"]) == (2, [1, 2])
    assert body["body"]["reopen_window"] == "5d"
    assert body["source"] == changed
    first = client.get("/policies/zsupport/versions/1").json()
    assert first["source"] == ZSUPPORT and first["body"]["reopen_window"] == "10d"
    assert first["body"]["calendars"]["business"]["holidays"]["resolved"] is True

    listed = client.get("/policies").json()
    assert [(p["name"], p["latest_version"]) for p in listed] == [("zsupport", 2)]


def test_publish_json(client: TestClient) -> None:
    assert client.post("/policies", content=ZSUPPORT, headers=YAML).status_code == 201
    stored = client.get("/policies/zsupport").json()["body"]
    stored["name"] = "zsupport-json"
    answer = client.post(
        "/policies", content=json.dumps(stored), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 201
    assert answer.json()["name"] == "zsupport-json"


def test_every_error_comes_back_as_problem_json(client: TestClient) -> None:
    answer = client.post("/policies", content=BROKEN, headers=YAML)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(problem)
    assert problem["status"] == 422
    assert problem["detail"].startswith("10 problems in the policy")
    assert len(problem["errors"]) == 10
    assert problem["errors"][3] == {
        "loc": ["body", "plans", "premium", "targets", "sev1", "response"],
        "path": "plans.premium.targets.sev1.response",
        "msg": '"4 hrs" is not a duration (use 30m, 4h, 5d or "2h wall")',
        "line": 27,
    }
    assert problem["errors"][5]["loc"] == ["body", "teams", "support", "on_call", "rotation", 1]
    assert client.get("/policies").json() == []


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"name: [unclosed\n", YAML, 422),
        (b"\xff\xfe", YAML, 422),
        (b"   \n", YAML, 422),
        (b"<policy/>", {"Content-Type": "application/xml"}, 415),
    ],
)
def test_bad_bodies_never_500(
    client: TestClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    answer = client.post("/policies", content=content, headers=headers)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"


def test_oversized_body_is_refused(client: TestClient) -> None:
    answer = client.post("/policies", content=b"#" * (policies.MAX_POLICY_BYTES + 1), headers=YAML)
    assert answer.status_code == 413


def test_unknown_policy_or_version_is_404(client: TestClient) -> None:
    assert client.post("/policies", content=ZSUPPORT, headers=YAML).status_code == 201
    for path in (
        "/policies/nobody",
        "/policies/nobody/versions/1",
        "/policies/zsupport/versions/7",
    ):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
    assert "no version 7" in client.get("/policies/zsupport/versions/7").json()["detail"]


def test_a_policy_with_text_that_cannot_be_stored_is_a_422_naming_where(
    client: TestClient,
) -> None:
    # YAML's "\0" and "\e" escapes give characters PostgreSQL or a mail header cannot hold.
    escaped = ZSUPPORT.replace("name: zsupport", 'name: "zsup\\0port"', 1)
    escaped = escaped.replace("description: An essential", 'description: "\\e" # ', 1)
    answer = client.post("/policies", content=escaped, headers=YAML)
    assert answer.status_code == 422, answer.text
    errors = {error["path"]: error["msg"] for error in answer.json()["errors"]}
    assert errors["name"] == "may not contain the control character U+0000"
    [where] = [path for path in errors if path.endswith(".description")]
    assert errors[where] == "may not contain the control character U+001B"
    assert client.get("/policies").json() == []
