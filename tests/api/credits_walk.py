"""The credits' part of tests/api/test_documented_statuses.py's walk: each credit operation's
documented statuses that generated requests cannot reach (a 200 on a real credit, a 409 in
the wrong state, a 403 by role), each checked as it is answered.

The walk's case is acme's Z-Support case, restored within its target; the credits a missed
target would have earned it are projected as its workflow projects them
(activities/credit_projection.py), without moving the shared clock hours ahead.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from activities.credit_projection import project_credits
from models.case.resource import Case, Credit
from tests.api.registry_walk import Walk


def _missed(case: Case, target: str, amount: str | None) -> Credit:
    """A credit of `target`, upon request: settled with `amount` USD, or still accruing."""
    settled: dict[str, Any] = {}
    if amount is not None:
        settled = {"amount": amount, "currency": "USD", "computation": f"a fixed {amount} USD"}
    return Credit(
        reason=f"{target} target missed",
        detail="fixed (upon written request)",
        at=case.received_at + timedelta(hours=4),
        target=target,
        upon_request=True,
        **settled,
    )


def _earn(engine: Engine, case: Case) -> None:
    credits = [
        _missed(case, "restoration", "14.58"),
        _missed(case, "response", "10.00"),
        _missed(case, "resolution", None),
    ]
    with Session(engine) as session:
        project_credits(session, case.model_copy(update={"credits": credits}))
        session.commit()


async def walk_credits(walk: Walk, engine: Engine, case_json: dict[str, Any]) -> None:
    keys = walk.keys
    case = Case.model_validate(case_json)
    _earn(engine, case)
    restoration, response = f"/credits/{case.id}:restoration", f"/credits/{case.id}:response"
    month = case.received_at.strftime("%Y-%m")

    listed = await walk.expect(200, "GET", "/credits", keys.acme, params={"month": month})
    assert len(listed) == 3
    await walk.expect(422, "GET", "/credits", keys.acme, params={"state": "paid"})
    await walk.expect(200, "GET", restoration, keys.acme)
    await walk.expect(404, "GET", restoration, keys.globex)
    await walk.expect(422, "GET", "/credits/%01", keys.acme)

    await walk.expect(403, "POST", f"{restoration}/request", keys.auditor)
    await walk.expect(404, "POST", f"{restoration}/request", keys.globex)
    await walk.expect(422, "POST", "/credits/%01/request", keys.acme)
    await walk.expect(409, "POST", f"/credits/{case.id}:resolution/request", keys.acme)
    await walk.expect(200, "POST", f"{restoration}/request", keys.acme)
    await walk.expect(409, "POST", f"{restoration}/request", keys.acme)

    await walk.expect(409, "POST", f"{response}/approve", keys.manager)
    await walk.expect(403, "POST", f"{restoration}/approve", keys.engineer)
    await walk.expect(404, "POST", "/credits/no-such:restoration/approve", keys.manager)
    await walk.expect(422, "POST", "/credits/%01/approve", keys.manager)
    await walk.expect(200, "POST", f"{restoration}/approve", keys.manager)

    why = {"reason": "caused by the client's firewall"}
    await walk.expect(409, "POST", f"{response}/decline", keys.manager, json=why)
    await walk.expect(200, "POST", f"{response}/request", keys.engineer)
    await walk.expect(422, "POST", f"{response}/decline", keys.manager, json={})
    await walk.expect(403, "POST", f"{response}/decline", keys.acme, json=why)
    await walk.expect(404, "POST", "/credits/no-such:response/decline", keys.manager, json=why)
    await walk.expect(200, "POST", f"{response}/decline", keys.manager, json=why)

    for path in ("/reports/credits", "/reports/credits.csv"):
        await walk.expect(200, "GET", path, keys.acme, params={"month": month}, raw_answer=True)
        await walk.expect(422, "GET", path, keys.manager, params={"month": "2027-13"})
