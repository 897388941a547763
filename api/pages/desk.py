"""The partner help desk: the case lists, opening a case, a partner's reply, information and
files on the case page, and solutions (issue 16). Each part is a module of its own; this
router gathers them, and api/app.py includes it before the case page (`/portal/cases/new`
is not a case id)."""

from fastapi import APIRouter

from api.pages import desk_case_actions, desk_lists, desk_new_case, desk_solutions

router = APIRouter(include_in_schema=False)
router.include_router(desk_lists.router)
router.include_router(desk_new_case.router)
router.include_router(desk_case_actions.router)
router.include_router(desk_solutions.router)
