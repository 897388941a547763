"""Field service: dispatch, shipment and RMA records, their deadlines, inventory requests."""
