"""A scenario from each remaining source policy, with hand-computed instants.

Z-Support and E-MetroTel have theirs in test_case_targets.py and test_case_timers.py.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from models.case.steps import Acknowledge, Escalate, Respond, Restore
from tests.workflow.cases import Desk, delivered, example_policy, step
from tests.workflow.clock import advance_to, near, next_quiet, timed_actions
from tests.workflow.conftest import Wired

NEW_YORK = ZoneInfo("America/New_York")
FRIDAY, SATURDAY = 4, 5


async def test_maxony_level2_entered_friday_1600_answers_by_monday_1500(
    own_env: WorkflowEnvironment, session: Session, desk: Desk
) -> None:
    policy = example_policy(session, "maxony")
    calendar = policy.calendar("europe")
    # A Friday whose following Monday is a working day in Italy.
    friday = next_quiet(calendar, await own_env.get_current_time(), FRIDAY, time(15), days=4)
    await advance_to(own_env, friday)
    handle, case = await desk.open_case_at(friday, "maxony", "europe", severity="normal")
    # Level 1 answers within 4 business hours: 2 on Friday, 2 on Monday from 08:00.
    assert case.sla["tier_response"].due_at == friday + timedelta(days=3, hours=-5)
    await advance_to(own_env, friday + timedelta(hours=1))
    checklist: dict[str, bool | str] = {
        item.id: True for item in policy.tier("level2").required_items
    }
    escalated = await step(
        handle,
        "escalate",
        Escalate(to_tier="level2", reason="reproduced", checklist=checklist, actor="e:giulia"),
    )
    # Level 2 has 8 business hours: Friday 16:00-17:00, then Monday 08:00-15:00.
    assert escalated.tier == "level2"
    due = escalated.sla["tier_response"].due_at
    monday_1500 = friday + timedelta(days=3)
    assert due is not None and near(due, monday_1500)
    assert due.astimezone(calendar.tz).strftime("%a %H:%M") == "Mon 15:00"


async def test_protelecom_premier_system_down_friday_afternoon(shared_desk: Desk) -> None:
    received = datetime(2026, 11, 20, 16, 30, tzinfo=NEW_YORK)  # Friday, half an hour to close
    _, premier = await shared_desk.open_case_at(
        received, "protelecom", "premier", severity="system_down"
    )
    # 1 business hour to respond, 8 to restore: half an hour on Friday, the rest on Monday.
    assert premier.sla["response"].due_at == datetime(2026, 11, 23, 8, 30, tzinfo=NEW_YORK)
    assert premier.sla["restoration"].due_at == datetime(2026, 11, 23, 15, 30, tzinfo=NEW_YORK)
    _, plus = await shared_desk.open_case_at(
        received, "protelecom", "premier_plus", severity="system_down"
    )
    # Premier Plus runs around the clock: 30 minutes.
    assert plus.sla["response"].due_at == received + timedelta(minutes=30)


async def test_maltarea_severity_1_pages_everyone_until_restored(
    own_env: WorkflowEnvironment, wired: Wired, desk: Desk
) -> None:
    policy, start = await desk.quiet_start(
        "maltarea", SATURDAY, time(2), days=1, calendar="around_the_clock"
    )
    cases = {}
    for name in ("worked", "unattended"):
        cases[name], case = await desk.open_case_at(start, "maltarea", "partner", severity="sev1")
        # Severity 1: respond in 30 minutes, restore in 4 hours, around the clock.
        assert case.sla["response"].due_at == start + timedelta(minutes=30)
        assert case.sla["restoration"].due_at == start + timedelta(hours=4)
    await advance_to(own_env, start + timedelta(minutes=10))
    worked = cases["worked"]
    await step(worked, "acknowledge", Acknowledge(actor="e:marija"))
    await step(worked, "respond", Respond(message="On it, bridge open", actor="e:marija"))
    await advance_to(own_env, start + timedelta(hours=3, minutes=30))
    await step(worked, "restore", Restore(note="failed over to the standby", actor="e:marija"))
    await advance_to(own_env, start + timedelta(hours=8))

    def pages(actions: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
        return [(minutes, key) for minutes, activity, key in actions if activity == "send_page"]

    # Everyone at intake; acknowledged at 02:10 (so is the intake page) and not restored an
    # hour later: everyone again at 03:10, then every hour (04:10, 05:10) until the 05:30
    # restoration, which resolves every page the case triggered.
    assert pages(await timed_actions(worked, start)) == [
        (0, "intake:support"),
        (10, "intake:support:acknowledge"),
        (70, "rule:sev1-not-restored:*:0:support"),
        (130, "rule:sev1-not-restored:*:0:repeat1:support"),
        (190, "rule:sev1-not-restored:*:0:repeat2:support"),
        (210, "intake:support:resolve"),
        (210, "rule:sev1-not-restored:*:0:repeat1:support:resolve"),
        (210, "rule:sev1-not-restored:*:0:repeat2:support:resolve"),
        (210, "rule:sev1-not-restored:*:0:support:resolve"),
    ]
    # Nobody answers the other: the on-call and everyone at the response breach (02:30),
    # everyone again at the restoration breach (06:00).
    assert pages(await timed_actions(cases["unattended"], start)) == [
        (0, "intake:support"),
        (30, "breach:response:*:support"),
        (30, "rule:response-breach:*:0:support"),
        (240, "breach:restoration:*:support"),
    ]
    await delivered(cases["unattended"])
    everyone = {m.name for m in policy.team("support").members}
    details = wired.pages.events[0]["payload"]["custom_details"]
    assert set(details["paged"]) == everyone
    # Pages name who is paged, never their addresses or phone numbers.
    assert "@" not in str(details) and "+356" not in str(details)


async def test_protelecom_premier_plus_dispatch_warning_waits_for_business_hours(
    own_env: WorkflowEnvironment, session: Session, desk: Desk
) -> None:
    policy = example_policy(session, "protelecom")
    business = policy.calendar("business")
    start = next_quiet(business, await own_env.get_current_time(), FRIDAY, time(15, 50), days=4)
    await advance_to(own_env, start)
    handle, _ = await desk.open_case_at(start, "protelecom", "premier_plus", severity="system_down")
    await advance_to(own_env, start + timedelta(minutes=10))
    await step(handle, "acknowledge", Acknowledge(actor="e:dana"))
    await step(handle, "respond", Respond(message="Looking at the codec", actor="e:dana"))
    monday_0800 = start + timedelta(days=2, hours=16, minutes=10)
    await advance_to(own_env, monday_0800 + timedelta(hours=1))
    # Acknowledged Friday 16:00 and not restored 4 hours later (20:00, around the clock):
    # the field technicians are told when business hours open, Monday 08:00.
    notices = [
        (minutes, key)
        for minutes, _, key in await timed_actions(handle, start)
        if key.startswith("rule:")
    ]
    assert notices == [
        (
            round((monday_0800 - start).total_seconds() / 60),
            "rule:premier-plus-dispatch-warning:*:0:notify:field_technicians",
        )
    ]
