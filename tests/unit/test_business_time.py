"""Business time: hand-computed cases from every source policy, DST in both hemispheres, bad input.

Every expected value below was worked out by hand from the calendar (comments show the sums),
never by running the engine.
"""

import time as stopwatch
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from pydantic import ValidationError

from models.time.business_time import BusinessCalendar, CalendarSpec
from models.time.shipping import ship_and_delivery_dates

DENVER = ZoneInfo("America/Denver")
ROME = ZoneInfo("Europe/Rome")
GMT_MINUS_6 = ZoneInfo("Etc/GMT+6")  # POSIX sign: Etc/GMT+6 is UTC-06:00
CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WEEKDAYS, "sat", "sun")


def weekdays(*windows: str) -> dict[str, list[str]]:
    return {day: list(windows) for day in WEEKDAYS}


def calendar(timezone: str, hours: dict[str, list[str]], **holiday: Any) -> BusinessCalendar:
    return BusinessCalendar.from_spec({"timezone": timezone, "hours": hours, "holidays": holiday})


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


# The source policies' calendars.
Z_SUPPORT = calendar("America/Denver", weekdays("08:00-17:00"), country="US")
MAXONY_EU = calendar("Europe/Rome", weekdays("08:00-17:00"), country="IT")
MAXONY_AM = calendar("Etc/GMT+6", weekdays("09:00-17:00"))
EMT_STANDARD = calendar("America/Chicago", weekdays("09:00-17:00"), country="US")
EMT_PREMIUM = calendar("America/Chicago", weekdays("07:00-19:00"), country="US")
EMT_PREMIUM_PLUS = calendar("America/Chicago", {day: ["00:00-24:00"] for day in ALL_DAYS})
PROTELECOM = calendar("America/New_York", weekdays("08:00-17:00"), country="US")
SYDNEY_OFFICE = calendar(
    "Australia/Sydney", weekdays("08:00-17:00"), country="AU", subdivision="NSW"
)
SYDNEY_24X7 = calendar("Australia/Sydney", {day: ["00:00-24:00"] for day in ALL_DAYS})


# -- Z-Support: Mon-Fri 08-17 Denver, US holidays; 2 h in hours, 12 business hours outside --


def test_window_end_is_reached_the_same_day() -> None:
    monday_8 = datetime(2026, 1, 12, 8, tzinfo=DENVER)
    assert Z_SUPPORT.add(monday_8, h(8)) == datetime(2026, 1, 12, 16, tzinfo=DENVER)
    # 9 h exactly fill the day: 17:00 the same day, not 08:00 the next day.
    assert Z_SUPPORT.add(monday_8, h(9)) == datetime(2026, 1, 12, 17, tzinfo=DENVER)
    assert Z_SUPPORT.add(monday_8, h(9) + timedelta(microseconds=1)) == datetime(
        2026, 1, 13, 8, 0, 0, 1, tzinfo=DENVER
    )
    assert Z_SUPPORT.add(monday_8, timedelta(0)) == monday_8


def test_friday_afternoon_case_across_the_march_dst_change() -> None:
    # Fri 2026-03-06 16:30 MST; DST starts Sun 03-08. Fri 16:30-17:00 = 0.5 h, then Monday.
    received = datetime(2026, 3, 6, 16, 30, tzinfo=DENVER)
    response = Z_SUPPORT.add(received, h(2))  # Mon 08:00 + 1.5 h
    restoration = Z_SUPPORT.add(received, h(4))  # Mon 08:00 + 3.5 h
    assert response == datetime(2026, 3, 9, 9, 30, tzinfo=DENVER)
    assert restoration == datetime(2026, 3, 9, 11, 30, tzinfo=DENVER)
    assert response.utcoffset() == h(-6)  # MDT, returned in the calendar's zone
    assert response.astimezone(UTC) == datetime(2026, 3, 9, 15, 30, tzinfo=UTC)
    assert Z_SUPPORT.elapsed(received, restoration) == h(4)


def test_deadline_exactly_at_a_close_before_holidays_and_weekends() -> None:
    # Thu 2026-01-15 08:00 + 18 h: Thu 9 h + Fri 9 h ends exactly at Fri 17:00 (before the
    # weekend and MLK Day), not at the next opening.
    thursday = datetime(2026, 1, 15, 8, tzinfo=DENVER)
    assert Z_SUPPORT.add(thursday, h(18)) == datetime(2026, 1, 16, 17, tzinfo=DENVER)
    # Sat 2026-01-03 + exactly one business week (45 h) = Fri 01-09 17:00; + 90 h = Fri 01-16.
    saturday = datetime(2026, 1, 3, 10, tzinfo=DENVER)
    assert Z_SUPPORT.add(saturday, h(45)) == datetime(2026, 1, 9, 17, tzinfo=DENVER)
    assert Z_SUPPORT.add(saturday, h(90)) == datetime(2026, 1, 16, 17, tzinfo=DENVER)
    # Sat 01-03 + 135 h: 45 + 45, Mon 01-19 MLK Day, Tue..Fri 01-20..23 = 36 h,
    # Mon 01-26 9 h = 135 -> Mon 01-26 17:00.
    assert Z_SUPPORT.add(saturday, h(135)) == datetime(2026, 1, 26, 17, tzinfo=DENVER)


def test_friday_evening_case_outside_hours_gets_12_business_hours() -> None:
    # Fri 2026-01-09 19:00: counting starts Mon 08:00; Mon 9 h + Tue 3 h.
    received = datetime(2026, 1, 9, 19, tzinfo=DENVER)
    assert not Z_SUPPORT.is_open(received)
    assert Z_SUPPORT.next_open(received) == datetime(2026, 1, 12, 8, tzinfo=DENVER)
    assert Z_SUPPORT.add(received, h(12)) == datetime(2026, 1, 13, 11, tzinfo=DENVER)


def test_friday_evening_before_martin_luther_king_day() -> None:
    # Mon 2026-01-19 is a US holiday: Tue 9 h + Wed 3 h.
    received = datetime(2026, 1, 16, 19, tzinfo=DENVER)
    assert Z_SUPPORT.add(received, h(12)) == datetime(2026, 1, 21, 11, tzinfo=DENVER)


def test_eve_of_thanksgiving() -> None:
    # Wed 2026-11-25 16:00: 1 h left that day, Thu 26 Thanksgiving, Fri 27 08:00 + 1 h.
    received = datetime(2026, 11, 25, 16, tzinfo=DENVER)
    assert Z_SUPPORT.add(received, h(2)) == datetime(2026, 11, 27, 9, tzinfo=DENVER)


def test_christmas_eve_as_an_explicit_holiday_next_to_christmas() -> None:
    cal = calendar("America/Denver", weekdays("08:00-17:00"), country="US", dates=["2026-12-24"])
    # Wed 12-23 15:00-17:00 = 2 h; Thu 24 (explicit), Fri 25 (Christmas), weekend; Mon 28 +2 h.
    received = datetime(2026, 12, 23, 15, tzinfo=DENVER)
    assert cal.add(received, h(4)) == datetime(2026, 12, 28, 10, tzinfo=DENVER)
    assert Z_SUPPORT.add(received, h(4)) == datetime(2026, 12, 24, 10, tzinfo=DENVER)


def test_friday_case_across_the_november_dst_change() -> None:
    # Fri 2026-10-30 16:00 MDT; DST ends Sun 11-01. Fri 1 h, Mon 08:00 MST + 3 h.
    received = datetime(2026, 10, 30, 16, tzinfo=DENVER)
    due = Z_SUPPORT.add(received, h(4))
    assert due == datetime(2026, 11, 2, 11, tzinfo=DENVER)
    assert due.astimezone(UTC) == datetime(2026, 11, 2, 18, tzinfo=UTC)


def test_48_business_hours_without_reply_auto_close() -> None:
    # Mon 2026-02-02 10:00: Mon 7 + Tue..Fri 4 x 9 = 43 h; Mon 02-09 08:00 + 5 h.
    waiting_since = datetime(2026, 2, 2, 10, tzinfo=DENVER)
    assert Z_SUPPORT.add(waiting_since, h(48)) == datetime(2026, 2, 9, 13, tzinfo=DENVER)


def test_colorado_subdivision_adds_state_holidays() -> None:
    colorado = calendar("America/Denver", weekdays("08:00-17:00"), country="US", subdivision="CO")
    # Tue 2026-03-31 is Cesar Chavez Day in Colorado, not a federal holiday.
    monday = datetime(2026, 3, 30, 16, tzinfo=DENVER)
    assert Z_SUPPORT.add(monday, h(2)) == datetime(2026, 3, 31, 9, tzinfo=DENVER)
    assert colorado.add(monday, h(2)) == datetime(2026, 4, 1, 9, tzinfo=DENVER)


# -- Maxony: Europe 08-17 Rome (GMT+1, Italian holidays) and America 09-17 fixed GMT-6 --------


def test_maxony_level_2_eight_hours_from_friday_afternoon() -> None:
    # Fri 2026-01-16 16:00: 1 h, then Mon 08:00 + 7 h.
    assert MAXONY_EU.add(datetime(2026, 1, 16, 16, tzinfo=ROME), h(8)) == datetime(
        2026, 1, 19, 15, tzinfo=ROME
    )


def test_maxony_level_1_across_republic_day() -> None:
    # Mon 2026-06-01 16:00: 1 h; Tue 06-02 Festa della Repubblica; Wed 08:00 + 3 h.
    assert MAXONY_EU.add(datetime(2026, 6, 1, 16, tzinfo=ROME), h(4)) == datetime(
        2026, 6, 3, 11, tzinfo=ROME
    )


def test_maxony_europe_across_both_dst_changes() -> None:
    # Spring: Sun 2026-03-29. Fri 16:00 CET + 8 h = Mon 15:00 CEST = 13:00 UTC.
    spring = MAXONY_EU.add(datetime(2026, 3, 27, 16, tzinfo=ROME), h(8))
    assert spring.astimezone(UTC) == datetime(2026, 3, 30, 13, tzinfo=UTC)
    # Autumn: Sun 2026-10-25. Fri 16:00 CEST + 8 h = Mon 15:00 CET = 14:00 UTC.
    autumn = MAXONY_EU.add(datetime(2026, 10, 23, 16, tzinfo=ROME), h(8))
    assert autumn.astimezone(UTC) == datetime(2026, 10, 26, 14, tzinfo=UTC)


def test_maxony_legal_team_five_business_days_over_christmas() -> None:
    # From Thu 2026-12-24: Fri 25 holiday; Mon 28, Tue 29, Wed 30, Thu 31; Fri 01-01 holiday;
    # Mon 2027-01-04 is the 5th.
    assert MAXONY_EU.add_business_days(datetime(2026, 12, 24, 9, tzinfo=ROME), 5) == date(
        2027, 1, 4
    )


def test_maxony_america_fixed_offset_ignores_us_dst() -> None:
    # Fri 2026-03-06 16:00 -06:00: 1 h, Mon 09:00 + 3 h = 12:00 -06:00, still -06:00 after the
    # US change on 03-08.
    due = MAXONY_AM.add(datetime(2026, 3, 6, 16, tzinfo=GMT_MINUS_6), h(4))
    assert due == datetime(2026, 3, 9, 18, tzinfo=UTC)
    assert due.utcoffset() == h(-6)


def test_the_same_instant_in_both_maxony_regions() -> None:
    # Mon 2026-01-19 16:00 Rome = 09:00 -06:00: Europe has 1 h left today, America 8 h.
    at = datetime(2026, 1, 19, 15, tzinfo=UTC)
    assert MAXONY_EU.add(at, h(2)) == datetime(2026, 1, 20, 9, tzinfo=ROME)
    assert MAXONY_AM.add(at, h(2)) == datetime(2026, 1, 19, 11, tzinfo=GMT_MINUS_6)


# -- E-MetroTel: Standard 9-5 / 24 h, Premium 7-7 / 4 h, Premium Plus 24x7 / 2 h --------------


def test_emetrotel_standard_24_business_hours() -> None:
    # Fri 2026-01-09 10:00: Fri 7 h, Mon 8 h, Tue 8 h = 23 h, Wed 09:00 + 1 h.
    assert EMT_STANDARD.add(datetime(2026, 1, 9, 10, tzinfo=CHICAGO), h(24)) == datetime(
        2026, 1, 14, 10, tzinfo=CHICAGO
    )


def test_emetrotel_premium_4_hours_from_friday_evening() -> None:
    # Fri 2026-01-09 18:00: 1 h, Mon 07:00 + 3 h.
    assert EMT_PREMIUM.add(datetime(2026, 1, 9, 18, tzinfo=CHICAGO), h(4)) == datetime(
        2026, 1, 12, 10, tzinfo=CHICAGO
    )


def test_emetrotel_premium_plus_sunday_night() -> None:
    sunday_3 = datetime(2026, 1, 11, 3, tzinfo=CHICAGO)
    assert EMT_PREMIUM_PLUS.is_open(sunday_3)
    assert EMT_PREMIUM_PLUS.add(sunday_3, h(2)) == datetime(2026, 1, 11, 5, tzinfo=CHICAGO)


def test_24x7_counts_real_time_across_dst() -> None:
    # Spring, Sun 2026-03-08 01:30 CST = 07:30 UTC; + 2 real hours = 09:30 UTC = 04:30 CDT.
    spring = EMT_PREMIUM_PLUS.add(datetime(2026, 3, 8, 1, 30, tzinfo=CHICAGO), h(2))
    assert spring.replace(tzinfo=None) == datetime(2026, 3, 8, 4, 30)
    # Autumn, Sun 2026-11-01 00:30 CDT = 05:30 UTC; + 2 h = 07:30 UTC = the second 01:30 (CST).
    autumn = EMT_PREMIUM_PLUS.add(datetime(2026, 11, 1, 0, 30, tzinfo=CHICAGO), h(2))
    assert autumn.astimezone(UTC) == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert (autumn.hour, autumn.minute, autumn.fold) == (1, 30, 1)
    # Whole local days: 23 h in March, 25 h in November.
    day = EMT_PREMIUM_PLUS.elapsed
    assert day(datetime(2026, 3, 8, tzinfo=CHICAGO), datetime(2026, 3, 9, tzinfo=CHICAGO)) == h(23)
    assert day(datetime(2026, 11, 1, tzinfo=CHICAGO), datetime(2026, 11, 2, tzinfo=CHICAGO)) == h(
        25
    )


def test_always_is_real_time_in_utc() -> None:
    always = BusinessCalendar.always()
    start = datetime(2026, 3, 8, 1, 30, tzinfo=CHICAGO)
    # (aware + timedelta is wall-clock arithmetic in Python: compare in UTC)
    assert always.add(start, h(2)) == start.astimezone(UTC) + h(2)
    assert always.add(start, h(2)).utcoffset() == timedelta(0)
    utc_start = start.astimezone(UTC)
    assert always.elapsed(utc_start, utc_start + timedelta(days=400)) == timedelta(days=400)
    assert always.spec.hours == {day: ("00:00-24:00",) for day in ALL_DAYS}


# -- ProTelecom: 15:00 parts cut-off, next-business-day delivery and dispatch, RMA returns --


def test_parts_confirmed_before_the_cutoff_ship_the_same_day() -> None:
    thursday = datetime(2026, 1, 8, 14, 59, tzinfo=NEW_YORK)
    assert ship_and_delivery_dates(PROTELECOM, thursday) == (date(2026, 1, 8), date(2026, 1, 9))
    at_cutoff = datetime(2026, 1, 8, 15, 0, tzinfo=NEW_YORK)  # "by 3:00 PM" includes 15:00
    assert ship_and_delivery_dates(PROTELECOM, at_cutoff).ships_on == date(2026, 1, 8)


def test_parts_confirmed_after_the_cutoff_ship_the_next_business_day() -> None:
    thursday = datetime(2026, 1, 8, 15, 1, tzinfo=NEW_YORK)
    assert ship_and_delivery_dates(PROTELECOM, thursday) == (date(2026, 1, 9), date(2026, 1, 12))


def test_parts_shipped_friday_before_a_monday_holiday_arrive_tuesday() -> None:
    friday = datetime(2026, 1, 16, 10, tzinfo=NEW_YORK)  # Mon 01-19 is MLK Day
    assert ship_and_delivery_dates(PROTELECOM, friday) == (date(2026, 1, 16), date(2026, 1, 20))
    late_friday = datetime(2026, 1, 16, 15, 30, tzinfo=NEW_YORK)
    assert ship_and_delivery_dates(PROTELECOM, late_friday) == (
        date(2026, 1, 20),
        date(2026, 1, 21),
    )


def test_parts_cutoff_is_local_time_and_weekends_ship_monday() -> None:
    # 19:30 UTC is 14:30 in New York: before the cut-off there.
    assert ship_and_delivery_dates(
        PROTELECOM, datetime(2026, 1, 8, 19, 30, tzinfo=UTC)
    ).ships_on == date(2026, 1, 8)
    saturday = datetime(2026, 1, 10, 9, tzinfo=NEW_YORK)
    assert ship_and_delivery_dates(PROTELECOM, saturday) == (date(2026, 1, 12), date(2026, 1, 13))


def test_rma_return_within_5_and_10_business_days() -> None:
    # From Mon 2026-01-12: 13, 14, 15, 16, (19 MLK), 20 -> 5th is Tue 01-20.
    assert PROTELECOM.add_business_days(date(2026, 1, 12), 5) == date(2026, 1, 20)
    # From Fri 2026-12-18: 21 22 23 24, (25), 28 29 30 31, (2027-01-01), 01-04 01-05 -> 10th.
    assert PROTELECOM.add_business_days(datetime(2026, 12, 18, 12, tzinfo=NEW_YORK), 10) == date(
        2027, 1, 5
    )
    assert PROTELECOM.add_business_days(date(2026, 1, 12), 0) == date(2026, 1, 12)
    # Counting from a holiday or a weekend starts with the next business day.
    assert PROTELECOM.add_business_days(date(2026, 1, 19), 1) == date(2026, 1, 20)
    assert PROTELECOM.add_business_days(date(2026, 1, 17), 1) == date(2026, 1, 20)
    assert PROTELECOM.add_business_days(date(2026, 1, 17), 6) == date(2026, 1, 27)


def test_onsite_dispatch_next_business_day() -> None:
    # Thu 2026-07-02: Fri 07-03 is Independence Day (observed) -> Mon 07-06.
    assert PROTELECOM.add_business_days(datetime(2026, 7, 2, 20, tzinfo=NEW_YORK), 1) == date(
        2026, 7, 6
    )
    # The local date counts: 2026-07-03 01:00 UTC is still Thu 07-02 in New York.
    assert PROTELECOM.add_business_days(datetime(2026, 7, 3, 1, tzinfo=UTC), 1) == date(2026, 7, 6)


def test_business_days_far_ahead_skip_weeks() -> None:
    # 2027 has 261 weekdays (52 weeks + Fri 01-01). US federal holidays on weekdays in 2027:
    # 01-01, 01-18, 02-15, 05-31, 06-18 (Juneteenth observed), 07-05 (observed), 09-06, 10-11,
    # 11-11, 11-25, 12-24 (Christmas observed), 12-31 (New Year 2028 observed) = 12.
    # So 249 business days in 2027: the 249th after 2026-12-31 is Thu 2027-12-30 and the 250th
    # is Mon 2028-01-03.
    weekday_holidays = [d for d in holidays.country_holidays("US", years=2027) if d.weekday() < 5]
    assert len(weekday_holidays) == 12
    assert PROTELECOM.add_business_days(date(2026, 12, 31), 249) == date(2027, 12, 30)
    assert PROTELECOM.add_business_days(date(2026, 12, 31), 250) == date(2028, 1, 3)


# -- Australia/Sydney: southern-hemisphere DST ends in April, starts in October ------------


def test_sydney_case_across_easter_and_the_april_dst_end() -> None:
    # Thu 2026-04-02 16:00 AEDT: 1 h; Good Friday, Easter Monday; DST ends Sun 04-05;
    # Tue 04-07 08:00 AEST + 3 h = 11:00 AEST = 01:00 UTC.
    due = SYDNEY_OFFICE.add(datetime(2026, 4, 2, 16, tzinfo=SYDNEY), h(4))
    assert due == datetime(2026, 4, 7, 11, tzinfo=SYDNEY)
    assert due.astimezone(UTC) == datetime(2026, 4, 7, 1, tzinfo=UTC)


def test_sydney_case_across_the_october_dst_start_and_labour_day() -> None:
    # Fri 2026-10-02 16:00 AEST: 1 h; DST starts Sun 10-04; Mon 10-05 Labour Day (NSW);
    # Tue 10-06 08:00 AEDT + 3 h = 11:00 AEDT = 00:00 UTC.
    due = SYDNEY_OFFICE.add(datetime(2026, 10, 2, 16, tzinfo=SYDNEY), h(4))
    assert due.astimezone(UTC) == datetime(2026, 10, 6, 0, tzinfo=UTC)


def test_sydney_24x7_across_both_dst_changes() -> None:
    # 2026-04-05 01:30 AEDT = 04-04 14:30 UTC; + 2 h = 16:30 UTC = the second 02:30 (AEST).
    april = SYDNEY_24X7.add(datetime(2026, 4, 5, 1, 30, tzinfo=SYDNEY), h(2))
    assert april.astimezone(UTC) == datetime(2026, 4, 4, 16, 30, tzinfo=UTC)
    assert (april.hour, april.minute, april.fold) == (2, 30, 1)
    # 2026-10-04 01:30 AEST = 10-03 15:30 UTC; + 2 h = 17:30 UTC = 04:30 AEDT.
    october = SYDNEY_24X7.add(datetime(2026, 10, 4, 1, 30, tzinfo=SYDNEY), h(2))
    assert october.replace(tzinfo=None) == datetime(2026, 10, 4, 4, 30)


# -- wall-clock windows on DST days -------------------------------------------------------


def test_a_window_containing_the_dst_gap_is_shorter_in_real_time() -> None:
    cal = calendar("America/Denver", {"sun": ["00:00-06:00"]})
    spring, autumn = date(2026, 3, 8), date(2026, 11, 1)
    # 00:00 MST (07:00 UTC) .. 06:00 MDT (12:00 UTC) = 5 h; in November 06:00 UTC .. 13:00 = 7 h.
    for day, real_hours in ((spring, 5), (autumn, 7)):
        close = cal.local_close(day)
        assert close is not None
        assert cal.elapsed(cal.at_local(day, time(0)), close) == h(real_hours)
    week = datetime(2026, 3, 2, tzinfo=DENVER), datetime(2026, 3, 16, tzinfo=DENVER)
    assert cal.elapsed(*week) == h(6 + 5)
    # 1 h after the spring-forward opening, 2 real hours have passed on the wall clock.
    assert cal.add(datetime(2026, 3, 8, 0, tzinfo=DENVER), h(2)) == datetime(
        2026, 3, 8, 3, tzinfo=DENVER
    )


def test_office_hours_are_unaffected_by_a_night_time_dst_change() -> None:
    # 08:00-17:00 is still 9 real hours on a spring-forward Sunday.
    cal = calendar("America/Denver", {"sun": ["08:00-17:00"]})
    assert cal.elapsed(
        datetime(2026, 3, 8, tzinfo=DENVER), datetime(2026, 3, 9, tzinfo=DENVER)
    ) == h(9)


def test_windows_overlapping_in_real_time_because_of_the_gap_are_merged() -> None:
    # Sun 2026-03-08 Denver: 02:30 does not exist; fold=0 reads it as MST, i.e. 03:30 MDT.
    # 01:00-02:30 -> [08:00, 09:30) UTC; 03:00-05:00 -> [09:00, 11:00) UTC; union 3 h, not 3.5 h.
    cal = calendar("America/Denver", {"sun": ["01:00-02:30", "03:00-05:00"]})
    sunday = datetime(2026, 3, 8, tzinfo=DENVER)
    assert cal.elapsed(sunday, sunday + h(24)) == h(3)
    assert cal.next_open(sunday) == datetime(2026, 3, 8, 8, tzinfo=UTC)
    # The ambiguous 01:00-02:00 in November is read as its first occurrence (MDT) with fold=0.
    autumn = calendar("America/Denver", {"sun": ["01:00-01:30"]})
    opens = autumn.next_open(datetime(2026, 11, 1, tzinfo=DENVER))
    assert opens.astimezone(UTC) == datetime(2026, 11, 1, 7, tzinfo=UTC)
    assert not autumn.is_open(datetime(2026, 11, 1, 8, 15, tzinfo=UTC))  # the second 01:15


# -- windows, opening and closing, elapsed with pauses ---------------------------------------


def test_several_windows_a_day_and_windows_ending_at_midnight() -> None:
    split = calendar("UTC", weekdays("08:00-12:00", "13:00-17:00"))
    monday_10 = datetime(2026, 1, 12, 10, tzinfo=UTC)
    assert split.add(monday_10, h(4)) == datetime(2026, 1, 12, 15, tzinfo=UTC)  # 2 h + 2 h
    assert not split.is_open(datetime(2026, 1, 12, 12, 30, tzinfo=UTC))
    night = calendar("UTC", {"mon": ["22:00-24:00"], "tue": ["00:00-02:00"]})
    assert night.add(datetime(2026, 1, 12, 23, tzinfo=UTC), h(2)) == datetime(
        2026, 1, 13, 1, tzinfo=UTC
    )
    assert night.is_open(datetime(2026, 1, 13, 0, tzinfo=UTC))
    assert night.local_close(date(2026, 1, 12)) == datetime(2026, 1, 13, tzinfo=UTC)


def test_is_open_and_next_open_at_the_edges() -> None:
    assert Z_SUPPORT.is_open(datetime(2026, 1, 12, 8, tzinfo=DENVER))
    assert not Z_SUPPORT.is_open(datetime(2026, 1, 12, 17, tzinfo=DENVER))
    inside = datetime(2026, 1, 12, 12, 34, 56, 789, tzinfo=DENVER)
    assert Z_SUPPORT.next_open(inside) == inside
    assert Z_SUPPORT.next_open(datetime(2026, 1, 16, 17, tzinfo=DENVER)) == datetime(
        2026, 1, 20, 8, tzinfo=DENVER
    )  # Friday close -> Tuesday (Monday is MLK Day)
    assert not Z_SUPPORT.is_open(datetime(2026, 1, 19, 10, tzinfo=DENVER))  # holiday


def test_elapsed_is_signed_and_subtracts_the_union_of_pauses() -> None:
    mon_8, mon_17 = (
        datetime(2026, 1, 12, 8, tzinfo=DENVER),
        datetime(2026, 1, 12, 17, tzinfo=DENVER),
    )
    assert Z_SUPPORT.elapsed(mon_8, mon_17) == h(9)
    assert Z_SUPPORT.elapsed(mon_17, mon_8) == h(-9)
    pauses = [(mon_8 + h(1), mon_8 + h(3)), (mon_8 + h(2), mon_8 + h(4))]  # 09-11 and 10-12
    assert Z_SUPPORT.elapsed(mon_8, mon_17, pauses) == h(9 - 3)
    # Pauses outside hours or outside [start, end) take nothing away.
    night = [(mon_17, mon_17 + h(15)), (mon_8 - h(30), mon_8 - h(20))]
    assert Z_SUPPORT.elapsed(mon_8, mon_17, night) == h(9)
    # A whole week: 5 x 9 h, minus Monday 01-19 (MLK Day).
    assert Z_SUPPORT.elapsed(
        datetime(2026, 1, 17, tzinfo=DENVER), datetime(2026, 1, 24, tzinfo=DENVER)
    ) == h(36)


def test_add_with_pauses_is_the_earliest_instant_with_that_much_unpaused_time() -> None:
    mon_8 = datetime(2026, 1, 12, 8, tzinfo=DENVER)
    pauses = [(mon_8 + h(1), mon_8 + h(3))]  # 09:00-11:00
    assert Z_SUPPORT.add(mon_8, h(1), pauses) == mon_8 + h(1)  # reached as the pause begins
    assert Z_SUPPORT.add(mon_8, h(2), pauses) == mon_8 + h(4)
    assert Z_SUPPORT.add(mon_8 + h(2), h(1), pauses) == mon_8 + h(4)  # starts inside the pause
    assert Z_SUPPORT.add(mon_8 + h(2), timedelta(0), pauses) == mon_8 + h(
        2
    )  # 0 is 0, paused or not


def test_local_close_and_at_local() -> None:
    assert Z_SUPPORT.local_close(date(2026, 3, 9)) == datetime(2026, 3, 9, 17, tzinfo=DENVER)
    assert Z_SUPPORT.local_close(date(2026, 1, 19)) is None  # holiday
    assert Z_SUPPORT.local_close(date(2026, 1, 17)) is None  # Saturday
    # 02:30 on 2026-03-08 does not exist in Denver: fold=0 reads it with MST -> 03:30 MDT.
    assert Z_SUPPORT.at_local(date(2026, 3, 8), time(2, 30)) == datetime(
        2026, 3, 8, 9, 30, tzinfo=UTC
    )
    assert Z_SUPPORT.is_business_day(date(2026, 1, 20))
    assert not Z_SUPPORT.is_business_day(date(2026, 1, 19))


def test_10000_business_hours_is_fast_and_consistent() -> None:
    start = datetime(2026, 1, 2, 9, tzinfo=DENVER)
    far = Z_SUPPORT.add(start, h(10_000))
    # The same deadline reached in 100 chained steps of 100 h.
    step = start
    for _ in range(100):
        step = Z_SUPPORT.add(step, h(100))
    assert far == step
    assert Z_SUPPORT.elapsed(start, far) == h(10_000)
    began = stopwatch.perf_counter()
    for _ in range(100):
        Z_SUPPORT.add(start, h(10_000))
    per_call = (stopwatch.perf_counter() - began) / 100
    assert per_call < 0.002, f"{per_call * 1e6:.0f} us per add of 10,000 h"


# -- specs: caching, resolution, round trips ------------------------------------------------


def test_equal_specs_share_one_calendar() -> None:
    spec = {
        "timezone": "America/Denver",
        "hours": weekdays("08:00-17:00"),
        "holidays": {"country": "US"},
    }
    assert BusinessCalendar.from_spec(spec) is BusinessCalendar.from_spec(dict(spec))
    assert BusinessCalendar.from_spec(spec) is Z_SUPPORT


def test_resolved_spec_lists_every_holiday_and_never_consults_the_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = CalendarSpec.model_validate(
        {
            "timezone": "America/Denver",
            "hours": weekdays("08:00-17:00"),
            "holidays": {
                "country": "US",
                "years": [2026, 2027],
                "dates": ["2026-12-24", "2026-12-25"],
            },
        }
    )
    resolved = spec.resolved()
    assert resolved.holidays.resolved and resolved.is_resolved and not spec.is_resolved
    dates = resolved.holidays.dates
    assert list(dates) == sorted(set(dates))  # sorted, no duplicate for 2026-12-25
    assert date(2026, 12, 24) in dates and date(2027, 11, 25) in dates  # Thanksgiving 2027
    assert not any(d.year == 2028 for d in dates)
    assert resolved.resolved() is resolved

    def broken(*args: object, **kwargs: object) -> None:
        raise AssertionError("a resolved spec consulted the holidays package")

    monkeypatch.setattr(holidays, "country_holidays", broken)
    monkeypatch.setattr(holidays, "list_supported_countries", broken)
    again = CalendarSpec.model_validate_json(resolved.model_dump_json())
    assert again == resolved
    cal = BusinessCalendar.from_spec(again)
    assert cal.add(datetime(2026, 11, 25, 16, tzinfo=DENVER), h(2)) == datetime(
        2026, 11, 27, 9, tzinfo=DENVER
    )


def test_spec_round_trips_and_normalises() -> None:
    spec = CalendarSpec.model_validate(
        {
            "timezone": "Europe/Rome",
            "hours": {"mon": ["13:00-17:00", "08:00-12:00"], "sat": []},
            "holidays": {"dates": ["2026-06-02", "2026-01-06", "2026-06-02"]},
        }
    )
    assert spec.hours == {"mon": ("08:00-12:00", "13:00-17:00"), "sat": ()}
    assert spec.holidays.dates == (date(2026, 1, 6), date(2026, 6, 2))
    assert CalendarSpec.model_validate_json(spec.model_dump_json()) == spec
    assert hash(CalendarSpec.model_validate(spec.model_dump())) == hash(spec)


# -- bad input: every error names its field -------------------------------------------------


def spec_error(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        CalendarSpec.model_validate(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"mon": ["17:00-08:00"]}, 'hours.mon[0]: "17:00-08:00" ends before it starts'),
        ({"mon": ["08:00-17:00"], "tue": ["25:00"]}, 'hours.tue[0]: "25:00" is not a window'),
        ({"wed": ["08:00-12:00", "8-17"]}, 'hours.wed[1]: "8-17" is not a window'),
        ({"thu": ["25:00-26:00"]}, 'hours.thu[0]: "25:00-26:00": start 25:00 is not a valid time'),
        ({"fri": ["08:00-24:30"]}, 'hours.fri[0]: "08:00-24:30": end 24:30 is not a valid time'),
        ({"fri": ["08:60-09:00"]}, "hours.fri[0]"),
        ({"sat": ["24:00-24:00"]}, 'hours.sat[0]: "24:00-24:00": start 24:00'),
        ({"sun": ["08:00-08:00"]}, 'hours.sun[0]: "08:00-08:00" is empty'),
        (
            {"mon": ["08:00-13:00", "12:00-17:00"]},
            'hours.mon[1]: "12:00-17:00" overlaps "08:00-13:00"',
        ),
        ({"mon": "08:00-17:00"}, "hours.mon: expected a list of windows"),
        ({"monday": ["08:00-17:00"]}, "hours.monday: unknown weekday"),
        ({"mon": [8]}, 'hours.mon[0]: expected a window "HH:MM-HH:MM"'),
        ({}, "hours: no business hours at all"),
        ({"sat": []}, "hours: no business hours at all"),
    ],
)
def test_malformed_windows_name_the_field(hours: dict[str, Any], message: str) -> None:
    error = spec_error({"timezone": "UTC", "hours": hours})
    assert message in error


def test_window_errors_carry_the_path_for_an_embedding_schema() -> None:
    with pytest.raises(ValidationError) as caught:
        CalendarSpec.model_validate({"timezone": "UTC", "hours": {"mon": ["17:00-08:00"]}})
    (error,) = caught.value.errors()
    assert error["loc"] == ("hours",)
    assert error["msg"].endswith('hours.mon[0]: "17:00-08:00" ends before it starts')


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"timezone": "Mars/Base"}, 'timezone: unknown IANA time zone "Mars/Base"'),
        ({"timezone": "../../etc/passwd"}, "timezone: unknown IANA time zone"),
        ({"timezone": "localtime"}, 'timezone: "localtime" depends on the host'),
        ({"holidays": {"country": "XX"}}, 'holidays.country: unknown holiday country "XX"'),
        (
            {"holidays": {"country": "US", "subdivision": "ZZ"}},
            'holidays.subdivision: unknown subdivision "ZZ"',
        ),
        ({"holidays": {"subdivision": "CO"}}, "holidays.subdivision: needs holidays.country"),
        ({"holidays": {"dates": ["2026-13-01"]}}, "holidays.dates[0]: '2026-13-01' is not a date"),
        ({"holidays": {"dates": ["2026-01-01", "tomorrow"]}}, "holidays.dates[1]: 'tomorrow'"),
        ({"holidays": {"years": [2040, 2020]}}, "holidays.years: [2040, 2020] must be ordered"),
        ({"holidays": {"years": [2020]}}, "holidays.years: expected [first, last]"),
        (
            {"holidays": {"country": "US", "region": "CO"}},
            "holidays.region\n  Extra inputs are not permitted",
        ),
        ({"colour": "blue"}, "colour\n  Extra inputs are not permitted"),
    ],
)
def test_bad_calendar_fields_are_named(patch: dict[str, Any], message: str) -> None:
    data: dict[str, Any] = {"timezone": "UTC", "hours": weekdays("08:00-17:00")} | patch
    assert message in spec_error(data)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: Z_SUPPORT.add(datetime(2026, 1, 12, 8), h(1)), "start: naive datetime"),
        (
            lambda: Z_SUPPORT.add(datetime(2026, 1, 12, 8, tzinfo=UTC), h(-1)),
            "duration: must not be negative",
        ),
        (
            lambda: Z_SUPPORT.add(datetime(2026, 1, 12, tzinfo=UTC), 3600),  # type: ignore[arg-type]
            "duration: expected a timedelta",
        ),
        (lambda: Z_SUPPORT.is_open(datetime(2026, 1, 12, 8)), "at: naive datetime"),
        (lambda: Z_SUPPORT.next_open(datetime(2026, 1, 12, 8)), "at: naive datetime"),
        (
            lambda: Z_SUPPORT.elapsed(datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 1, 13)),
            "end: naive datetime",
        ),
        (
            lambda: Z_SUPPORT.elapsed(
                datetime(2026, 1, 12, tzinfo=UTC),
                datetime(2026, 1, 13, tzinfo=UTC),
                [(datetime(2026, 1, 12, 9), datetime(2026, 1, 12, 10, tzinfo=UTC))],
            ),
            "paused[0].start: naive datetime",
        ),
        (
            lambda: Z_SUPPORT.elapsed(
                datetime(2026, 1, 12, tzinfo=UTC),
                datetime(2026, 1, 13, tzinfo=UTC),
                [(datetime(2026, 1, 12, 10, tzinfo=UTC), datetime(2026, 1, 12, 9, tzinfo=UTC))],
            ),
            "paused[0]: ends before it starts",
        ),
        (lambda: Z_SUPPORT.add_business_days(datetime(2026, 1, 12), 1), "start: naive datetime"),
        (lambda: Z_SUPPORT.add_business_days(date(2026, 1, 12), -1), "n: expected a whole number"),
        (
            lambda: Z_SUPPORT.is_business_day(datetime(2026, 1, 12, tzinfo=UTC)),
            "day: expected a date",
        ),
        (
            lambda: ship_and_delivery_dates(PROTELECOM, datetime(2026, 1, 8, 14)),
            "confirmed_at: naive",
        ),
        (
            lambda: ship_and_delivery_dates(
                PROTELECOM, datetime(2026, 1, 8, 14, tzinfo=UTC), time(15, tzinfo=UTC)
            ),
            "cutoff: expected a local wall-clock time",
        ),
        (
            lambda: Z_SUPPORT.add(datetime(2026, 1, 12, tzinfo=UTC), timedelta(days=10**6)),
            "duration: the deadline falls outside",
        ),
    ],
)
def test_bad_arguments_name_the_argument(call: Any, field: str) -> None:
    with pytest.raises(ValueError) as caught:
        call()
    assert field in str(caught.value)


def test_unresolved_spec_cannot_build_a_calendar_directly() -> None:
    spec = CalendarSpec(timezone="UTC", hours=weekdays("08:00-17:00"), holidays={"country": "US"})
    with pytest.raises(ValueError, match="holidays: the calendar spec must be resolved"):
        BusinessCalendar(spec)
    assert BusinessCalendar.from_spec(spec).spec == spec.resolved()
