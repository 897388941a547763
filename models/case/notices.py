"""Notices a case owes people: e-mails and pages, queued by a step or a timed action.

A step answers as soon as it is recorded; what it tells people goes out after it,
from the case's outbox (workflows/case_notices.py), so a mail relay or paging service that
is down never holds a step. The outbox is part of the case's state, carried across
continue-as-new, and each notice keeps the key that makes its sending idempotent
(the e-mail's idempotency key, the page's dedup key): a notice sent again after a
restart is recognised, not repeated.
"""

from typing import Literal

from pydantic import BaseModel

from models.case.activity_inputs import EmailRequest, PageRequest

# A page the case triggered, and how far it has gone (acknowledge / resolve follow the case).
PageState = Literal["triggered", "acknowledged", "resolved"]


class Notice(BaseModel):
    """One e-mail or one page event, waiting to be sent."""

    key: str
    email: EmailRequest | None = None
    page: PageRequest | None = None
    # The team told at its `fallback_email` when this notice cannot be delivered.
    team: str | None = None
    # A fallback notice itself: its failure is recorded, never fallen back on again.
    fallback: bool = False

    @property
    def channel(self) -> Literal["email", "page"]:
        return "email" if self.email is not None else "page"

    def describe(self) -> str:
        """What the timeline calls it: "e-mail acknowledgement to ada@acme.test"."""
        if self.email is not None:
            return f"e-mail {self.email.kind} to {self.email.to}"
        assert self.page is not None
        return f"page {self.page.event_action} to team {self.page.team or '?'}"


class PageRecord(BaseModel):
    """A page the case triggered, so its acknowledgement and resolution reach the same incident."""

    dedup_key: str
    team: str | None = None
    routing_key_name: str | None = None
    state: PageState = "triggered"
