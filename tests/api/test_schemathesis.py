"""Schemathesis against /openapi.json on the running app: no 5xx, and no undocumented status.

Cases are generated from the schema (Hypothesis, through schemathesis) and sent
in-process to the app wired to the time-skipping server, with an engineer's,
a partner's, a manager's and an auditor's key, and without a valid key, so authentication,
authorisation, validation and the steps all run.
"""

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, openapi
from sqlmodel import Session

from tests.api.conftest import TokenFactory
from tests.api.test_cases_api import POLICY, intake
from tests.policies import store_policy_version

EXAMPLES = 6


@schemathesis.serializer("message/rfc822")
def _rfc822(_context: Any, value: Any) -> bytes:
    """Generated bodies go out as raw bytes: whatever they are, the intake must not 5xx."""
    return value if isinstance(value, bytes) else str(value).encode()


def _cases(strategy: st.SearchStrategy[Case]) -> list[Case]:
    drawn: list[Case] = []

    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(case: Case) -> None:
        drawn.append(case)

    draw()
    return drawn


async def test_no_5xx_and_every_answer_is_documented(
    api: httpx.AsyncClient, session: Session, tokens: TokenFactory
) -> None:
    store_policy_version(session, "zsupport", POLICY)
    engineer, partner = tokens("engineer"), tokens("partner", "acme")
    # ... and no key at all, and a key that was never issued: the 401s.
    stranger = {"Authorization": "Bearer esc_never-issued"}
    roles = (engineer, partner, tokens("manager"), tokens("auditor"), {}, stranger)
    opened = await api.post("/cases", json=intake(), headers=engineer)
    case_id = opened.json()["id"]
    spec: dict[str, Any] = (await api.get("/openapi.json")).json()
    schema = openapi.from_dict(spec)
    failures: list[str] = []
    seen: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        documented = set(operation.definition.raw["responses"])
        for case in _cases(operation.as_strategy()):
            if "case_id" in (case.path_parameters or {}) and len(seen) % 2 == 0:
                case.path_parameters = {**case.path_parameters, "case_id": case_id}
            for headers in roles:
                kwargs = case.as_transport_kwargs(base_url="http://testserver")
                kwargs["headers"] = {**(kwargs.get("headers") or {}), **headers}
                kwargs.pop("follow_redirects", None)
                kwargs.pop("allow_redirects", None)
                kwargs.pop("cookies", None)
                if "data" in kwargs:
                    kwargs["content"] = kwargs.pop("data")
                response = await api.request(**kwargs)
                seen.setdefault(operation.label, set()).add(response.status_code)
                code = str(response.status_code)
                if response.status_code >= 500 or (
                    code not in documented and "default" not in documented
                ):
                    failures.append(f"{operation.label} -> {code}: {response.text[:200]}")
    kinds = sorted({f.split(":")[0] for f in failures})
    assert not kinds, "undocumented or 5xx answers: " + "; ".join(kinds)
    # Every operation answered something other than an auth refusal at least once.
    refused_only = sorted(label for label, codes in seen.items() if not codes - {401, 403})
    assert refused_only == []
