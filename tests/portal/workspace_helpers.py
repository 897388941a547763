"""What the workspace tests share: rows put straight into the read model, waiting for a case's
projection, and reading a page's queue and forms."""

import asyncio
import re
from datetime import datetime
from html.parser import HTMLParser

import httpx
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from models.tables.core import CaseRow


def put_case(
    engine: Engine,
    case_id: str,
    received_at: datetime,
    *,
    status: str = "new",
    assignee: str | None = None,
    next_due_at: datetime | None = None,
    policy: str = "zsupport",
    tier: str | None = "helpdesk",
) -> None:
    """A case as the projection would have written it (no workflow behind it)."""
    with Session(engine) as session:
        session.add(
            CaseRow(
                id=case_id,
                ticket_number=f"T-{case_id[-6:]}",
                policy=policy,
                policy_version=1,
                plan="managed",
                org="acme",
                severity="standard",
                status=status,
                tier=tier,
                assignee=assignee,
                subject=f"Subject of {case_id}",
                channel="api",
                received_at=received_at,
                updated_at=received_at,
                next_due_at=next_due_at,
                document={},
                revision=1,
            )
        )
        session.commit()


async def projected(
    temporal_env: WorkflowEnvironment, engine: Engine, case_id: str, revision: int
) -> CaseRow:
    """The case's row once the read model holds `revision` (the projection is an activity)."""
    for _ in range(100):
        with Session(engine) as session:
            row = session.get(CaseRow, case_id)
            if row is not None and row.revision >= revision:
                session.expunge(row)
                return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {case_id} was not projected at revision {revision}")


def listed(page: httpx.Response) -> list[str]:
    """The case ids of a queue page, in its order."""
    assert page.status_code == 200, page.text
    return re.findall(r'<tr data-case="([^"]+)"', page.text)


def count_of(page: httpx.Response, queue: str) -> str:
    found = re.search(
        rf'id="queue-{queue}"[^>]*>[^<]*<span class="count" data-count="([^"]+)"', page.text
    )
    assert found, page.text
    return found[1]


def forms_on(page: httpx.Response) -> set[str]:
    """The steps the case page offers a form for."""
    return set(re.findall(r'<form [^>]*data-step="([^"]+)"', page.text))


def form_key(page: httpx.Response, step: str) -> str:
    """The idempotency key of the step's form on the page."""
    form = re.search(rf'<form [^>]*data-step="{step}".*?</form>', page.text, re.S)
    assert form, page.text
    key = re.search(r'name="form_key" value="([^"]+)"', form[0])
    assert key, form[0]
    return key[1]


class _Controls(HTMLParser):
    """The form controls of the engineer's steps, and the ids labels name."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id") == "engineer-steps":
            self.inside = 1
        elif self.inside and tag == "section":
            self.inside += 1
        if not self.inside:
            return
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(found)

    def handle_endtag(self, tag: str) -> None:
        if self.inside and tag == "section":
            self.inside -= 1


def check_controls(page: httpx.Response) -> int:
    """Every control of the engineer's forms has a unique id, a label, and survives the live
    region's poll (hx-preserve); the number of controls."""
    parser = _Controls()
    parser.feed(page.text)
    assert parser.controls, "no form controls found"
    for control in parser.controls:
        assert control.get("id"), control
        assert control.get("hx-preserve") == "true", control
        assert control["id"] in parser.labelled, f"no label for {control['id']}"
    assert len(parser.ids) == len(set(parser.ids)), "ids repeat"
    return len(parser.controls)
