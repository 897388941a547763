"""The timeline of a full zsupport case equals the expected list of domain events.

The case (tests/audit/scenarios.py) arrives on a Monday 09:00 in Denver (plan
`managed`: Mon-Fri 08:00-17:00 America/Denver), severity critical: response 2 business
hours, restoration 4. Every instant below is worked out by hand from the policy.
"""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.audit.timeline import build_timeline
from tests.audit.conftest import Finished

DENVER = ZoneInfo("America/Denver")
ENGINEERING = (
    "Riley Shaw <riley.shaw@zsupport.example>, Morgan Wu <morgan.wu@zsupport.example>, "
    "engineering@zsupport.example"
)


# An instant as the timeline writes it in a detail (with or without a fraction of a second).
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


def _split(entry: tuple[datetime, str, str, str]) -> tuple[tuple[str, str, str], list[datetime]]:
    """(actor, kind, detail with its instants as `*`) and the instants: the entry's own first."""
    at, actor, kind, detail = entry
    instants = [at, *(datetime.fromisoformat(found) for found in _INSTANT.findall(detail))]
    return (actor, kind, _INSTANT.sub("*", detail)), instants


def expected_timeline(start: datetime) -> list[tuple[datetime, str, str, str]]:
    monday = start.astimezone(DENVER)
    assert (monday.weekday(), monday.time()) == (0, time(9, 0))

    def mon(hour: int, minute: int) -> datetime:
        return monday.replace(hour=hour, minute=minute)

    def tue(hour: int, minute: int) -> datetime:
        return (monday + timedelta(days=1)).replace(hour=hour, minute=minute)

    def utc(at: datetime) -> str:
        return at.astimezone(UTC).isoformat()

    # Ten business days after Tuesday's closure end with the second Tuesday after (17:00).
    reopen_window_end = (monday + timedelta(days=15)).replace(hour=17, minute=0)
    ada = "engineer:ada"
    return [
        (mon(9, 0), "contact:ada@acme.test", "received",
         "received by api from Ada Admin <ada@acme.test> of acme: 'Calls drop after 30 seconds'; "
         f"policy zsupport version 1, plan managed, severity critical; received at {utc(start)}"),
        # The registry, asked once first (acme is not in it: the policy's own zone).
        (mon(9, 0), "system", "registry_checked", "ada@acme.test is an authorised contact of acme"),
        (mon(9, 0), "system", "ticket_allocated", "ticket ZSU-000001 allocated"),
        # 2 and 4 business hours from 09:00 on an open Monday.
        (mon(9, 0), "system", "target_due",
         f"response target (2h) due at {mon(11, 0).isoformat()}"),
        (mon(9, 0), "system", "target_due",
         f"restoration target (4h) due at {mon(13, 0).isoformat()}"),
        (mon(9, 0), "system", "acknowledged_by_email", "acknowledged by e-mail to ada@acme.test"),
        (mon(9, 10), ada, "acknowledged", "acknowledged by engineer:ada"),
        (mon(9, 20), ada, "triaged", "triaged as critical, priority high by engineer:ada"),
        (mon(9, 29), ada, "assigned", "assigned to ada by engineer:ada"),
        (mon(9, 40), ada, "information_requested",
         "asked the customer for information (call_examples): Please send call examples."),
        # Waiting on the customer pauses both clocks (40 minutes of each used); the step's
        # e-mail goes out after the step is recorded.
        (mon(9, 40), "system", "target_paused", "response clock paused"),
        (mon(9, 40), "system", "target_paused", "restoration clock paused"),
        (mon(9, 40), "system", "customer_emailed", "e-mail to ada@acme.test: Information needed"),
        # Rule acknowledged-not-restored: 2 business hours after the 09:10 acknowledgement.
        (mon(11, 10), "system", "warning_sent",
         "escalation rule acknowledged-not-restored (acknowledged, not restored): "
         f"e-mail to {ENGINEERING}"),
        # First reminder 9 business hours into the wait: 7h20 on Monday, 1h40 on Tuesday.
        (tue(9, 40), "system", "reminder_sent",
         "reminder sent by e-mail to ada@acme.test: Reminder: we are waiting for your reply"),
        (tue(10, 0), "contact:ada@acme.test", "customer_replied",
         "customer replied (gave call_examples): Calls to +1 303 555 0199 drop at 30 s."),
        # The clocks resume with 1h20 and 3h20 left.
        (tue(10, 0), "system", "target_due",
         f"response target (2h) due at {tue(11, 20).isoformat()}"),
        (tue(10, 0), "system", "target_due",
         f"restoration target (4h) due at {tue(13, 20).isoformat()}"),
        (tue(10, 10), ada, "escalated",
         "escalated to engineering by engineer:ada: needs the next tier; "
         "checklist: client_isolation done, hardware_tested done"),
        (tue(10, 10), "system", "team_notified",
         "case escalated to you by engineer:ada: needs the next tier: "
         f"e-mail to {ENGINEERING}"),
        (tue(10, 20), ada, "responded", "responded to the customer: We are on it."),
        (tue(10, 20), "system", "target_met",
         f"response target met at {utc(tue(10, 20))} (due at {tue(11, 20).isoformat()})"),
        (tue(10, 20), "system", "customer_emailed",
         "e-mail to ada@acme.test: Status of your request"),
        (tue(10, 30), ada, "restored", "service restored: trunk reset"),
        (tue(10, 30), "system", "target_met",
         f"restoration target met at {utc(tue(10, 30))} (due at {tue(13, 20).isoformat()})"),
        (tue(10, 40), ada, "resolved", "resolved: SIP trunk timer corrected"),
        (tue(10, 50), ada, "closed", "closed by engineer:ada"),
        (reopen_window_end, "system", "finished",
         "case record final: the case can no longer be reopened"),
    ]  # fmt: skip


def test_timeline_of_a_full_case_is_the_expected_list(finished: Finished) -> None:
    timeline = build_timeline(finished.history)
    got = [_split((e.at, e.actor, e.kind, e.detail)) for e in timeline]
    want = [_split(entry) for entry in expected_timeline(finished.scenario.start)]
    # Who did what, in which order, with which words: exactly.
    assert [texts for texts, _ in got] == [texts for texts, _ in want]
    # When, and the deadlines worked out from it: the server's clock is the instants the test
    # skipped to plus the real time passed since, so each step lands that much after its
    # planned instant, and a deadline resumed after a pause is off by the difference of two
    # such delays, either way. A busy machine makes those delays a second or more, so
    # rounding to seconds slips; instead each instant is compared within the real time the
    # whole drive took, measured in this run, which no delay can exceed. The hand-computed
    # instants are whole minutes, so while that is under 30 s an instant a minute off still
    # fails (it would be at least 60 s - slack > slack away).
    slack = finished.scenario.real_time
    assert slack < timedelta(seconds=30), f"the drive took {slack}: too slow to tell minutes apart"
    for (texts, got_at), (_, want_at) in zip(got, want, strict=True):
        assert len(got_at) == len(want_at), texts
        for actual, expected in zip(got_at, want_at, strict=True):
            assert abs(actual - expected) <= slack, (texts, actual, expected)
        # A detail writes its instants in the offset the case's calendar gives them.
        offsets = [[instant.utcoffset() for instant in each[1:]] for each in (got_at, want_at)]
        assert offsets[0] == offsets[1], texts
    # Every entry names the history event it comes from, in history order.
    assert all(e.workflow_id == finished.case_id for e in timeline)
    ids = [e.event_id for e in timeline]
    assert ids == sorted(ids)


def test_timeline_reads_the_archive_the_same(finished: Finished) -> None:
    from escalator.infra.history import from_archive

    archived = from_archive(finished.engine, finished.case_id)
    assert archived is not None and archived.source == "archive"
    assert archived.to_json()["runs"] == finished.history.to_json()["runs"]
    assert build_timeline(archived) == build_timeline(finished.history)
