"""The manager's pages: policies and the monthly SLA report. (Built in steps.)"""

from fastapi import APIRouter

router = APIRouter(prefix="/portal", include_in_schema=False)
