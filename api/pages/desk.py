"""The partner help desk: the case lists, opening a case, a partner's reply, information and
files on the case page, and solutions (issue 16). Each part is a module of its own; this
router gathers them, and api/app.py includes it before the case page (`/portal/cases/new`
is not a case id)."""

from fastapi import APIRouter

from api.pages import desk_lists

router = APIRouter(include_in_schema=False)
router.include_router(desk_lists.router)
