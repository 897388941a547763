"""What happens on site and on the road, reported against a case's field-service records.

`dispatch-onsite` and `ship-part` start child workflows of the case; the
technician's arrival, the visit's completion and the part's delivery are
Updates of those children (their validators refuse what the record does not
allow now, as a 409). The answer is the case, whose `field_service` section the
child has just brought up to date.
"""

from typing import Annotated

from fastapi import APIRouter, Body, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.attachments import with_attachments
from api.auth import WorksCases, actor_of, current_identity, visible
from api.deps import ClientDep, EngineDep
from escalator import cases
from models.case.resource import Case
from models.field.records import Arrived, Completed, Delivered

router = APIRouter(
    prefix="/cases",
    tags=["field service"],
    dependencies=[Depends(current_identity)],
    responses={
        401: {"description": "No API key, or an unknown or revoked one"},
        403: {"description": "Only engineers report field work"},
        404: {"description": "No such case or record, or a case of another organisation"},
        409: {"description": "The record does not allow this now (the detail says why)"},
        503: {
            "description": "Temporal or the database is unavailable, or the record did not "
            "answer in time; retry after `Retry-After` seconds"
        },
    },
)


class ArrivedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    technician: str = Field(min_length=1, max_length=200)


class CompletedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report: str = Field(min_length=1, max_length=100_000)


class DeliveredRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # When it arrived, if earlier than now.
    at: AwareDatetime | None = None


@router.post(
    "/{case_id}/dispatches/{dispatch_id}/arrived",
    response_model=Case,
    operation_id="report_technician_arrived",
)
async def technician_arrived(
    case_id: str,
    dispatch_id: str,
    request: Annotated[ArrivedRequest, Body()],
    identity: WorksCases,
    client: ClientDep,
    engine: EngineDep,
) -> Case:
    """The technician is on site: the visit's promise is kept if this is before its `due_at`."""
    body = Arrived(technician=request.technician, actor=actor_of(identity))
    case = await cases.report_field(
        client, case_id, "dispatches", dispatch_id, "arrived", body, visible=visible(identity)
    )
    return await with_attachments(engine, case)


@router.post(
    "/{case_id}/dispatches/{dispatch_id}/completed",
    response_model=Case,
    operation_id="report_visit_completed",
)
async def visit_completed(
    case_id: str,
    dispatch_id: str,
    request: Annotated[CompletedRequest, Body()],
    identity: WorksCases,
    client: ClientDep,
    engine: EngineDep,
) -> Case:
    """The technician finished the visit, with a report."""
    body = Completed(report=request.report, actor=actor_of(identity))
    case = await cases.report_field(
        client,
        case_id,
        "dispatches",
        dispatch_id,
        "completed",
        body,
        visible=visible(identity),
    )
    return await with_attachments(engine, case)


@router.post(
    "/{case_id}/shipments/{shipment_id}/delivered",
    response_model=Case,
    operation_id="report_part_delivered",
)
async def part_delivered(
    case_id: str,
    shipment_id: str,
    identity: WorksCases,
    client: ClientDep,
    engine: EngineDep,
    request: Annotated[DeliveredRequest | None, Body()] = None,
) -> Case:
    """The replacement reached the site (now, or at `at`); an RMA counted from delivery starts."""
    body = Delivered(at=request.at if request else None, actor=actor_of(identity))
    case = await cases.report_field(
        client, case_id, "shipments", shipment_id, "delivered", body, visible=visible(identity)
    )
    return await with_attachments(engine, case)
