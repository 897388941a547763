"""Every timed path of a case, at hand-computed instants, with real mail and paging receivers.

Each test skips a time-skipping server of its own to a chosen local instant (the
next such weekday whose days hold no holiday) and expects its timers at fixed
offsets from there: what the policy promises, written out by hand.
"""

from datetime import time, timedelta

from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from models.case.steps import Acknowledge, Close, CustomerReply, Reopen, RequestInfo, Resolve
from tests.workflow.cases import Desk, add_contract, delivered, example_policy, step
from tests.workflow.clock import advance_to, near, next_quiet, timed_actions
from tests.workflow.conftest import Wired
from workflows.case import CaseWorkflow

MONDAY, SATURDAY = 0, 5


async def test_zsupport_critical_case_fires_each_escalation_rule_at_its_instant(
    own_env: WorkflowEnvironment, wired: Wired, desk: Desk
) -> None:
    _, start = await desk.quiet_start("zsupport", MONDAY, time(8), days=1)
    handle, _ = await desk.open_case_at(start, "zsupport", "managed", severity="critical")
    await step(handle, "acknowledge", Acknowledge(actor="engineer:avery"))
    await advance_to(own_env, start + timedelta(hours=5))

    # Response 2h (due 10:00), restoration 4h (due 12:00), acknowledged at 08:00.
    assert await timed_actions(handle, start) == [
        (0, "send_email", "acknowledgement"),
        (0, "send_email", "missing-fields"),
        # 09:30, 75% of the response time: the next helpdesk member in turn.
        (90, "send_email", "rule:response-warning:*:0:notify:helpdesk"),
        # 10:00, acknowledged but not restored for 2 business hours: engineering is told;
        # response breached: page the on-call, then every 30 minutes, three times.
        (120, "send_email", "rule:acknowledged-not-restored:*:0:notify:engineering"),
        (120, "send_page", "rule:response-breach:*:0:helpdesk"),
        (150, "send_page", "rule:response-breach:*:0:repeat1:helpdesk"),
        # 11:00, 75% of the restoration time: page the helpdesk, 30 minutes later escalate
        # to engineering and page it (the monitoring calendar is always open).
        (180, "send_page", "rule:critical-restoration:*:0:helpdesk"),
        (180, "send_page", "rule:response-breach:*:0:repeat2:helpdesk"),
        (210, "send_email", "rule:critical-restoration:*:1:notify:engineering"),
        (210, "send_page", "rule:critical-restoration:*:2:engineering"),
        (210, "send_page", "rule:response-breach:*:0:repeat3:helpdesk"),
        # 12:00, restoration breached: all of engineering.
        (240, "send_page", "rule:restoration-breach:*:0:engineering"),
    ]
    final = await handle.query(CaseWorkflow.get_case)
    assert final.tier == "engineering"
    assert final.sla["response"].breached and final.sla["restoration"].breached
    assert len(final.credits) == 1 and near(final.credits[0].at, start + timedelta(hours=4))
    # Each e-mail and page reached its receiver exactly once.
    await delivered(handle)
    assert len(wired.mailbox.messages) == 5
    keys = [event["dedup_key"] for event in wired.pages.events]
    assert len(keys) == 7 and len(set(keys)) == 7
    assert [e["payload"]["custom_details"]["who"] for e in wired.pages.events][-1] == "all"


async def test_customer_wait_reminds_then_closes_at_48_business_hours_unless_answered(
    own_env: WorkflowEnvironment, desk: Desk
) -> None:
    _, start = await desk.quiet_start("zsupport", MONDAY, time(8), days=8)
    cases = {}
    for name in ("silent", "answered"):
        cases[name], _ = await desk.open_case_at(start, "zsupport", "managed", severity="standard")
    await advance_to(own_env, start + timedelta(hours=1))
    for handle in cases.values():
        waiting = await step(
            handle,
            "request-info",
            RequestInfo(message="Please send call examples", actor="engineer:avery"),
        )
    # The response clock (2h, due 10:00) stopped at 09:00 with an hour left.
    assert waiting.sla["response"].paused and waiting.sla["response"].due_at is None

    # 48 business hours from Monday 09:00: 8 + 9 + 9 + 9 + 9 = 44 by Friday's close, then
    # Monday 08:00-12:00. Reminders at 9h (Tuesday 09:00) and 27h (Thursday 09:00).
    closes_at = start + timedelta(days=7, hours=4)
    await advance_to(own_env, closes_at - timedelta(minutes=1))
    answered = await step(
        cases["answered"],
        "customer-reply",
        CustomerReply(message="Examples attached", actor="partner:acme"),
    )
    # The hour left on the response clock runs again from the reply.
    due = answered.sla["response"].due_at
    assert due is not None and near(due, closes_at + timedelta(minutes=59))
    await advance_to(own_env, closes_at + timedelta(minutes=1))

    silent = await cases["silent"].query(CaseWorkflow.get_case)
    assert silent.status == "closed"
    assert silent.notes[-1].actor == "system" and near(silent.notes[-1].at, closes_at)
    assert (await cases["answered"].query(CaseWorkflow.get_case)).status == "new"

    wait_mail = [
        (minutes, key)
        for minutes, activity, key in await timed_actions(cases["silent"], start)
        if key.startswith("wait")
    ]
    day = 24 * 60
    assert wait_mail == [
        (60, "wait1:request"),
        (day + 60, "wait1:reminder0"),
        (3 * day + 60, "wait1:reminder1"),
        (7 * day + 4 * 60, "wait1:close"),
    ]
    answered_mail = [key for _, _, key in await timed_actions(cases["answered"], start)]
    assert "wait1:close" not in answered_mail and "wait1:reminder1" in answered_mail


async def test_reopen_window_then_the_workflow_ends(
    own_env: WorkflowEnvironment, desk: Desk
) -> None:
    _, start = await desk.quiet_start("zsupport", MONDAY, time(8), days=15)
    handles = []
    for _ in range(2):
        handle, _ = await desk.open_case_at(start, "zsupport", "managed", severity="standard")
        await step(
            handle, "resolve", Resolve(resolution="replaced the trunk card", actor="e:avery")
        )
        await step(handle, "close", Close(actor="e:avery"))
        handles.append(handle)
    reopened, finished = handles
    # Reopening is allowed to the close of the 10th business day: two weeks later, 17:00.
    window_end = start + timedelta(days=14, hours=9)
    await advance_to(own_env, window_end - timedelta(minutes=1))
    case = await step(reopened, "reopen", Reopen(reason="it failed again", actor="partner:acme"))
    assert case.status == "in_progress"
    # The other one's workflow ends with its reopen window (waiting on its result skips time
    # there: sleeping past a case's end stalls the time-skipping server).
    result = await finished.result()
    assert result.status == "closed" and result.closed_at is not None
    ended = await finished.describe()
    assert ended.close_time is not None and near(ended.close_time, window_end)
    assert (await reopened.query(CaseWorkflow.get_case)).status == "in_progress"


async def test_uncovered_request_closes_after_ten_business_days_without_a_purchase_order(
    own_env: WorkflowEnvironment, wired: Wired, session: Session, desk: Desk
) -> None:
    policy = example_policy(session, "emetrotel")
    calendar = policy.calendar(policy.plan("premium").calendar)
    start = next_quiet(calendar, await own_env.get_current_time(), MONDAY, time(10), days=15)
    await advance_to(own_env, start)
    add_contract(session, "premium", start - timedelta(days=400), start - timedelta(days=35))
    handle, case = await desk.open_case_at(start, "emetrotel", "premium", severity="standard")
    assert case.entitlement == "po_required"
    # The close of the 10th business day after Monday: two weeks later at the calendar's close.
    close = calendar.local_close(calendar.add_business_days(start, 10))
    assert close is not None and close.date() == (start + timedelta(days=14)).date()
    await advance_to(own_env, close - timedelta(minutes=1))
    assert (await handle.query(CaseWorkflow.get_case)).status == "new"
    # The policy allows no reopening, so the workflow ends as it closes the case.
    result = await handle.result()
    assert result.status == "closed" and result.closed_at is not None
    assert near(result.closed_at, close)
    subjects = " ".join(wired.mailbox.subjects())
    assert "Not covered" in subjects or "not covered" in subjects.casefold()
