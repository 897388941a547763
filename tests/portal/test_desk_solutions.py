"""Solutions: resolved cases' resolutions of the viewer's organisation only (staff: all),
searched with LIKE wildcards taken literally, and the helpful links of the policies the
organisation's cases use. On SQLite and PostgreSQL."""

import re

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from escalator import cases
from escalator.infra.settings import Settings
from models.case.steps import Resolve
from tests.portal.conftest import Person, opened
from tests.portal.desk_rows import add_rows, row_when


@pytest.fixture
def read_model_url(database_url: str) -> str:
    return database_url


def found(page_text: str) -> list[str]:
    return re.findall(r'<li data-case-id="([^"]+)">', page_text)


async def test_solutions_are_the_organisations_own_resolutions(
    person: Person, temporal_env: WorkflowEnvironment, engine: Engine, settings: Settings
) -> None:
    case = await opened(temporal_env, engine, settings, subject="Greetings silent")
    fix = "Re-seated the faulty_board; 100% of greetings play again."
    done = Resolve(actor="engineer:grace", resolution=fix)
    await cases.apply_step(temporal_env.client, case.id, "resolve", done, "staff", None)
    await row_when(temporal_env, engine, case.id, resolution=fix)
    add_rows(
        engine,
        {
            "id": "case-acme-closed",
            "subject": "Trunk flapping",
            "status": "closed",
            "resolution": "Carrier replaced the faulty SFP",
        },
        {"id": "case-acme-open", "subject": "faultyxboard again", "status": "in_progress"},
        {
            "id": "case-globex-resolved",
            "org": "globex",
            "subject": "Greetings silent",
            "status": "resolved",
            "resolution": "Re-seated the faulty_board",
        },
        {
            "id": "case-acme-wildcards",
            "subject": "Greetings late",
            "status": "resolved",
            "resolution": "Swapped the faultyXboard; 1000 greetings play",
        },
    )
    ada = await person("ada", "partner", org="acme")

    recent = await ada.get("/portal/solutions")
    assert recent.status_code == 200, recent.text
    assert found(recent.text) == [case.id, "case-acme-closed", "case-acme-wildcards"]
    assert fix in recent.text and case.ticket_number and case.ticket_number in recent.text
    # Links of the policy acme's cases use (zsupport's acknowledgement links).
    assert 'href="https://support.zsupport.example/checklist"' in recent.text

    board = await ada.get("/portal/solutions", params={"q": "FAULTY_BOARD"})
    # Not the open case, not globex's, not one where `_` or `%` would be a wildcard.
    assert found(board.text) == [case.id]
    percent = await ada.get("/portal/solutions", params={"q": "100%"})
    assert found(percent.text) == [case.id]
    by_subject = await ada.get("/portal/solutions", params={"q": "trunk"})
    assert found(by_subject.text) == ["case-acme-closed"]
    assert "globex" not in board.text

    grace = await person("grace", "engineer")
    everyone = await grace.get("/portal/solutions", params={"q": "faulty_board"})
    assert set(found(everyone.text)) == {case.id, "case-globex-resolved"}

    newcomer = await person("nina", "partner", org="initech")
    empty = await newcomer.get("/portal/solutions")
    assert found(empty.text) == [] and 'id="no-solutions"' in empty.text
    assert 'id="helpful-links"' not in empty.text  # initech has no case under any policy

    long = await ada.get("/portal/solutions", params={"q": "x" * 201})
    assert long.status_code == 422 and 'id="q-error">is at most 200 characters' in long.text
