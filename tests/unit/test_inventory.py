"""Inventory activities against migrated SQLite and PostgreSQL: atomic reservations, back-orders,
idempotent retries, deterministic carrier labels; and the seed loaded once."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from activities.inventory import InventoryActivities, tracking_number
from escalator.infra.db import engine_from_url
from escalator.inventory_seed import PARTS, STOCK, WAREHOUSES, load_inventory_seed
from models.field.inventory_requests import ReserveRequest, ShipmentRecord
from models.tables.inventory import PartRow, ReservationRow, ShipmentRow, StockRow, WarehouseRow


@pytest.fixture
def seeded(database_url: str) -> Iterator[Engine]:
    engine = engine_from_url(database_url)
    with Session(engine) as session:
        assert load_inventory_seed(session)
    yield engine
    engine.dispose()


def request(
    key: str, sku: str = "ZX-FXO-4", region: str = "north_america", quantity: int = 1
) -> ReserveRequest:
    return ReserveRequest(key=key, case_id=f"case-{key}", sku=sku, quantity=quantity, region=region)


def available(engine: Engine, warehouse: str, sku: str) -> int:
    with Session(engine) as session:
        row = session.get(StockRow, (warehouse, sku))
        assert row is not None
        return row.available


def test_seed_loads_once(seeded: Engine) -> None:
    with Session(seeded) as session:
        assert not load_inventory_seed(session)
        assert session.exec(select(func.count()).select_from(PartRow)).one() == len(PARTS)
        regions = sorted(w.region for w in session.exec(select(WarehouseRow)).all())
        assert (
            regions == sorted(str(w["region"]) for w in WAREHOUSES) == ["europe", "north_america"]
        )
    assert available(seeded, "na-memphis", "ZX-FXO-4") == STOCK["na-memphis"]["ZX-FXO-4"] == 1


@pytest.mark.parametrize("round_", range(3))
def test_two_cases_racing_for_the_last_unit_exactly_one_wins(seeded: Engine, round_: int) -> None:
    activities = InventoryActivities(seeded)
    start = threading.Barrier(2)

    def reserve(key: str) -> str:
        start.wait()
        return activities.reserve_stock(request(key)).outcome

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(reserve, [f"a{round_}", f"b{round_}"]))
    assert outcomes == ["out_of_stock", "reserved"]
    assert available(seeded, "na-memphis", "ZX-FXO-4") == 0
    with Session(seeded) as session:
        statuses = sorted(r.status for r in session.exec(select(ReservationRow)).all())
    assert statuses == ["backordered", "reserved"]


def test_a_retried_reservation_takes_stock_once(seeded: Engine) -> None:
    activities = InventoryActivities(seeded)
    first = activities.reserve_stock(request("s1", sku="AV-DSP-8", quantity=3))
    again = activities.reserve_stock(request("s1", sku="AV-DSP-8", quantity=3))
    assert first == again and first.outcome == "reserved" and first.warehouse_id == "na-memphis"
    assert first.list_price == 2300.0 and first.currency == "USD"
    assert available(seeded, "na-memphis", "AV-DSP-8") == 1
    # Asking for more than is left back-orders it, and takes nothing.
    assert activities.reserve_stock(request("s2", sku="AV-DSP-8", quantity=2)).outcome == (
        "out_of_stock"
    )
    assert available(seeded, "na-memphis", "AV-DSP-8") == 1


def test_a_backorder_is_filled_when_stock_returns(seeded: Engine) -> None:
    activities = InventoryActivities(seeded)
    assert activities.reserve_stock(request("s1", region="europe")).outcome == "out_of_stock"
    with Session(seeded) as session:
        row = session.get(StockRow, ("eu-venlo", "ZX-FXO-4"))
        assert row is not None
        row.available = 1
        session.add(row)
        session.commit()
    filled = activities.reserve_stock(request("s1", region="europe"))
    assert filled.outcome == "reserved" and filled.warehouse == "Europe (Venlo)"
    with Session(seeded) as session:
        held = session.get(ReservationRow, "s1")
        assert held is not None and held.status == "reserved" and held.warehouse_id == "eu-venlo"


def test_unknown_part_and_region_are_named(seeded: Engine) -> None:
    activities = InventoryActivities(seeded)
    unknown = activities.reserve_stock(request("s1", sku="NOPE"))
    assert unknown.outcome == "unknown_part" and "NOPE" in unknown.detail
    nowhere = activities.reserve_stock(request("s2", region="antarctica"))
    assert nowhere.outcome == "no_warehouse" and "antarctica" in nowhere.detail


def test_shipment_label_is_derived_from_the_shipment(seeded: Engine) -> None:
    activities = InventoryActivities(seeded)
    activities.reserve_stock(request("case-1:shipment:1", sku="AV-CAM-PTZ"))
    record = ShipmentRecord(
        id="case-1:shipment:1",
        case_id="case-1",
        reservation_key="case-1:shipment:1",
        warehouse_id="na-memphis",
        sku="AV-CAM-PTZ",
        quantity=1,
        state="scheduled",
        ships_on=date(2026, 12, 3),
        delivered_on=date(2026, 12, 4),
    )
    label = activities.record_shipment(record)
    assert label == activities.record_shipment(record)
    assert label.tracking_number == tracking_number("case-1:shipment:1")
    assert label.tracking_number != tracking_number("case-1:shipment:2")
    assert len(label.tracking_number) == 18 and label.tracking_number.startswith("EF")
    with Session(seeded) as session:
        rows = session.exec(select(ShipmentRow).where(col(ShipmentRow.case_id) == "case-1")).all()
        assert [row.tracking_number for row in rows] == [label.tracking_number]
