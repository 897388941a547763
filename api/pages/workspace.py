"""The engineer workspace: queues, and the steps of the case page. (Built in steps.)"""

from fastapi import APIRouter

router = APIRouter(prefix="/portal", include_in_schema=False)
