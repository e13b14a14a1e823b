"""The sent-home rules (domain/senthome.py): answers, school days, the follow-up, clusters."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import Closure, SchoolCalendar
from domain.comuni import comune_by_code
from domain.errors import ValidationFailed
from domain.senthome import (
    FOLLOW_UP_SCHOOL_DAYS,
    TEMPERATURE_RANGE,
    HandedTo,
    IncompleteReport,
    Outcome,
    SentHomeDraft,
    SentHomeField,
    SentHomeRole,
    State,
    Symptom,
    class_key,
    cluster_start,
    complete_report,
    is_school_day,
    parse_sent_day,
    parse_sent_time,
    parse_temperature,
    school_days_after,
    state_of,
)

TUESDAY = date(2026, 11, 17)
NOW = datetime(2026, 11, 17, 9, 30)  # local wall clock
CALENDAR = SchoolCalendar()
PLESSO = "MIEE8AB01T"


def draft(**changes: object) -> SentHomeDraft:
    values: dict[str, object] = {
        "plesso_code": PLESSO,
        "role": SentHomeRole.PUPIL,
        "class_name": "3",
        "section": "B",
        "surname": "BIANCHI",
        "name": "LUCA",
        "codice_fiscale": "BNCLCU15C02F205O",
        "comune": comune_by_code("F205"),
        "phone1": "+393471234567",
        "day": TUESDAY,
        "time": "09:00",
        "symptoms": (Symptom.FEVER,),
        "handed_to": HandedTo.PARENT,
    }
    values.update(changes)
    return SentHomeDraft.model_validate(values)


# --- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("9", "09:00"), ("9.05", "09:05"), ("09:30", "09:30")]
)
def test_a_time_in_the_past_is_read(text: str, expected: str) -> None:
    assert parse_sent_time(text, TUESDAY, NOW) == expected


@pytest.mark.parametrize("text", ["9:31", "23:00"])
def test_a_time_still_to_come_today_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed, match="sent_home_time_future"):
        parse_sent_time(text, TUESDAY, NOW)


def test_yesterday_any_time_is_fine() -> None:
    assert parse_sent_time("23:59", TUESDAY - timedelta(days=1), NOW) == "23:59"


@given(st.text(max_size=30))
def test_any_typed_time_is_read_or_refused_never_a_crash(text: str) -> None:
    try:
        value = parse_sent_time(text, TUESDAY, NOW)
    except ValidationFailed as refused:
        assert refused.code in ("sent_home_time", "sent_home_time_future")
    else:
        assert len(value) == 5 and value <= "09:30"


@given(st.text(max_size=30))
def test_any_typed_temperature_is_in_range_or_refused(text: str) -> None:
    try:
        value = parse_temperature(text)
    except ValidationFailed as refused:
        assert refused.code == "sent_home_temperature"
    else:
        low, high = TEMPERATURE_RANGE
        assert low <= value <= high


@pytest.mark.parametrize(("text", "expected"), [("37,8", 37.8), ("38", 38.0), (" 36.55° ", 36.5)])
def test_temperatures(text: str, expected: float) -> None:
    assert parse_temperature(text) == pytest.approx(expected, abs=0.051)


@pytest.mark.parametrize("text", ["33.9", "42.6", "nan", "inf", "alta"])
def test_temperatures_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_temperature(text)


def test_the_day_is_never_in_the_future_nor_too_old() -> None:
    assert parse_sent_day("16/11/2026", TUESDAY) == date(2026, 11, 16)
    with pytest.raises(ValidationFailed):
        parse_sent_day("18/11/2026", TUESDAY)
    with pytest.raises(ValidationFailed, match="sent_home_too_old"):
        parse_sent_day("01/11/2026", TUESDAY)


def test_class_key_folds_spaces_and_case() -> None:
    assert class_key("3", "b") == class_key("3 ", " B") == "3B"


# --- the whole report ----------------------------------------------------------------------


def test_a_complete_report() -> None:
    data = complete_report(draft(), NOW)
    assert data.initials == "L.B." and data.class_key == "3B"


def test_a_pupil_needs_who_took_them_home_staff_do_not() -> None:
    with pytest.raises(IncompleteReport) as missing:
        complete_report(draft(handed_to=None), NOW)
    assert missing.value.missing == [SentHomeField.HANDED_TO]
    staff = complete_report(
        draft(role=SentHomeRole.TEACHER, codice_fiscale="CLMLNE82D62F205B"), NOW
    )
    assert staff.handed_to is None


def test_no_symptom_no_report() -> None:
    with pytest.raises(ValidationFailed, match="sent_home_no_symptom"):
        complete_report(draft(symptoms=()), NOW)


def test_a_time_that_became_future_is_refused_on_send() -> None:
    with pytest.raises(ValidationFailed):
        complete_report(draft(time="10:00"), NOW)


# --- school days and the follow-up -----------------------------------------------------------


def test_school_days_skip_weekends_holidays_and_closures() -> None:
    assert is_school_day(CALENDAR, TUESDAY)
    assert not is_school_day(CALENDAR, date(2026, 11, 21))  # Saturday
    assert not is_school_day(CALENDAR, date(2026, 12, 8))  # Immacolata
    closed = SchoolCalendar(closures=(Closure(start=date(2026, 11, 18), end=date(2026, 11, 18)),))
    assert not is_school_day(closed, date(2026, 11, 18))
    assert school_days_after(closed, TUESDAY, date(2026, 11, 19)) == 1


def test_the_follow_up_lasts_ten_school_days() -> None:
    day = TUESDAY
    assert state_of(None, day, PLESSO, CALENDAR, TUESDAY) is State.WAITING
    tenth = date(2026, 12, 1)  # Wed 18 … Tue 1 Dec
    assert school_days_after(CALENDAR, day, tenth) == FOLLOW_UP_SCHOOL_DAYS
    assert state_of(Outcome.STILL_ABSENT, day, PLESSO, CALENDAR, tenth) is State.STILL_ABSENT
    assert state_of(None, day, PLESSO, CALENDAR, tenth + timedelta(days=1)) is State.NO_OUTCOME
    assert state_of(Outcome.POSITIVE, day, PLESSO, CALENDAR, date(2027, 1, 1)) is State.POSITIVE


def test_the_cluster_window_counts_school_days_back() -> None:
    # Tue 17, Mon 16, Fri 13: the weekend does not count.
    assert cluster_start(CALENDAR, TUESDAY, 3) == date(2026, 11, 13)
    assert cluster_start(CALENDAR, TUESDAY, 1) == TUESDAY
