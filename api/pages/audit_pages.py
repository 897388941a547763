"""The auditor's pages of a case: timeline, state as of an instant, replay, export.
(Built in steps.)"""

from fastapi import APIRouter

router = APIRouter(prefix="/portal", include_in_schema=False)
