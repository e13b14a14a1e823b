"""Properties of the windows over random moments in any time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import RECORDING_WEEKDAYS, Closure, SchoolCalendar, WindowStatus
from tests.calendar.helpers import PLESSO, ROME

CAL = SchoolCalendar(
    start_date=date(2023, 2, 16),
    closures=(
        Closure(date(2026, 12, 23), date(2027, 1, 6)),
        Closure(date(2026, 10, 27), date(2026, 10, 29), PLESSO),
    ),
)

ZONES = [
    UTC,
    ROME,
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Tokyo"),
    ZoneInfo("Pacific/Kiritimati"),
]
moments = st.datetimes(
    min_value=datetime(2023, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from(ZONES),
)
plessi = st.sampled_from([None, PLESSO])


@settings(max_examples=300, deadline=None)
@given(now=moments, plesso=plessi)
def test_open_days_are_recording_days_of_today_or_yesterday(
    now: datetime, plesso: str | None
) -> None:
    today = now.astimezone(ROME).date()
    days = CAL.open_days(now, plesso)
    assert len(days) <= 1  # Tuesday and Thursday are never adjacent
    for day in days:
        assert day <= today  # never ahead
        assert day >= today - timedelta(days=1)  # never older than yesterday
        assert day.weekday() in RECORDING_WEEKDAYS
        assert CAL.is_recording_day(day, plesso)
        assert now <= CAL.deadline(day)


@settings(max_examples=300, deadline=None)
@given(now=moments, plesso=plessi)
def test_window_status_agrees_with_open_days(now: datetime, plesso: str | None) -> None:
    today = now.astimezone(ROME).date()
    open_days = CAL.open_days(now, plesso)
    for offset in range(-9, 4):
        day = today + timedelta(days=offset)
        status = CAL.window_status(day, now, plesso)
        assert (status is WindowStatus.OPEN) == (day in open_days)
        if day > today:
            assert status is WindowStatus.TOO_EARLY
        elif now > CAL.deadline(day):
            assert status is WindowStatus.CLOSED
            assert day < today - timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(now=moments, plesso=plessi)
def test_next_window_is_a_later_recording_day(now: datetime, plesso: str | None) -> None:
    today = now.astimezone(ROME).date()
    following = CAL.next_window_opening(now, plesso)
    assert following is not None
    assert following > today
    assert CAL.is_recording_day(following, plesso)
    skipped = CAL.recording_days_between(today + timedelta(days=1), following, plesso)
    assert skipped == [following]
    # At the first moment of that day its window is open.
    start_of_day = datetime.combine(following, datetime.min.time(), tzinfo=ROME)
    assert CAL.open_days(start_of_day, plesso) == [following]


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31)))
def test_deadline_is_the_end_of_the_next_local_day(day: date) -> None:
    deadline = CAL.deadline(day)
    assert deadline.astimezone(ROME).date() == day + timedelta(days=1)
    assert (deadline + timedelta(microseconds=1)).astimezone(ROME).date() == day + timedelta(days=2)


@settings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(2023, 1, 1), max_value=date(2030, 12, 31)), n=st.integers(0, 8))
def test_last_recording_days_match_the_range(day: date, n: int) -> None:
    last = CAL.last_recording_days(day, n)
    assert len(last) <= n
    assert last == sorted(last)
    if last:
        assert CAL.recording_days_between(last[0], day) == last
