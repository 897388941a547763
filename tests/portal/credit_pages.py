"""What the credit pages' tests share: April 2027's credits, projected as a case's workflow
projects them (the real projection activity, no workflow), steps taken through the credit
service as any door would, and reading one credit of a page."""

import html
import re
from datetime import timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from escalator import credits
from models.case.resource import Credit
from models.tables.credits import CreditRow
from tests.api.credit_cases import RECEIVED, case_with, project
from tests.portal.registry_pages import text_of
from tests.workflow.registry_rows import organisation

APRIL = "2027-04"
RESTORED = RECEIVED + timedelta(hours=7)


def clients(engine: Engine) -> None:
    """acme in Denver and globex in Tokyo, as the registry holds them."""
    with Session(engine) as session:
        organisation(session, "acme", "America/Denver")
        organisation(session, "globex", "Asia/Tokyo")


def earn(engine: Engine, case_id: str, credit: Credit, org: str = "acme") -> str:
    """The case `case_id` (ticket `ZS-<case_id>`) earns `credit`; its id in the table."""
    restored = RESTORED if credit.computation is not None else None
    ticket = f"ZS-{case_id}"
    project(engine, case_with(case_id, credit, org=org, restored_at=restored, ticket_number=ticket))
    return f"{case_id}:restoration"


def requested(engine: Engine, credit_id: str, actor: str = "engineer:eve") -> None:
    with Session(engine) as session:
        credits.request_credit(session, credit_id, None, actor)


def approved(engine: Engine, credit_id: str, actor: str = "manager:bob") -> None:
    with Session(engine) as session:
        credits.approve_credit(session, credit_id, actor)


def declined(engine: Engine, credit_id: str, reason: str, actor: str = "manager:bob") -> None:
    with Session(engine) as session:
        credits.decline_credit(session, credit_id, actor, reason)


def row(engine: Engine, credit_id: str) -> CreditRow:
    with Session(engine) as session:
        found = session.get(CreditRow, credit_id)
        assert found is not None
        return found


def credit_item(page: httpx.Response, credit_id: str) -> str:
    """The HTML of one credit of a list (`<li class="credit">`)."""
    found = re.search(
        rf'<li class="credit" id="credit-{re.escape(credit_id)}">(.*?)</li>', page.text, re.S
    )
    assert found, f"no credit {credit_id} in the page"
    return found.group(1)


def credit_text(page: httpx.Response, credit_id: str) -> str:
    return text_of(credit_item(page, credit_id))


def forms_of(fragment: str) -> list[str]:
    """The actions of the forms that post in `fragment`."""
    return re.findall(r'<form method="post" action="([^"]+)"', fragment)


def listed_ids(page: httpx.Response) -> list[str]:
    found = re.findall(r'<li class="credit" id="credit-([^"]+)"', page.text)
    return [html.unescape(credit_id) for credit_id in found]
