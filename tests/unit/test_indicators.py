"""The /stato indicators (domain/indicators.py): pure, one group of tests per indicator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.calendar import Closure, SchoolCalendar
from domain.indicators import (
    ClosedCase,
    OpenCase,
    SentinelPlesso,
    closed_recording_days,
    closed_this_week,
    missed_recordings,
    stale_open_cases,
    week_start,
)

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 11, 17, 9, 30, tzinfo=ROME)  # a Tuesday
CALENDAR = SchoolCalendar(timezone=ROME, holidays=lambda day: False)


def _open(case_id: int, hours_ago: float, plesso: str = "P1", name: str = "Tigli") -> OpenCase:
    return OpenCase(
        case_id=case_id,
        plesso_code=plesso,
        plesso_name=name,
        referent_name="Maria Rossi",
        created_at=NOW - timedelta(hours=hours_ago),
    )


def _closed(case_id: int, open_hours: float, closed_hours_ago: float, contacts: int) -> ClosedCase:
    closed_at = NOW - timedelta(hours=closed_hours_ago)
    return ClosedCase(
        case_id=case_id,
        created_at=closed_at - timedelta(hours=open_hours),
        closed_at=closed_at,
        contacts=contacts,
    )


# --- open cases older than 48 hours --------------------------------------------------------


def test_no_open_cases_no_stale_plessi() -> None:
    assert stale_open_cases([], NOW) == []


def test_only_cases_older_than_48_hours_grouped_by_plesso_oldest_first() -> None:
    cases = [
        _open(1, 10),
        _open(2, 49),
        _open(3, 72, plesso="P2", name="Girasole"),
        _open(4, 100),
        _open(5, 48),  # exactly 48 hours: not yet overdue
    ]
    groups = stale_open_cases(cases, NOW)
    assert [g.plesso_code for g in groups] == ["P2", "P1"]  # by name: Girasole, Tigli
    assert [c.case_id for c in groups[1].cases] == [4, 2]
    assert groups[0].cases[0].age == timedelta(hours=72)
    assert groups[0].cases[0].referent_name == "Maria Rossi"


# --- closed this week -----------------------------------------------------------------------


def test_the_week_starts_on_monday_at_local_midnight() -> None:
    assert week_start(NOW, ROME) == datetime(2026, 11, 15, 23, 0, tzinfo=UTC)
    monday_early = datetime(2026, 11, 16, 0, 5, tzinfo=ROME)
    assert week_start(monday_early, ROME) == datetime(2026, 11, 16, 0, 0, tzinfo=ROME)


def test_nothing_closed_this_week() -> None:
    closed = closed_this_week([], NOW, ROME)
    assert closed.count == 0 and closed.contacts == 0
    assert closed.mean_contacts is None and closed.median_time_to_close is None


def test_count_mean_contacts_and_median_time_of_this_week_only() -> None:
    cases = [
        _closed(1, open_hours=2, closed_hours_ago=1, contacts=3),
        _closed(2, open_hours=27, closed_hours_ago=5, contacts=0),
        _closed(3, open_hours=68, closed_hours_ago=20, contacts=1),
        _closed(4, open_hours=1, closed_hours_ago=40, contacts=9),  # Sunday: last week
    ]
    closed = closed_this_week(cases, NOW, ROME)
    assert closed.count == 3
    assert closed.contacts == 4
    assert closed.mean_contacts == 4 / 3
    assert closed.median_time_to_close == timedelta(hours=27)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    cases = [_closed(1, 2, 1, 0), _closed(2, 4, 1, 0)]
    assert closed_this_week(cases, NOW, ROME).median_time_to_close == timedelta(hours=3)


# --- sentinel plessi that missed a recording day ---------------------------------------------


def test_the_last_four_closed_recording_days() -> None:
    # Tuesday morning: last Thursday's window closed on Friday night; today's is open.
    assert closed_recording_days(CALENDAR, NOW) == [
        date(2026, 11, 3),
        date(2026, 11, 5),
        date(2026, 11, 10),
        date(2026, 11, 12),
    ]


def test_a_window_still_open_is_not_counted() -> None:
    wednesday = datetime(2026, 11, 18, 23, 0, tzinfo=ROME)  # Tuesday's window still open
    assert closed_recording_days(CALENDAR, wednesday)[-1] == date(2026, 11, 12)
    thursday = datetime(2026, 11, 19, 0, 1, tzinfo=ROME)  # ... and now closed
    assert closed_recording_days(CALENDAR, thursday)[-1] == date(2026, 11, 17)


def test_closures_and_the_start_date_are_no_recording_days() -> None:
    closed = SchoolCalendar(
        timezone=ROME,
        holidays=lambda day: False,
        closures=(Closure(date(2026, 11, 10), date(2026, 11, 10)),),
    )
    assert date(2026, 11, 10) not in closed_recording_days(closed, NOW)
    late = SchoolCalendar(start_date=date(2026, 11, 9), timezone=ROME, holidays=lambda d: False)
    assert closed_recording_days(late, NOW) == [date(2026, 11, 10), date(2026, 11, 12)]


def test_no_sentinel_plessi_nothing_missed() -> None:
    assert missed_recordings([], {}, frozenset(), NOW) == []


def test_a_plesso_missing_one_day_is_listed_with_the_day() -> None:
    plessi = [
        SentinelPlesso(code="P1", name="Tigli", ats_code="ATS-A"),
        SentinelPlesso(code="P2", name="Girasole", ats_code="ATS-A"),
    ]
    days = closed_recording_days(CALENDAR, NOW)
    recorded = {("P1", day) for day in days} | {("P2", day) for day in days[:-1]}
    missed = missed_recordings(plessi, {"ATS-A": CALENDAR}, recorded, NOW)
    assert [(m.plesso_code, m.missed) for m in missed] == [("P2", [date(2026, 11, 12)])]


def test_a_plesso_that_never_recorded_misses_all_four() -> None:
    plessi = [SentinelPlesso(code="P1", name="Tigli", ats_code="ATS-A")]
    missed = missed_recordings(plessi, {"ATS-A": CALENDAR}, frozenset(), NOW)
    assert len(missed[0].missed) == 4
