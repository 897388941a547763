"""Every workflow a worker registers (and a replayer replays)."""

from workflows.archive import ArchiveCaseWorkflow
from workflows.case import CaseWorkflow
from workflows.onsite_dispatch import OnSiteDispatchWorkflow
from workflows.parts_shipment import PartsShipmentWorkflow
from workflows.rma_return import RmaReturnWorkflow

ALL_WORKFLOWS = [
    CaseWorkflow,
    ArchiveCaseWorkflow,
    OnSiteDispatchWorkflow,
    PartsShipmentWorkflow,
    RmaReturnWorkflow,
]
