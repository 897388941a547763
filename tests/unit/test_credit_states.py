"""Where a credit stands before anyone acts on it, the month it counts in, its id."""

from datetime import UTC, datetime

from models.case.credit_states import credit_month, credits_with_ids, earned_state, minor_units
from tests.api.credit_cases import breached, case_with, settled


def test_the_case_alone_makes_a_credit_accruing_without_amount_eligible_or_granted() -> None:
    assert earned_state(breached()) == "accruing"
    assert earned_state(breached(computation="no monthly fee is known")) == "no_amount"
    assert earned_state(settled()) == "eligible"
    assert earned_state(settled().model_copy(update={"upon_request": False})) == "granted"


def test_the_month_is_the_receipt_s_in_the_zone() -> None:
    # 20:00 on 30 April in Denver is 02:00 on 1 May in UTC.
    received = datetime(2027, 5, 1, 2, 0, tzinfo=UTC)
    assert credit_month(received, "America/Denver") == "2027-04"
    assert credit_month(received, "UTC") == "2027-05"


def test_minor_units_are_those_the_amount_was_written_with() -> None:
    assert [minor_units(text) for text in ("14.58", "972", "1.458", "0.00")] == [2, 0, 3, 2]


def test_a_second_credit_of_a_target_gets_a_number() -> None:
    old = breached().model_copy(update={"target": None})
    case = case_with("case-a", old, settled(), breached(), settled(amount="1.00"))
    assert [credit_id for credit_id, _ in credits_with_ids(case)] == [
        "case-a:restoration",
        "case-a:restoration:2",
        "case-a:restoration:3",
    ]
