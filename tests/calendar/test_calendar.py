"""The recording calendar: Tuesday and Thursday, late entry the next day until 23:59 Rome."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.calendar import (
    RECORDING_WEEKDAYS,
    Closure,
    SchoolCalendar,
    WindowStatus,
    italian_holidays,
    school_year_bounds,
    school_year_label,
    school_year_of,
)
from domain.errors import ValidationFailed
from tests.calendar.helpers import OTHER_PLESSO, PLESSO, ROME, rome, utc

CAL = SchoolCalendar(start_date=date(2023, 2, 16))

# A plain week with no holidays: Monday 12 .. Sunday 18 October 2026.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 10, 12) + timedelta(days=i) for i in range(7))
HOURS = [(0, 0, 0), (8, 0, 0), (13, 30, 0), (23, 59, 59)]


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return rome(day.year, day.month, day.day, hour, minute, second)


# --- every weekday ----------------------------------------------------------------------


@pytest.mark.parametrize("hms", HOURS)
@pytest.mark.parametrize(
    ("today", "open_", "next_"),
    [
        (MON, [], TUE),
        (TUE, [TUE], THU),
        (WED, [TUE], THU),  # yesterday, last chance
        (THU, [THU], date(2026, 10, 20)),  # only Thursday: Tuesday's window is shut
        (FRI, [THU], date(2026, 10, 20)),
        (SAT, [], date(2026, 10, 20)),
        (SUN, [], date(2026, 10, 20)),
    ],
)
def test_each_weekday_offers_the_right_day(
    today: date, open_: list[date], next_: date, hms: tuple[int, int, int]
) -> None:
    now = at(today, *hms)
    assert CAL.open_days(now) == open_
    assert CAL.next_window_opening(now) == next_


def test_recording_weekdays_are_tuesday_and_thursday() -> None:
    assert RECORDING_WEEKDAYS == (1, 3)
    assert [CAL.is_recording_day(d) for d in (MON, TUE, WED, THU, FRI, SAT, SUN)] == [
        False, True, False, True, False, False, False,
    ]  # fmt: skip


def test_on_thursday_tuesday_is_refused() -> None:
    assert CAL.window_status(TUE, at(THU, 0, 0, 0)) is WindowStatus.CLOSED
    assert CAL.window_status(THU, at(THU, 0, 0, 0)) is WindowStatus.OPEN


def test_nothing_is_recorded_ahead() -> None:
    assert CAL.window_status(THU, at(WED, 23, 59, 59)) is WindowStatus.TOO_EARLY
    assert CAL.window_status(TUE, at(MON, 23, 59, 59)) is WindowStatus.TOO_EARLY


# --- the 23:59 edge ---------------------------------------------------------------------


def test_wednesday_last_microsecond_is_still_open_for_tuesday() -> None:
    now = rome(2026, 10, 14, 23, 59, 59, 999_999)
    assert CAL.window_status(TUE, now) is WindowStatus.OPEN
    assert CAL.open_days(now) == [TUE]
    assert now == CAL.deadline(TUE)


def test_thursday_midnight_is_closed_for_tuesday() -> None:
    now = rome(2026, 10, 15, 0, 0, 0)
    assert CAL.window_status(TUE, now) is WindowStatus.CLOSED
    assert CAL.open_days(now) == [THU]


def test_saturday_midnight_closes_thursday() -> None:
    assert CAL.window_status(THU, rome(2026, 10, 16, 23, 59, 59)) is WindowStatus.OPEN
    assert CAL.window_status(THU, rome(2026, 10, 17, 0, 0, 0)) is WindowStatus.CLOSED
    assert CAL.open_days(rome(2026, 10, 17, 0, 0, 0)) == []


def test_deadline_is_next_day_end_in_rome() -> None:
    deadline = CAL.deadline(TUE)
    assert deadline == rome(2026, 10, 14, 23, 59, 59, 999_999)
    assert deadline.tzinfo == ROME


# --- clock changes ----------------------------------------------------------------------


def test_deadline_after_october_clock_change_is_winter_time() -> None:
    # Summer time ends on Sunday 25 October 2026: the Tuesday after is in CET (UTC+1).
    assert CAL.deadline(date(2026, 10, 27)).utcoffset() == timedelta(hours=1)
    assert CAL.deadline(date(2026, 10, 20)).utcoffset() == timedelta(hours=2)
    # The deadline of the day before the change falls on the change day itself.
    assert CAL.deadline(date(2026, 10, 24)).utcoffset() == timedelta(hours=1)


def test_deadline_after_march_clock_change_is_summer_time() -> None:
    # Summer time starts on Sunday 28 March 2027.
    assert CAL.deadline(date(2027, 3, 23)).utcoffset() == timedelta(hours=1)
    assert CAL.deadline(date(2027, 3, 30)).utcoffset() == timedelta(hours=2)
    assert CAL.deadline(date(2027, 3, 27)).utcoffset() == timedelta(hours=2)


def test_utc_now_is_read_in_rome_in_winter() -> None:
    tuesday = date(2026, 10, 27)
    # 22:30 UTC on Wednesday = 23:30 in Rome: still Wednesday, still open.
    assert CAL.open_days(utc(2026, 10, 28, 22, 30)) == [tuesday]
    assert CAL.window_status(tuesday, utc(2026, 10, 28, 22, 59)) is WindowStatus.OPEN
    # 23:00 UTC = midnight in Rome: Thursday has begun, Tuesday is closed.
    assert CAL.open_days(utc(2026, 10, 28, 23, 0)) == [date(2026, 10, 29)]
    assert CAL.window_status(tuesday, utc(2026, 10, 28, 23, 0)) is WindowStatus.CLOSED
    # 23:30 UTC on Monday is already Tuesday in Rome.
    assert CAL.open_days(utc(2026, 10, 26, 23, 30)) == [tuesday]


def test_utc_now_is_read_in_rome_in_summer() -> None:
    tuesday = date(2027, 3, 30)
    assert CAL.window_status(tuesday, utc(2027, 3, 31, 21, 59)) is WindowStatus.OPEN
    assert CAL.window_status(tuesday, utc(2027, 3, 31, 22, 0)) is WindowStatus.CLOSED
    assert CAL.open_days(utc(2027, 3, 29, 22, 0)) == [tuesday]  # midnight CEST


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        CAL.open_days(datetime(2026, 10, 13, 12, 0))


# --- holidays ---------------------------------------------------------------------------


def test_immacolata_tuesday_is_no_recording_day() -> None:
    immacolata = date(2026, 12, 8)
    assert not CAL.is_recording_day(immacolata)
    assert CAL.window_status(immacolata, at(immacolata)) is WindowStatus.HOLIDAY
    assert CAL.open_days(at(immacolata)) == []
    assert CAL.next_window_opening(at(immacolata)) == date(2026, 12, 10)


def test_wednesday_after_a_holiday_tuesday_offers_nothing() -> None:
    assert CAL.open_days(rome(2026, 12, 9, 10)) == []
    assert CAL.window_status(date(2026, 12, 8), rome(2026, 12, 9, 10)) is WindowStatus.HOLIDAY
    assert CAL.next_window_opening(rome(2026, 12, 9, 10)) == date(2026, 12, 10)


def test_holiday_on_the_late_day_still_allows_the_late_entry() -> None:
    # 2 June 2027 is a Wednesday: Tuesday 1 June can still be entered on it.
    assert CAL.open_days(rome(2027, 6, 2, 18)) == [date(2027, 6, 1)]


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 6),  # Epifania, Tuesday
        date(2026, 6, 2),  # Festa della Repubblica, Tuesday
        date(2028, 4, 25),  # Liberazione, Tuesday
        date(2029, 11, 1),  # Ognissanti, Thursday
        date(2025, 12, 25),  # Natale, Thursday
    ],
)
def test_national_holidays_on_recording_weekdays(day: date) -> None:
    assert day.weekday() in RECORDING_WEEKDAYS
    assert CAL.is_holiday(day)
    assert not CAL.is_recording_day(day)


def test_holidays_on_other_weekdays_change_nothing() -> None:
    # 25 April 2026 is a Saturday, Easter Monday is a Monday, 1 Nov 2026 a Sunday.
    for day in (date(2026, 4, 25), date(2026, 4, 6), date(2026, 11, 1)):
        assert CAL.is_holiday(day)
        assert CAL.window_status(day, at(day)) is WindowStatus.NOT_RECORDING_DAY
    assert CAL.open_days(rome(2026, 4, 7)) == [date(2026, 4, 7)]  # Tuesday after Easter


def test_patron_saint_only_with_a_subdivision() -> None:
    sant_ambrogio = date(2027, 12, 7)  # a Tuesday
    assert CAL.is_recording_day(sant_ambrogio)
    milano = SchoolCalendar(holidays=italian_holidays("MI"))
    assert not milano.is_recording_day(sant_ambrogio)
    assert not milano.is_recording_day(date(2027, 12, 8))  # national ones are kept


def test_holiday_provider_can_be_injected() -> None:
    cal = SchoolCalendar(holidays=lambda day: day == TUE)
    assert cal.window_status(TUE, at(TUE)) is WindowStatus.HOLIDAY
    assert cal.is_recording_day(date(2026, 12, 8))  # the injected provider replaces the default


# --- closures ---------------------------------------------------------------------------


def test_ats_wide_closure_includes_both_ends() -> None:
    cal = SchoolCalendar(closures=(Closure(TUE, THU),))
    for plesso in (None, PLESSO):
        assert not cal.is_recording_day(TUE, plesso)
        assert not cal.is_recording_day(THU, plesso)
    assert cal.is_recording_day(date(2026, 10, 20), PLESSO)
    assert cal.window_status(THU, at(THU), PLESSO) is WindowStatus.CLOSURE
    assert cal.open_days(at(WED)) == []


def test_closure_from_wednesday_leaves_tuesday_open() -> None:
    cal = SchoolCalendar(closures=(Closure(WED, THU),))
    assert cal.open_days(at(WED)) == [TUE]
    assert cal.open_days(at(THU)) == []
    assert cal.next_window_opening(at(WED)) == date(2026, 10, 20)


def test_plesso_closure_applies_to_that_plesso_only() -> None:
    cal = SchoolCalendar(closures=(Closure(TUE, TUE, PLESSO),))
    assert cal.open_days(at(TUE), PLESSO) == []
    assert cal.window_status(TUE, at(TUE), PLESSO) is WindowStatus.CLOSURE
    assert cal.open_days(at(TUE), OTHER_PLESSO) == [TUE]
    assert cal.open_days(at(TUE)) == [TUE]  # the ATS as a whole still records
    assert cal.open_days(at(TUE), PLESSO.lower()) == []
    assert cal.next_window_opening(at(MON), PLESSO) == THU


def test_closure_covers() -> None:
    ats = Closure(date(2026, 12, 23), date(2027, 1, 6))
    assert ats.covers(date(2026, 12, 23)) and ats.covers(date(2027, 1, 6), PLESSO)
    assert not ats.covers(date(2026, 12, 22)) and not ats.covers(date(2027, 1, 7))
    one = Closure(TUE, TUE, PLESSO)
    assert one.covers(TUE, PLESSO)
    assert not one.covers(TUE, OTHER_PLESSO)
    assert not one.covers(TUE, None)


def test_closure_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationFailed) as failed:
        Closure(THU, TUE)
    assert failed.value.code == "closure_end_before_start"
    assert failed.value.params == {"start": "15/10/2026", "end": "13/10/2026"}


def test_long_closure_beyond_search_bound_gives_no_next_window() -> None:
    cal = SchoolCalendar(closures=(Closure(date(2026, 1, 1), date(2030, 1, 1)),))
    assert cal.next_window_opening(rome(2026, 6, 1)) is None


# --- start date -------------------------------------------------------------------------


def test_nothing_before_the_start_date() -> None:
    cal = SchoolCalendar(start_date=THU)
    assert not cal.is_recording_day(TUE)
    assert cal.is_recording_day(THU)
    assert cal.window_status(TUE, at(TUE)) is WindowStatus.BEFORE_START
    assert cal.open_days(at(TUE)) == []
    assert cal.open_days(at(WED)) == []
    assert cal.next_window_opening(at(MON)) == THU
    assert cal.last_recording_days(date(2026, 10, 31), 10) == [
        THU, date(2026, 10, 20), date(2026, 10, 22), date(2026, 10, 27), date(2026, 10, 29),
    ]  # fmt: skip


def test_no_start_date_means_no_start_limit() -> None:
    assert SchoolCalendar().is_recording_day(date(2020, 1, 7))


# --- precedence of window_status --------------------------------------------------------


def test_window_status_precedence() -> None:
    immacolata = date(2026, 12, 8)
    everything = SchoolCalendar(
        start_date=date(2027, 1, 1), closures=(Closure(date(2026, 12, 1), date(2026, 12, 31)),)
    )
    # time comes first
    assert everything.window_status(immacolata, rome(2026, 12, 7)) is WindowStatus.TOO_EARLY
    assert everything.window_status(MON, rome(2026, 12, 7)) is WindowStatus.CLOSED
    assert everything.window_status(immacolata, rome(2026, 12, 10)) is WindowStatus.CLOSED
    # then the reasons, in order
    assert everything.window_status(date(2026, 12, 7), rome(2026, 12, 7)) is (
        WindowStatus.NOT_RECORDING_DAY
    )
    assert everything.window_status(immacolata, rome(2026, 12, 8)) is WindowStatus.HOLIDAY
    assert everything.window_status(date(2026, 12, 10), rome(2026, 12, 10)) is (
        WindowStatus.CLOSURE
    )
    before = SchoolCalendar(start_date=date(2027, 1, 1))
    assert before.window_status(date(2026, 12, 10), rome(2026, 12, 10)) is (
        WindowStatus.BEFORE_START
    )


def test_require_open_raises_a_catalog_code() -> None:
    CAL.require_open(TUE, at(WED))
    with pytest.raises(ValidationFailed) as failed:
        CAL.require_open(TUE, at(THU))
    assert failed.value.code == "window_closed"
    assert failed.value.params == {"day": "13/10/2026", "deadline": "14/10/2026"}
    with pytest.raises(ValidationFailed) as failed:
        CAL.require_open(date(2026, 12, 8), rome(2026, 12, 8))
    assert failed.value.code == "window_holiday"


# --- ranges -----------------------------------------------------------------------------


def test_recording_days_of_december_skip_the_immacolata() -> None:
    assert CAL.recording_days_between(date(2026, 12, 1), date(2026, 12, 31)) == [
        date(2026, 12, d) for d in (1, 3, 10, 15, 17, 22, 24, 29, 31)
    ]


def test_recording_days_between_includes_both_ends_and_respects_closures() -> None:
    cal = SchoolCalendar(closures=(Closure(THU, THU, PLESSO),))
    assert cal.recording_days_between(TUE, THU) == [TUE, THU]
    assert cal.recording_days_between(TUE, THU, PLESSO) == [TUE]
    assert cal.recording_days_between(THU, TUE) == []


def test_last_four_recording_days() -> None:
    assert CAL.last_recording_days(date(2026, 12, 10), 4) == [
        date(2026, 11, 26), date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 10),
    ]  # fmt: skip
    assert CAL.last_recording_days(date(2026, 12, 9), 2) == [date(2026, 12, 1), date(2026, 12, 3)]
    assert CAL.last_recording_days(date(2026, 12, 9), 0) == []


# --- school years -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 9, 1), 2026),
        (date(2026, 12, 31), 2026),
        (date(2027, 8, 31), 2026),
        (date(2026, 8, 31), 2025),
        (date(2027, 1, 1), 2026),
    ],
)
def test_school_year_of(day: date, year: int) -> None:
    assert school_year_of(day) == year


def test_school_year_bounds_and_label() -> None:
    assert school_year_bounds(2026) == (date(2026, 9, 1), date(2027, 8, 31))
    assert school_year_label(2026) == "2026/27"
    assert school_year_label(2099) == "2099/00"
