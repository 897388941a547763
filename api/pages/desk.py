"""The partner help desk: lists of cases, opening a case, replying and adding files,
solutions. (Built in steps; see issue 16.)"""

from fastapi import APIRouter

router = APIRouter(prefix="/portal", include_in_schema=False)
