"""Alert receipts: every accepted Alertmanager webhook is recorded, each alert as received,
before any of them is worked; each alert's row then says what became of it (pending, then
opened, noted, skipped or failed), so a storm is answered at once and read as it progresses
(`GET /intake/alerts/receipts/{id}`), and what a stopped API left pending is resumed
(escalator/intake/alert_runner.py)."""

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import Engine, insert, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from escalator import policy_store
from escalator.cases import InvalidField, Visible, may_see
from escalator.intake.alerts import AlertOutcome, Checked, Planned, Planner, Target
from models.intake.alerts import Alert, AlertItemState
from models.tables.intake import AlertReceiptItemRow, AlertReceiptRow


class AlertItem(BaseModel):
    """One alert of a receipt and its state: `pending` until it is worked."""

    index: int
    fingerprint: str
    status: str
    org: str
    state: AlertItemState
    case_id: str | None
    ticket_number: str | None
    reason: str | None
    updated_at: datetime


class AlertItemCounts(BaseModel):
    pending: int = 0
    opened: int = 0
    noted: int = 0
    skipped: int = 0
    failed: int = 0


class AlertReceipt(BaseModel):
    """An accepted webhook: each of its alerts' state as it progresses."""

    id: int
    policy: str
    policy_version: int
    received_at: datetime
    received_by: str
    count: int
    # Every alert is opened, noted, skipped or failed.
    done: bool
    counts: AlertItemCounts
    # When the last of its cases opened, and when its last alert was done.
    last_opened_at: datetime | None
    finished_at: datetime | None
    items: list[AlertItem]


def item_key(receipt_id: int, index: int) -> str:
    """The receipt item's name: its case's memo, its note's idempotency key."""
    return f"alert-receipt-{receipt_id}-{index}"


def record(engine: Engine, checked: Checked, received_by: str) -> int:
    """Store the receipt and each alert, pending, in one transaction; the receipt's id."""
    with Session(engine) as session:
        receipt = AlertReceiptRow(
            policy=checked.target.policy.name,
            policy_version=checked.target.policy.version,
            received_at=checked.received_at,
            received_by=received_by,
            count=len(checked.alerts),
        )
        session.add(receipt)
        session.flush()
        assert receipt.id is not None
        receipt_id = receipt.id
        if checked.alerts:
            session.execute(
                insert(AlertReceiptItemRow),
                [_pending(receipt_id, planned, checked.received_at) for planned in checked.alerts],
            )
        session.commit()
    return receipt_id


def _pending(receipt_id: int, planned: Planned, now: datetime) -> dict[str, object]:
    alert = planned.alert
    return {
        "receipt_id": receipt_id,
        "position": planned.index,
        "fingerprint": alert.fingerprint,
        "status": alert.status,
        "org": planned.org,
        "state": "pending",
        # A firing alert's case is known before it opens.
        "case_id": planned.case_id if planned.intake is not None else None,
        "updated_at": now,
        "alert": alert.model_dump(mode="json"),
    }


def finish(engine: Engine, receipt_id: int, index: int, outcome: AlertOutcome) -> None:
    """Record what became of one alert."""
    with Session(engine) as session:
        session.execute(
            update(AlertReceiptItemRow)
            .where(col(AlertReceiptItemRow.receipt_id) == receipt_id)
            .where(col(AlertReceiptItemRow.position) == index)
            .values(
                state=outcome.outcome,
                case_id=outcome.case_id,
                ticket_number=outcome.ticket_number,
                reason=outcome.reason,
                updated_at=datetime.now(UTC),
            )
        )
        session.commit()


def read_receipt(engine: Engine, receipt_id: int, visible: Visible) -> AlertReceipt | None:
    """The receipt with every alert's state; None for none, or for one with an alert of an
    organisation the caller may not see (the same answer, so nothing leaks)."""
    with Session(engine) as session:
        receipt = session.get(AlertReceiptRow, receipt_id)
        if receipt is None:
            return None
        rows = session.exec(
            select(AlertReceiptItemRow)
            .where(AlertReceiptItemRow.receipt_id == receipt_id)
            .order_by(col(AlertReceiptItemRow.position))
            # Each alert as received is for resuming it, not for reading.
            .options(defer(AlertReceiptItemRow.alert))  # type: ignore[arg-type]
        ).all()
        if not all(may_see(visible, row.org) for row in rows):
            return None
        items = [
            AlertItem(
                index=row.position,
                fingerprint=row.fingerprint,
                status=row.status,
                org=row.org,
                state=row.state,  # the table's check constraint holds it to the states
                case_id=row.case_id,
                ticket_number=row.ticket_number,
                reason=row.reason,
                updated_at=row.updated_at,
            )
            for row in rows
        ]
    counts = AlertItemCounts()
    for item in items:
        setattr(counts, item.state, getattr(counts, item.state) + 1)
    opened = [item.updated_at for item in items if item.state == "opened"]
    done = counts.pending == 0
    return AlertReceipt(
        id=receipt_id,
        policy=receipt.policy,
        policy_version=receipt.policy_version,
        received_at=receipt.received_at,
        received_by=receipt.received_by,
        count=receipt.count,
        done=done,
        counts=counts,
        last_opened_at=max(opened, default=None),
        finished_at=max((item.updated_at for item in items), default=receipt.received_at)
        if done
        else None,
        items=items,
    )


def pending_receipts(engine: Engine) -> list[int]:
    """The receipts with alerts not yet worked, oldest first."""
    with Session(engine) as session:
        ids = session.exec(
            select(AlertReceiptItemRow.receipt_id)
            .where(AlertReceiptItemRow.state == "pending")
            .distinct()
        ).all()
    return sorted(ids)


def pending_alerts(engine: Engine, receipt_id: int) -> tuple[Target, list[Planned], list[int]]:
    """A receipt's pending alerts planned again as they were received (on the policy version
    it was checked against, dated when it arrived), and those that no longer can be (their
    contact removed since), already recorded failed."""
    # The policy row outlives the session (the alerts' cases pin it).
    with Session(engine, expire_on_commit=False) as session:
        receipt = session.get(AlertReceiptRow, receipt_id)
        assert receipt is not None
        row = policy_store.get(session, receipt.policy, receipt.policy_version)
        assert row is not None  # versions are never removed
        target = Target.of(row)
        planner = Planner(session, target, receipt.received_at)
        rows = session.exec(
            select(AlertReceiptItemRow)
            .where(AlertReceiptItemRow.receipt_id == receipt_id)
            .where(AlertReceiptItemRow.state == "pending")
            .order_by(col(AlertReceiptItemRow.position))
        ).all()
        planned: list[Planned] = []
        failed: list[int] = []
        for item in rows:
            alert = Alert.model_validate(item.alert)
            try:
                planned.append(planner.plan(item.position, alert, item.org))
            except InvalidField as error:
                item.state, item.reason = "failed", error.detail
                item.updated_at = datetime.now(UTC)
                session.add(item)
                failed.append(item.position)
        session.commit()
    return target, planned, failed
