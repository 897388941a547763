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
from sqlalchemy import Engine
from temporalio.client import Client

from api.attachments import with_attachments
from api.auth import Identity, actor_of, current_identity, works_cases
from api.deps import get_client, get_engine
from api.problems import Problem
from api.routers.cases import read_case, visible_case
from api.workflow_calls import CaseGone, bounded
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


async def _report(
    client: Client,
    identity: Identity,
    case_id: str,
    records: str,
    record_id: str,
    update: str,
    body: BaseModel,
    engine: Engine,
) -> Case:
    case = await visible_case(case_id, identity, client)
    found = [r for r in getattr(case.field_service, records) if r.id == record_id]
    if not found:
        raise Problem(404, f"case {case_id} has no {records[:-1]} {record_id!r}")
    child = client.get_workflow_handle(found[0].workflow_id)
    try:
        record = await bounded(
            child.execute_update(update, body, result_type=type(found[0])),
            case_id=case_id,
            what=f"{update} on {records[:-1]} {record_id}",
            late="the report is not yet recorded and may still be; read the case before "
            "sending it again",
        )
    except CaseGone as error:
        raise Problem(409, f"{records[:-1]} {record_id} is finished") from error
    current = await read_case(client, case_id)
    # The child's answer is the record as it now stands; the case may not have taken in the
    # child's report yet, so the answer shows the record from the child.
    section = current.field_service
    merged = [record if r.id == record_id else r for r in getattr(section, records)]
    current = current.model_copy(
        update={"field_service": section.model_copy(update={records: merged})}
    )
    return await with_attachments(engine, current)


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
    identity: Identity = Depends(works_cases),
    client: Client = Depends(get_client),
    engine: Engine = Depends(get_engine),
) -> Case:
    """The technician is on site: the visit's promise is kept if this is before its `due_at`."""
    body = Arrived(technician=request.technician, actor=actor_of(identity))
    return await _report(
        client, identity, case_id, "dispatches", dispatch_id, "arrived", body, engine
    )


@router.post(
    "/{case_id}/dispatches/{dispatch_id}/completed",
    response_model=Case,
    operation_id="report_visit_completed",
)
async def visit_completed(
    case_id: str,
    dispatch_id: str,
    request: Annotated[CompletedRequest, Body()],
    identity: Identity = Depends(works_cases),
    client: Client = Depends(get_client),
    engine: Engine = Depends(get_engine),
) -> Case:
    """The technician finished the visit, with a report."""
    body = Completed(report=request.report, actor=actor_of(identity))
    return await _report(
        client, identity, case_id, "dispatches", dispatch_id, "completed", body, engine
    )


@router.post(
    "/{case_id}/shipments/{shipment_id}/delivered",
    response_model=Case,
    operation_id="report_part_delivered",
)
async def part_delivered(
    case_id: str,
    shipment_id: str,
    request: Annotated[DeliveredRequest | None, Body()] = None,
    identity: Identity = Depends(works_cases),
    client: Client = Depends(get_client),
    engine: Engine = Depends(get_engine),
) -> Case:
    """The replacement reached the site (now, or at `at`); an RMA counted from delivery starts."""
    body = Delivered(at=request.at if request else None, actor=actor_of(identity))
    return await _report(
        client, identity, case_id, "shipments", shipment_id, "delivered", body, engine
    )
