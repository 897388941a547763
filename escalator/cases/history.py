"""A case's recorded history for the audit surfaces (timeline, state as of an instant, replay,
export), with the same visibility rule as reading the case: another organisation's case is
`CaseNotFound` exactly like an unknown one.

The history comes from Temporal while it keeps it, then from the database archive
(escalator/infra/history.py). Temporal not answering, or an archive that cannot be read,
is `CaseBusy`: nothing the caller sent is wrong, and it may retry.
"""

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.service import RPCError

from escalator.cases.errors import CaseBusy, CaseNotFound
from escalator.cases.reading import Visible, may_see
from escalator.infra import history as stored
from models.audit.history import CaseHistory, HistoryFormatError
from models.audit.timeline import case_org


async def visible_history(
    client: Client, engine: Engine, case_id: str, visible: Visible
) -> CaseHistory:
    missing = CaseNotFound(f"no case {case_id!r}")
    if not case_id.startswith("case-"):
        raise missing
    try:
        history = await stored.load_case_history(client, engine, case_id)
    except stored.CaseNotFound as error:
        raise missing from error
    except RPCError as error:
        raise CaseBusy(f"Temporal did not answer: {error.message}") from error
    except HistoryFormatError as error:
        raise CaseBusy(str(error)) from error
    if not may_see(visible, case_org(history) or ""):
        raise missing
    return history
