"""The case's outbox: e-mails and pages go out after the step or timed action that queued them.

Since EDGES_PATCH a step records what it did and answers; its notices wait in
`CaseState.outbox` and two senders (one for e-mail, one for pages, so a mail relay
that is down does not hold pages back) deliver them in order, each with its own
retries. A notice that cannot succeed (a 4xx from the paging service, an SMTP 5xx,
a template that does not render) fails at once: the case records it as a note and,
when the team has a `fallback_email`, tells that address. A transient failure
retries with backoff for up to a day, then counts as failed too.

Pages follow the case: its acknowledgement sends `acknowledge` and its restoration,
resolution or closure `resolve` for every page it triggered (`CaseState.pages`).

Cases recorded before the patch awaited each notice inside the step; replaying
them takes that path (`_current_rules()` is False). The same patch makes the case's
timed actions fire on their timers (workflows/case.py `_live`) and lets intake values
fill required fields (`filled_by`): each patch costs history events, so one covers all.
"""

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError
from temporalio.exceptions import TimeoutError as ActivityTimeout

with workflow.unsafe.imports_passed_through():
    from models.case.activity_inputs import EmailRequest, PageAction, PageRequest
    from models.case.notices import Notice, PageRecord
    from models.case.resource import Case
    from models.case.state import CaseState
    from models.policy import Policy
    from workflows import case_metrics, messages, outbound
    from workflows.outbound import NOTICE_GIVE_UP

EDGES_PATCH = "notices-after-steps"
# Since this patch a sender takes a new notice only once the case has re-planned its timers
# after the change that queued it. On a cold start the SDK may apply an activity's result
# after an Update that arrived in the same workflow task, where a full replay applies it
# before (sdk-python#1591's family): a sender woken beside the planner then issued its
# command in a different order live and on replay, and the history no longer replayed
# (tests/workflow/test_case_restart.py, a worker with no cache). Waiting for the planner
# gives one order whichever way the SDK interleaves them.
SENDERS_PATCH = "senders-after-planning"


def _reason(error: BaseException) -> str:
    """The innermost message: "550 5.1.1 no such user", not "Activity task failed"."""
    while isinstance(error, ActivityError) and error.cause is not None:
        error = error.cause
    if isinstance(error, ActivityTimeout):
        last = f"; last failure: {_reason(error.cause)}" if error.cause else ""
        return f"still failing after {NOTICE_GIVE_UP}{last}"
    return str(error) or type(error).__name__


class CaseNotices:
    """Mixed into CaseWorkflow: everything that e-mails or pages on behalf of a case."""

    _notices_mode: bool | None = None
    _notices_closing: bool = False
    _senders_wait: bool = False
    _changed: bool = False
    _finished: bool = False
    # None until the intake has made it (CaseBase.state refuses to answer before).
    _state: CaseState | None

    # -- provided by CaseWorkflow --------------------------------------------------------------

    @property
    def state(self) -> CaseState:
        raise NotImplementedError

    @property
    def case(self) -> Case:
        raise NotImplementedError

    @property
    def policy(self) -> Policy:
        raise NotImplementedError

    def _note(self, text: str, actor: str) -> None:
        raise NotImplementedError

    def _tier_team_id(self) -> str:
        raise NotImplementedError

    async def _project(self) -> None:
        raise NotImplementedError

    def _continue_as_new_wanted(self) -> bool:
        raise NotImplementedError

    def _wake(self) -> None:
        """Have the case's main loop look again (it continues as new once the outbox is empty)."""
        raise NotImplementedError

    # -- which path ----------------------------------------------------------------------------

    def _planned(self) -> bool:
        """No change waits to be planned (or nothing plans any more): a sender may go."""
        return not self._senders_wait or not self._changed or self._finished

    def _current_rules(self) -> bool:
        """True for cases started (or continued) since EDGES_PATCH; asked once per run."""
        if self._notices_mode is None:
            self._notices_mode = workflow.patched(EDGES_PATCH)
        return self._notices_mode

    # -- queueing ------------------------------------------------------------------------------

    async def _send(
        self,
        *,
        key: str,
        kind: str,
        to: str,
        subject: str,
        body: str,
        context: dict[str, Any],
        team: str | None = None,
    ) -> None:
        about = outbound.About.case(self.case)
        await self._post(outbound.email(about, key, kind, to, subject, body, context), team)

    async def _post(self, request: EmailRequest, team: str | None = None) -> None:
        """Into the outbox (the team hears if it fails); before EDGES_PATCH, sent at once."""
        if self._current_rules():
            team = team or self._tier_team_id()
            self._queue(Notice(key=request.idempotency_key, email=request, team=team))
            return
        try:
            await outbound.send_now(request)
        except ActivityError as error:  # refused for good: recorded, the step goes on
            self._notice_failed(Notice(key=request.idempotency_key, email=request), _reason(error))

    def _queue(self, notice: Notice) -> None:
        if all(queued.key != notice.key for queued in self.state.outbox):
            self.state.outbox.append(notice)

    async def _page_team(self, team_id: str, who: str, key: str, summary: str) -> None:
        team = self.policy.team(team_id)
        members = list(team.members) if who == "all" else outbound.on_call(team)
        queued = self._current_rules()
        request = outbound.page(
            outbound.About.case(self.case),
            team,
            team_id,
            key,
            summary,
            members,
            severity="critical" if self.policy.page_all(self.case.severity) else "error",
            no_ticket=None,
            # Before the patch, targets carried addresses and phones; names are enough.
            names_only=queued,
            labelled=True,
            who=who,
        )
        if queued:
            self._queue(Notice(key=request.dedup_key, page=request, team=team_id))
            self.state.pages.setdefault(
                request.dedup_key,
                PageRecord(
                    dedup_key=request.dedup_key,
                    team=team_id,
                    routing_key_name=request.routing_key_name,
                ),
            )
            return
        try:
            await outbound.send_now(request)
        except ActivityError as error:
            self._notice_failed(Notice(key=request.dedup_key, page=request), _reason(error))

    def _follow_pages(self, action: PageAction) -> None:
        """`acknowledge` (the case was acknowledged) or `resolve` (restored, resolved, closed)
        every page the case triggered and has not yet taken that far."""
        if not self._current_rules():
            return
        wanted = ("triggered",) if action == "acknowledge" else ("triggered", "acknowledged")
        for record in list(self.state.pages.values()):
            if record.state not in wanted:
                continue
            request = PageRequest(
                dedup_key=record.dedup_key,
                case_id=self.case.id,
                event_action=action,
                routing_key_name=record.routing_key_name,
                team=record.team,
                ticket_number=self.case.ticket_number,
                at=workflow.now(),
            )
            key = f"{record.dedup_key}:{action}"
            self._queue(Notice(key=key, page=request, team=record.team))
            state = "acknowledged" if action == "acknowledge" else "resolved"
            self.state.pages[record.dedup_key] = record.model_copy(update={"state": state})

    async def _notify_team(self, team_id: str, round_robin: bool, key: str, title: str) -> None:
        team = self.policy.team(team_id)
        turn = None
        if round_robin:
            turn = self.state.round_robin.get(team_id, 0)
            self.state.round_robin[team_id] = turn + 1
        recipients = outbound.team_recipients(team, turn)
        about = outbound.About.case(self.case)
        await self._post(outbound.team_email(about, team_id, recipients, key, title, ""), team_id)

    async def _email_contact(self, key: str, title: str, message: str) -> None:
        await self._post(
            outbound.customer_email(
                outbound.About.case(self.case),
                key,
                "customer_message",
                self.case.contact.email,
                title,
                message,
                no_ticket="new request",
            )
        )

    # -- sending -------------------------------------------------------------------------------

    def _next_notice(self, channel: str) -> Notice | None:
        # Nothing to send before the intake has made the state (it first asks the registry).
        if self._state is None:
            return None
        return next((n for n in self.state.outbox if n.channel == channel), None)

    def _notices_settled(self) -> bool:
        return not self.state.outbox

    async def _deliver_notices(self, channel: str) -> None:
        """One sender: the oldest notice of its channel, until the case ends with none left."""
        while True:
            await workflow.wait_condition(
                lambda: (
                    (self._next_notice(channel) is not None and self._planned())
                    or (self._notices_closing and self._notices_settled())
                )
            )
            notice = self._next_notice(channel)
            if notice is None:
                return
            try:
                await self._deliver(notice)
            except ActivityError as error:
                self._notice_failed(notice, _reason(error))
                await self._project()
            finally:
                self.state.outbox = [n for n in self.state.outbox if n.key != notice.key]
            if not self.state.outbox and self._continue_as_new_wanted():
                self._wake()

    async def _deliver(self, notice: Notice) -> None:
        request = notice.email or notice.page
        assert request is not None, "a notice is an e-mail or a page"
        await outbound.send_now(request, give_up=NOTICE_GIVE_UP)

    def _notice_failed(self, notice: Notice, reason: str) -> None:
        """Recorded on the case; the team's fallback address hears of it, once."""
        self._note(f"notice failed: {notice.describe()}: {reason}", "system")
        case_metrics.count(
            case_metrics.NOTICES_FAILED, policy=self.policy.name, channel=notice.channel
        )
        if notice.page is not None and notice.page.event_action == "trigger":
            self.state.pages.pop(notice.page.dedup_key, None)
        team = self.policy.teams.get(notice.team or "")
        if notice.fallback or team is None or team.fallback_email is None:
            return
        if not self._current_rules():
            return  # cases from before EDGES_PATCH have no outbox to queue it in
        self._queue(
            Notice(
                key=f"{notice.key}:fallback",
                email=EmailRequest(
                    idempotency_key=f"{notice.key}:fallback",
                    case_id=self.case.id,
                    kind="notice_failed",
                    to=team.fallback_email,
                    subject_template=messages.TEAM_SUBJECT,
                    body_template=messages.TEAM_BODY,
                    context=outbound.About.case(self.case).context(
                        "A notice could not be delivered", f"{notice.describe()}: {reason}"
                    ),
                ),
                fallback=True,
            )
        )
