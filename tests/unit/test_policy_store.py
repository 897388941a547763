"""Published policy versions: numbering, immutability, de-duplication, listing, diffs."""

from pathlib import Path

import pytest
from sqlmodel import Session, select

from escalator import policy_store
from models.policy.errors import PolicyError
from models.tables.core import PolicyVersionRow

POLICIES = Path(__file__).resolve().parents[2] / "escalator" / "policies"
ZSUPPORT = (POLICIES / "zsupport.yaml").read_text(encoding="utf-8")


def rows(session: Session) -> list[PolicyVersionRow]:
    return list(session.exec(select(PolicyVersionRow).order_by(PolicyVersionRow.id)))  # type: ignore[arg-type]


def test_versions_are_numbered_per_name_and_never_change(session: Session) -> None:
    first = policy_store.publish(session, ZSUPPORT, published_by="manager@zsupport.example")
    assert (first.name, first.version) == ("zsupport", 1)
    first_body, first_source = dict(first.body), first.source

    changed = ZSUPPORT.replace(
        "response: {duration: 2h, outside_hours: 12h}\n        restoration",
        "response: {duration: 1h, outside_hours: 12h}\n        restoration",
    )
    assert changed != ZSUPPORT
    second = policy_store.publish(session, changed)
    assert (second.name, second.version) == ("zsupport", 2)
    other = policy_store.publish(session, (POLICIES / "maxony.yaml").read_text())
    assert (other.name, other.version) == ("maxony", 1)

    session.expire_all()
    stored = policy_store.get(session, "zsupport", 1)
    assert stored is not None
    assert stored.body == first_body and stored.source == first_source
    assert stored.published_by == "manager@zsupport.example"
    assert stored.sha256 == policy_store.sha256_of(ZSUPPORT)
    latest = policy_store.latest(session, "zsupport")
    assert latest is not None and latest.version == 2
    assert policy_store.versions(session, "zsupport") == [1, 2]
    assert policy_store.get(session, "zsupport", 3) is None
    assert policy_store.latest(session, "nobody") is None
    v1 = policy_store.load_version(stored)
    v2 = policy_store.load_version(latest)
    assert v1.target_for("managed", "critical", "response") != v2.target_for(
        "managed", "critical", "response"
    )


def test_publishing_the_latest_text_again_returns_it(session: Session) -> None:
    first = policy_store.publish_text(session, ZSUPPORT)
    again = policy_store.publish_text(session, ZSUPPORT)
    assert first.created and not again.created
    assert again.row.id == first.row.id
    assert len(rows(session)) == 1


def test_republishing_an_older_text_is_a_new_version(session: Session) -> None:
    policy_store.publish(session, ZSUPPORT)
    policy_store.publish(session, ZSUPPORT.replace("reopen_window: 10d", "reopen_window: 5d"))
    rollback = policy_store.publish(session, ZSUPPORT)
    assert rollback.version == 3


def test_the_stored_body_has_holidays_as_dates(session: Session) -> None:
    row = policy_store.publish(session, ZSUPPORT)
    holidays = row.body["calendars"]["business"]["holidays"]  # type: ignore[index]
    assert holidays["resolved"] is True
    assert "2026-07-03" in holidays["dates"]
    assert "2026-12-25" in holidays["dates"]
    policy = policy_store.load_version(row)
    assert policy.calendars["business"].is_resolved


def test_an_invalid_policy_stores_nothing(session: Session) -> None:
    broken = ZSUPPORT.replace("calendar: business\n", "calendar: businness\n", 1)
    with pytest.raises(PolicyError) as raised:
        policy_store.publish(session, broken)
    assert [i.path for i in raised.value.issues] == ["plans.managed.calendar"]
    assert rows(session) == []


def test_list_policies_shows_the_latest_of_each(session: Session) -> None:
    assert policy_store.list_policies(session) == []
    policy_store.publish(session, ZSUPPORT)
    policy_store.publish(session, ZSUPPORT.replace("reopen_window: 10d", "reopen_window: 5d"))
    policy_store.publish(session, (POLICIES / "maltarea.yaml").read_text())
    listed = policy_store.list_policies(session)
    assert [(s.name, s.latest_version) for s in listed] == [("maltarea", 1), ("zsupport", 2)]
    assert listed[1].description.startswith("Remote helpdesk and management")
    assert listed[1].published_at.tzinfo is not None


def test_diff_names_each_changed_path(session: Session) -> None:
    policy_store.publish(session, ZSUPPORT)
    changed = (
        ZSUPPORT.replace(
            "response: {duration: 2h, outside_hours: 12h}\n        restoration",
            "response: {duration: 1h, outside_hours: 12h}\n        restoration",
        )
        .replace("reopen_window: 10d\n", "")
        .replace("  - id: standard\n    name: Standard\n", "  - id: standard\n    name: Normal\n")
        .replace("auto_close_after: 48h", "auto_close_after: 40h")
        .replace(
            "      - {id: casey,",
            "      - {id: drew, name: Drew Fox, email: drew.fox@zsupport.example}\n"
            "      - {id: casey,",
        )
    )
    policy_store.publish(session, changed)
    lines = policy_store.diff(session, "zsupport", 1, 2).splitlines()
    assert lines == [
        "severities.standard.name: Standard -> Normal",
        "plans.managed.targets.critical.response.duration: 2h -> 1h",
        "plans.managed_central.targets.critical.response.duration: 2h -> 1h",
        "plans.managed_pacific.targets.critical.response.duration: 2h -> 1h",
        "+ teams.helpdesk.members.drew: "
        '{"id": "drew", "name": "Drew Fox", "email": "drew.fox@zsupport.example"}',
        "customer_wait.auto_close_after: 48h -> 40h",
        "- reopen_window: 10d",
    ]
    assert policy_store.diff(session, "zsupport", 2, 2) == ""
    with pytest.raises(KeyError, match="no version 9"):
        policy_store.diff(session, "zsupport", 1, 9)


def test_diff_of_plain_documents() -> None:
    before = {"a": {"b": "4h", "c": [1, 2]}, "items": [{"id": "x", "v": 1}], "gone": True}
    after = {"a": {"b": "2h", "c": [1, 2, 3]}, "items": [{"id": "x", "v": 2}], "new": "yes"}
    assert list(policy_store.diff_bodies(before, after)) == [
        "a.b: 4h -> 2h",
        "a.c: [1, 2] -> [1, 2, 3]",
        "items.x.v: 1 -> 2",
        "- gone: true",
        "+ new: yes",
    ]
    long_before = {"dates": [f"2026-01-{d:02d}" for d in range(1, 11)]}
    long_after = {"dates": [f"2026-01-{d:02d}" for d in range(2, 12)]}
    assert list(policy_store.diff_bodies(long_before, long_after)) == [
        'dates: removed ["2026-01-01"]',
        'dates: added ["2026-01-11"]',
    ]


def test_examples_are_published_once(session: Session, tmp_path: Path) -> None:
    created = policy_store.publish_examples_if_absent(session, POLICIES)
    assert sorted(row.name for row in created) == [
        "emetrotel",
        "maltarea",
        "maxony",
        "protelecom",
        "zsupport",
    ]
    assert all(row.version == 1 and row.published_by == "examples" for row in created)
    assert policy_store.publish_examples_if_absent(session, POLICIES) == []
    assert policy_store.publish_examples_if_absent(session, tmp_path / "missing") == []
    (tmp_path / "bad.yaml").write_text("name: bad\n")
    with pytest.raises(PolicyError) as raised:
        policy_store.publish_examples_if_absent(session, tmp_path)
    assert raised.value.filename is not None and raised.value.filename.endswith("bad.yaml")
