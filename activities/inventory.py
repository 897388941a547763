"""Inventory I/O for field service: reserving stock, shipments with tracking numbers, RMAs.

Every activity is idempotent under Temporal's retries: a reservation is keyed by
its shipment, a shipment and an RMA by their ids.
"""

import hashlib
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio import activity

from models.field.inventory_requests import (
    ReserveRequest,
    ReserveResult,
    RmaRecord,
    ShipmentLabel,
    ShipmentRecord,
)
from models.tables.inventory import (
    PartRow,
    ReservationRow,
    RmaRow,
    ShipmentRow,
    StockRow,
    WarehouseRow,
)

CARRIER = "Escalator Freight"


def tracking_number(shipment_id: str) -> str:
    """The carrier label of a shipment: derived from its id, so a retry prints the same one."""
    digest = int(hashlib.sha256(shipment_id.encode()).hexdigest(), 16)
    return f"EF{digest % 10**16:016d}"


def _rowcount(result: object) -> int:
    return cast(CursorResult[Any], result).rowcount


def _reserved(part: PartRow, warehouse: WarehouseRow) -> ReserveResult:
    return ReserveResult(
        outcome="reserved",
        warehouse_id=warehouse.id,
        warehouse=warehouse.name,
        list_price=part.list_price,
        currency=part.currency,
    )


class InventoryActivities:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @activity.defn(name="reserve_stock")
    def reserve_stock(self, request: ReserveRequest) -> ReserveResult:
        """Hold stock for a shipment, or record its back-order; the same key returns the same."""
        for _attempt in range(5):
            try:
                return self._reserve(request)
            except IntegrityError:
                # A retry of the same shipment recorded its reservation meanwhile: read it.
                continue
        raise RuntimeError(f"could not reserve {request.sku} for {request.key}")

    def _reserve(self, request: ReserveRequest) -> ReserveResult:
        with Session(self.engine) as session:
            part = session.get(PartRow, request.sku)
            if part is None:
                return ReserveResult(
                    outcome="unknown_part", detail=f"{request.sku} is not in the parts catalogue"
                )
            held = session.get(ReservationRow, request.key)
            if held is not None and held.status != "backordered":
                warehouse = session.get(WarehouseRow, held.warehouse_id)
                assert warehouse is not None
                return _reserved(part, warehouse)
            warehouses = session.exec(
                select(WarehouseRow)
                .where(WarehouseRow.region == request.region)
                .order_by(col(WarehouseRow.id))
            ).all()
            if not warehouses:
                return ReserveResult(
                    outcome="no_warehouse", detail=f"no warehouse serves region {request.region}"
                )
            now = datetime.now(UTC)
            for warehouse in warehouses:
                # The whole reservation is this one conditional UPDATE: it cannot oversell.
                taken = session.execute(
                    update(StockRow)
                    .where(col(StockRow.warehouse_id) == warehouse.id)
                    .where(col(StockRow.sku) == request.sku)
                    .where(col(StockRow.available) >= request.quantity)
                    .values(available=col(StockRow.available) - request.quantity)
                )
                if _rowcount(taken) != 1:
                    continue
                self._hold(session, request, held, warehouse.id, now)
                session.commit()
                return _reserved(part, warehouse)
            if held is None:
                session.add(self._row(request, "backordered", None, now))
                session.commit()
            return ReserveResult(
                outcome="out_of_stock",
                detail=f"{request.sku} x{request.quantity} is out of stock in {request.region}",
                list_price=part.list_price,
                currency=part.currency,
            )

    def _hold(
        self,
        session: Session,
        request: ReserveRequest,
        held: ReservationRow | None,
        warehouse_id: str,
        now: datetime,
    ) -> None:
        if held is None:
            # A concurrent retry inserting the same key makes this fail and roll back.
            session.add(self._row(request, "reserved", warehouse_id, now))
            session.flush()
            return
        # Only one retry may turn the back-order into a reservation.
        turned = session.execute(
            update(ReservationRow)
            .where(col(ReservationRow.key) == request.key)
            .where(col(ReservationRow.status) == "backordered")
            .values(status="reserved", warehouse_id=warehouse_id, updated_at=now)
        )
        if _rowcount(turned) != 1:
            session.rollback()
            raise IntegrityError("reservation changed meanwhile", None, Exception(request.key))

    @staticmethod
    def _row(
        request: ReserveRequest, status: str, warehouse_id: str | None, now: datetime
    ) -> ReservationRow:
        return ReservationRow(
            key=request.key,
            case_id=request.case_id,
            sku=request.sku,
            quantity=request.quantity,
            region=request.region,
            status=status,
            warehouse_id=warehouse_id,
            created_at=now,
            updated_at=now,
        )

    @activity.defn(name="record_shipment")
    def record_shipment(self, record: ShipmentRecord) -> ShipmentLabel:
        """Create or update the shipment row; its label never changes."""
        label = ShipmentLabel(carrier=CARRIER, tracking_number=tracking_number(record.id))
        with Session(self.engine) as session:
            row = session.get(ShipmentRow, record.id) or ShipmentRow(
                id=record.id,
                case_id=record.case_id,
                warehouse_id=record.warehouse_id,
                sku=record.sku,
                quantity=record.quantity,
                carrier=label.carrier,
                tracking_number=label.tracking_number,
                state=record.state,
                ships_on=record.ships_on,
                delivered_on=record.delivered_on,
            )
            row.state = record.state
            row.shipped_at = record.shipped_at
            row.delivered_at = record.delivered_at
            session.add(row)
            if record.shipped_at is not None:
                reservation = session.get(ReservationRow, record.reservation_key)
                if reservation is not None and reservation.status == "reserved":
                    reservation.status = "shipped"
                    reservation.updated_at = datetime.now(UTC)
                    session.add(reservation)
            session.commit()
        return label

    @activity.defn(name="record_rma")
    def record_rma(self, record: RmaRecord) -> None:
        with Session(self.engine) as session:
            row = session.get(RmaRow, record.id) or RmaRow(
                id=record.id,
                case_id=record.case_id,
                shipment_id=record.shipment_id,
                sku=record.sku,
                quantity=record.quantity,
                region=record.region,
                state=record.state,
            )
            row.state = record.state
            row.due_at = record.due_at
            row.received_at = record.received_at
            row.tracking_number = record.tracking_number
            row.billable = record.billable
            session.add(row)
            session.commit()
