"""Field reports from the case page: a technician on site, a visit completed, a part
delivered (`POST /portal/cases/{id}/{dispatches|shipments}/{record}/{report}`), each an
Update of the record's own workflow, which refuses what the record does not allow now."""

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from temporalio.client import Client

from api.auth import actor_of
from api.deps import ClientDep, EngineDep
from api.pages.case_forms import case_page_again
from api.pages.case_page import visible_to
from api.pages.case_steps import posted_form
from api.pages.rendering import case_error_page, see_other
from api.pages.step_forms import FIELD_REPORTS, FormInvalid, report_body
from api.web_session import SignedInForm, Viewer, WorkerViewer
from escalator import cases

router = APIRouter()


async def _report(
    request: Request,
    viewer: Viewer,
    form: dict[str, str],
    client: Client,
    engine: Engine,
    case_id: str,
    record_id: str,
    report: str,
) -> Response:
    records = FIELD_REPORTS[report][0]
    posted = await posted_form(request, form)
    # The record's form on the page, to show its errors and values again.
    again = {
        "form_step": f"{report}-{record_id}",
        "posted": posted.values,
        "posted_lists": posted.lists,
    }
    zone = ZoneInfo(viewer.account.time_zone)
    try:
        body = report_body(report, posted, actor_of(viewer.identity), zone)
    except FormInvalid as invalid:
        return await case_page_again(
            request, viewer, client, engine, case_id, 422, errors=invalid.errors, **again
        )
    try:
        await cases.report_field(
            client, case_id, records, record_id, report, body, visible=visible_to(viewer)
        )
    except (cases.StepRefused, cases.CaseFinished) as error:
        return await case_page_again(
            request, viewer, client, engine, case_id, 409, refusal=error.msg, **again
        )
    except cases.CaseError as error:
        return case_error_page(request, viewer, error)
    return see_other(f"/portal/cases/{case_id}?done={report}")


@router.post("/cases/{case_id}/dispatches/{dispatch_id}/arrived")
async def technician_arrived(
    request: Request,
    case_id: str,
    dispatch_id: str,
    viewer: WorkerViewer,
    form: SignedInForm,
    client: ClientDep,
    engine: EngineDep,
) -> Response:
    return await _report(request, viewer, form, client, engine, case_id, dispatch_id, "arrived")


@router.post("/cases/{case_id}/dispatches/{dispatch_id}/completed")
async def visit_completed(
    request: Request,
    case_id: str,
    dispatch_id: str,
    viewer: WorkerViewer,
    form: SignedInForm,
    client: ClientDep,
    engine: EngineDep,
) -> Response:
    return await _report(request, viewer, form, client, engine, case_id, dispatch_id, "completed")


@router.post("/cases/{case_id}/shipments/{shipment_id}/delivered")
async def part_delivered(
    request: Request,
    case_id: str,
    shipment_id: str,
    viewer: WorkerViewer,
    form: SignedInForm,
    client: ClientDep,
    engine: EngineDep,
) -> Response:
    return await _report(request, viewer, form, client, engine, case_id, shipment_id, "delivered")
