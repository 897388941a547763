"""Seed inventory: a small parts catalogue and two warehouses (North America, Europe).

`escalator up` loads it into an inventory that has no warehouse yet; an
inventory someone already filled is left alone. The parts are the kinds the
example policies' sources replace: conferencing gear (ProTelecom) and phone
system hardware (Z-Support). Prices and quantities are invented.
"""

from sqlmodel import Session, select

from models.tables.inventory import PartRow, StockRow, WarehouseRow
from models.time.calendar_spec import CalendarSpec

_WEEKDAYS_8_TO_17 = {day: ["08:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}

# SKU -> (description, list price in USD).
PARTS: dict[str, tuple[str, float]] = {
    "AV-CODEC-H1": ("Video conferencing codec", 4200.0),
    "AV-CAM-PTZ": ("PTZ conference camera", 1850.0),
    "AV-MIC-ARRAY": ("Ceiling microphone array", 960.0),
    "AV-DSP-8": ("8-channel audio DSP", 2300.0),
    "ZX-MX-BOARD": ("Phone system main board", 1500.0),
    "ZX-APPLIANCE": ("Phone system appliance", 3100.0),
    "ZX-PSU-250": ("250 W power supply", 180.0),
    "ZX-FXO-4": ("4-port FXO card", 420.0),
}

WAREHOUSES: list[dict[str, object]] = [
    dict(
        id="na-memphis",
        name="North America (Memphis)",
        region="north_america",
        calendar={
            "timezone": "America/Chicago",
            "hours": _WEEKDAYS_8_TO_17,
            "holidays": {"country": "US"},
        },
    ),
    dict(
        id="eu-venlo",
        name="Europe (Venlo)",
        region="europe",
        calendar={
            "timezone": "Europe/Amsterdam",
            "hours": _WEEKDAYS_8_TO_17,
            "holidays": {"country": "NL"},
        },
    ),
]

# Units per warehouse and part; the last entries are deliberately scarce.
STOCK: dict[str, dict[str, int]] = {
    "na-memphis": {
        "AV-CODEC-H1": 6,
        "AV-CAM-PTZ": 10,
        "AV-MIC-ARRAY": 12,
        "AV-DSP-8": 4,
        "ZX-MX-BOARD": 8,
        "ZX-APPLIANCE": 3,
        "ZX-PSU-250": 20,
        "ZX-FXO-4": 1,
    },
    "eu-venlo": {
        "AV-CODEC-H1": 4,
        "AV-CAM-PTZ": 6,
        "AV-MIC-ARRAY": 8,
        "AV-DSP-8": 2,
        "ZX-MX-BOARD": 3,
        "ZX-APPLIANCE": 1,
        "ZX-PSU-250": 10,
        "ZX-FXO-4": 0,
    },
}


def load_inventory_seed(session: Session) -> bool:
    """Load the seed when no warehouse exists; True when it was loaded."""
    if session.exec(select(WarehouseRow)).first() is not None:
        return False
    warehouses = [WarehouseRow.model_validate(values) for values in WAREHOUSES]
    for warehouse in warehouses:
        CalendarSpec.model_validate(warehouse.calendar)
    session.add_all(
        PartRow(sku=sku, description=description, list_price=price, currency="USD")
        for sku, (description, price) in PARTS.items()
    )
    session.flush()
    session.add_all(warehouses)
    session.flush()
    session.add_all(
        StockRow(warehouse_id=warehouse, sku=sku, available=units)
        for warehouse, units_by_sku in STOCK.items()
        for sku, units in units_by_sku.items()
    )
    session.commit()
    return True
