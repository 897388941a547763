"""The case page: one page for everyone who may see the case, with the controls of the
viewer's role (a partner's reply and files, an engineer's steps, an auditor's reading).

Everything comes from the case service: the live case by Query, the steps it allows now
(the workflow answers, by its validators' rules), its timeline from the recorded history.
The page's live region polls `/live`, which answers 204 until the read model's revision of
the case moves on, then the region anew: a partner sees an engineer's answer without
reloading.
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session
from temporalio.client import Client

from api.attachments import attachments_of
from api.auth import visible
from api.deps import ClientDep, EngineDep
from api.pages.case_money import CaseMoney, case_money
from api.pages.rendering import case_error_page, not_found_page, page
from api.pages.work_options import WorkOptions, work_options
from api.web_session import Viewer, ViewerDep
from escalator import cases, policy_store
from escalator.cases.history import visible_history
from models.audit.timeline import TimelineEntry, build_timeline, case_input
from models.case.resource import Attachment, Case
from models.case.steps import STEP_BODIES
from models.policy import Policy
from models.tables.core import CaseRow

router = APIRouter(prefix="/portal/cases", include_in_schema=False)

# Roles whose page offers the engineer's steps.
WORKS_CASES = ("engineer", "admin")


@dataclass
class CaseView:
    """What the case page shows: the live case and what goes with it."""

    case: Case
    policy: Policy | None
    timeline: list[TimelineEntry]
    attachments: list[Attachment]
    # Each step by name: None when allowed now, else why not (staff who work cases only).
    steps: dict[str, str | None] = field(default_factory=dict)
    # What the step forms offer (staff who work cases only).
    options: WorkOptions | None = None
    # The site's region the case was opened with (parts ship there unless a step names one).
    region: str | None = None
    # Its charges, and the credits it earned with where each stands (api/pages/case_money.py).
    money: CaseMoney | None = None

    @property
    def open_steps(self) -> list[str]:
        return [name for name, refused in self.steps.items() if refused is None]


def visible_to(viewer: Viewer) -> cases.Visible:
    """What the viewer may see: a partner's organisation and the clients it acts for; None
    for staff (as API keys)."""
    return visible(viewer.identity)


def _policy_of(engine: Engine, case: Case) -> Policy | None:
    with Session(engine) as session:
        row = policy_store.get(session, case.policy, case.policy_version)
        return policy_store.cached_policy(row) if row is not None else None


async def load_case_view(client: Client, engine: Engine, viewer: Viewer, case_id: str) -> CaseView:
    """The case as the viewer may see it; `CaseNotFound` for a case of another organisation."""
    case = await cases.visible_case(client, case_id, visible_to(viewer))
    works = viewer.account.role in WORKS_CASES
    history, steps = await asyncio.gather(
        visible_history(client, engine, case_id, visible_to(viewer)),
        cases.open_steps(client, case_id) if works else _nothing(),
    )
    policy, attachments, options, money = await asyncio.gather(
        asyncio.to_thread(_policy_of, engine, case),
        asyncio.to_thread(attachments_of, engine, case_id),
        asyncio.to_thread(work_options, engine) if works else _no_options(),
        asyncio.to_thread(case_money, engine, visible_to(viewer), case),
    )
    intake = case_input(history).get("intake") or {}
    region = intake.get("region") if isinstance(intake, dict) else None
    return CaseView(
        case, policy, build_timeline(history), attachments, steps, options, region or None, money
    )


async def _nothing() -> dict[str, str | None]:
    return {}


async def _no_options() -> None:
    return None


def case_page(
    request: Request,
    viewer: Viewer,
    view: CaseView,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The whole page; a form's handler passes `refusal` (why a step was refused) or
    `errors` (field -> message) to show beside the form the viewer sent."""
    return page(
        request,
        "case.html",
        status,
        viewer=viewer,
        view=view,
        case=view.case,
        title=view.case.ticket_number or view.case.subject,
        **context,
    )


# What a form's redirect may say was done (`?done=acknowledge`): names only, nothing reflected.
DONE = {*STEP_BODIES, "arrived", "completed", "delivered"}


@router.get("/{case_id}")
async def show_case(
    request: Request,
    case_id: str,
    viewer: ViewerDep,
    client: ClientDep,
    engine: EngineDep,
    done: str | None = None,
) -> Response:
    try:
        view = await load_case_view(client, engine, viewer, case_id)
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)
    notice = f"Done: {done.replace('-', ' ')}." if done in DONE else None
    return case_page(request, viewer, view, notice=notice)


def _revision(engine: Engine, case_id: str, visible: cases.Visible) -> int | None:
    """The read model's revision of a case the viewer may see, or None."""
    with Session(engine) as session:
        row = session.get(CaseRow, case_id)
        if row is None or not cases.may_see(visible, row.org):
            return None
        return row.revision


@router.get("/{case_id}/live")
async def live_region(
    request: Request,
    case_id: str,
    viewer: ViewerDep,
    client: ClientDep,
    engine: EngineDep,
    revision: int = -1,
) -> Response:
    """204 while the case is at `revision`; else the page's live region as it is now."""
    current = await asyncio.to_thread(_revision, engine, case_id, visible_to(viewer))
    if current is None:
        return not_found_page(request, viewer)
    if current <= revision:
        return Response(status_code=204, headers={"Cache-Control": "no-store"})
    try:
        view = await load_case_view(client, engine, viewer, case_id)
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)
    return page(request, "case_live.html", viewer=viewer, view=view, case=view.case)
