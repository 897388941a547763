"""Reading a live case, and who may see it.

`visible` is what a partner sees: its organisation and the clients it acts for (None for
staff, who see every case): another
organisation's case is `CaseNotFound` exactly like an unknown one, so nothing leaks.
"""

import asyncio
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import Client, WorkflowQueryFailedError

from escalator.cases.calls import CaseGone, bounded, unanswered_query
from escalator.cases.errors import CaseBusy, CaseNotFound
from models.case.resource import Case
from models.tables.core import CaseRow
from workflows.case import CaseWorkflow

# The organisations a caller may see: a partner's own and the clients it acts for (the
# registry's partner links); None: every organisation (staff).
Visible = frozenset[str] | None


def may_see(visible: Visible, org: str) -> bool:
    return visible is None or org in visible


async def _ask(client: Client, case_id: str, query: Any, what: str) -> Any:
    """A Query of the live case within the bound; `CaseNotFound` when Temporal has no such
    workflow, `CaseBusy` when no worker answers or the case cannot run on this code."""
    handle = client.get_workflow_handle(case_id)
    try:
        return await bounded(handle.query(query), case_id=case_id, what=what)
    except CaseGone as error:
        raise CaseNotFound(f"no case {case_id!r}") from error
    except WorkflowQueryFailedError as error:
        stuck = await unanswered_query(client, case_id, error)
        assert stuck is not None  # with an error, unanswered_query always answers
        raise stuck from error
    except CaseBusy as late:
        # A worker that cannot replay the case may never answer: say so when that is why.
        if stuck := await unanswered_query(client, case_id):
            raise stuck from late
        raise


async def read_case(client: Client, case_id: str) -> Case:
    """The live case by Query, within the bound (see `_ask` for its refusals)."""
    case: Case = await _ask(client, case_id, CaseWorkflow.get_case, "a read")
    return case


async def open_steps(client: Client, case_id: str) -> dict[str, str | None]:
    """Each step by name: None when the case allows it now, else why not (the workflow
    answers, by its validators' rules). No visibility check: callers read the case first."""
    steps: dict[str, str | None] = await _ask(
        client, case_id, CaseWorkflow.open_steps, "which steps the case allows"
    )
    return steps


async def visible_case(client: Client, case_id: str, visible: Visible) -> Case:
    """The live case, or `CaseNotFound` when it does not exist or belongs to an organisation
    the caller may not see."""
    if not case_id.startswith("case-"):
        raise CaseNotFound(f"no case {case_id!r}")
    case = await read_case(client, case_id)
    if not may_see(visible, case.org):
        raise CaseNotFound(f"no case {case_id!r}")
    return case


def _org_in_read_model(engine: Engine, case_id: str) -> str | None:
    # The organisation alone: loading the row would decode the whole case document.
    with Session(engine) as session:
        return session.exec(select(CaseRow.org).where(CaseRow.id == case_id)).first()


async def ensure_visible(client: Client, engine: Engine, case_id: str, visible: Visible) -> None:
    """`CaseNotFound` unless the caller may see the case. Its organisation never changes, so
    the read model answers (no Query, which waits on a worker); a case not yet projected asks
    its workflow."""
    org = await asyncio.to_thread(_org_in_read_model, engine, case_id)
    if org is None:
        await visible_case(client, case_id, visible)
    elif not may_see(visible, org):
        raise CaseNotFound(f"no case {case_id!r}")
