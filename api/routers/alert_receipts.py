"""`GET /intake/alerts/receipts/{receipt_id}`: an accepted Alertmanager webhook and what became
of each of its alerts, as they progress (escalator/intake/alert_receipts.py).

Every role reads receipts; a partner only those whose alerts are all of organisations it
sees, any other is 404 like a missing one. So no role is refused (403) here.
"""

from fastapi import APIRouter, Depends, Path

from api.auth import IdentityDep, current_identity, visible
from api.deps import EngineDep
from api.problems import Problem
from escalator.intake.alert_receipts import AlertReceipt, read_receipt

router = APIRouter(
    prefix="/intake/alerts",
    tags=["intake"],
    dependencies=[Depends(current_identity)],
    responses={401: {"description": "No API key, or an unknown or revoked one"}},
)


@router.get(
    "/receipts/{receipt_id}",
    response_model=AlertReceipt,
    operation_id="get_alert_receipt",
    responses={
        404: {
            "description": "No such receipt, or one with an alert of an organisation the "
            "caller may not see"
        }
    },
)
def alert_receipt(
    identity: IdentityDep,
    engine: EngineDep,
    receipt_id: int = Path(ge=1, le=2**31 - 1),
) -> AlertReceipt:
    """A webhook's receipt: each alert's state (`pending`, then `opened`, `noted`, `skipped`
    or `failed`), the counts by state, and when the last case opened."""
    receipt = read_receipt(engine, receipt_id, visible(identity))
    if receipt is None:
        raise Problem(404, f"no alert receipt {receipt_id}")
    return receipt
