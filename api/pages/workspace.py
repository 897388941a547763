"""The engineer workspace: queues, and the steps and field reports of the case page."""

from fastapi import APIRouter

from api.pages import case_steps, field_reports, queues

router = APIRouter(prefix="/portal", include_in_schema=False)
router.include_router(queues.router)
router.include_router(case_steps.router)
router.include_router(field_reports.router)
