"""The retention rule: due exactly RETENTION_DAYS after closing, the daily runs in local time,
and what each of the next runs will delete."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.retention import (
    ClosedCaseAge,
    cutoff,
    forecast,
    horizon,
    is_due,
    run_moments,
)

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 11, 17, 3, 30, tzinfo=ROME)
AT = time(3, 30)


def closed(moment: datetime, contacts: int = 0) -> ClosedCaseAge:
    return ClosedCaseAge(closed_at=moment, contacts=contacts)


# --- due ------------------------------------------------------------------------------------


def test_exactly_ninety_days_after_closing_is_due_one_second_less_is_not() -> None:
    closing = datetime(2026, 8, 19, 3, 30, tzinfo=ROME)  # 90 days before 17/11 03:30
    assert is_due(closing, NOW, 90, ROME)
    assert not is_due(closing + timedelta(seconds=1), NOW, 90, ROME)
    assert is_due(closing - timedelta(days=400), NOW, 90, ROME)
    assert cutoff(NOW, 90, ROME) == closing


def test_days_are_calendar_days_on_the_local_clock_across_summer_time() -> None:
    # Closed in summer time (UTC+2), due in winter time (UTC+1): 90 days and one hour.
    closing = datetime(2026, 8, 19, 3, 30, tzinfo=ROME)
    assert NOW.astimezone(UTC) - closing.astimezone(UTC) == timedelta(days=90, hours=1)
    assert cutoff(NOW, 90, ROME).astimezone(ROME).replace(tzinfo=None) == datetime(
        2026, 8, 19, 3, 30
    )


def test_due_compares_moments_not_how_they_are_written() -> None:
    closing = cutoff(NOW, 90, ROME)  # UTC, as stored
    assert cutoff(NOW.astimezone(UTC), 90, ROME) == closing
    assert is_due(closing.astimezone(ROME), NOW.astimezone(UTC), 90, ROME)
    assert not is_due(closing, NOW - timedelta(microseconds=1), 90, ROME)


def test_a_day_is_the_least_retention() -> None:
    assert is_due(NOW - timedelta(days=1), NOW, 1, ROME)
    with pytest.raises(ValueError):
        cutoff(NOW, 0, ROME)


# --- the daily runs -------------------------------------------------------------------------


def test_the_next_run_is_today_before_the_time_tomorrow_from_it() -> None:
    before = datetime(2026, 11, 17, 3, 29, tzinfo=ROME)
    assert run_moments(before, AT, ROME, 1) == [datetime(2026, 11, 17, 3, 30, tzinfo=ROME)]
    # At 03:30 exactly the run has just happened: the next one is tomorrow's.
    assert run_moments(NOW, AT, ROME, 1) == [datetime(2026, 11, 18, 3, 30, tzinfo=ROME)]
    late = datetime(2026, 11, 17, 23, 59, tzinfo=ROME)
    assert run_moments(late, AT, ROME, 2) == [
        datetime(2026, 11, 18, 3, 30, tzinfo=ROME),
        datetime(2026, 11, 19, 3, 30, tzinfo=ROME),
    ]


def test_the_runs_stay_at_local_time_across_the_end_of_summer_time() -> None:
    saturday = datetime(2026, 10, 24, 12, 0, tzinfo=ROME)
    runs = run_moments(saturday.astimezone(UTC), AT, ROME, 3)
    assert [(r.day, r.hour, r.minute, r.utcoffset()) for r in runs] == [
        (25, 3, 30, timedelta(hours=1)),  # summer time ended at 03:00 that night
        (26, 3, 30, timedelta(hours=1)),
        (27, 3, 30, timedelta(hours=1)),
    ]
    summer = run_moments(datetime(2026, 10, 23, 12, 0, tzinfo=ROME), AT, ROME, 3)
    gaps = [b.astimezone(UTC) - a.astimezone(UTC) for a, b in pairwise(summer)]
    assert gaps == [timedelta(hours=25), timedelta(hours=24)]  # the night of the change


# --- the forecast ---------------------------------------------------------------------------


def test_the_first_run_takes_all_that_is_due_the_next_ones_what_comes_due() -> None:
    runs = run_moments(datetime(2026, 11, 16, 12, 0, tzinfo=ROME), AT, ROME, 3)
    first_cutoff = cutoff(runs[0], 90, ROME)
    cases = [
        closed(first_cutoff - timedelta(days=200), contacts=4),  # long overdue
        closed(first_cutoff, contacts=1),  # due at the first run, exactly
        closed(first_cutoff + timedelta(hours=1), contacts=2),  # the second run
        closed(first_cutoff + timedelta(days=5)),  # after the forecast
    ]
    batches = forecast(cases, runs, 90, ROME)
    assert [(b.cases, b.contacts) for b in batches] == [(2, 5), (1, 2), (0, 0)]
    assert batches[0].oldest_closed_at == cases[0].closed_at
    assert batches[1].oldest_closed_at == cases[2].closed_at
    assert batches[2].oldest_closed_at is None
    assert [b.cutoff for b in batches] == [cutoff(r, 90, ROME) for r in runs]
    assert horizon(runs, 90, ROME) == batches[-1].cutoff


def test_nothing_closed_nothing_to_delete() -> None:
    runs = run_moments(NOW, AT, ROME, 7)
    assert [b.cases for b in forecast([], runs, 90, ROME)] == [0] * 7


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(
    closings=st.lists(st.tuples(moments, st.integers(0, 40)), max_size=30),
    now=moments,
    days=st.integers(1, 400),
    count=st.integers(1, 10),
)
def test_each_case_is_deleted_once_by_the_first_run_it_is_due_at(
    closings: list[tuple[datetime, int]], now: datetime, days: int, count: int
) -> None:
    cases = [closed(moment, contacts) for moment, contacts in closings]
    runs = run_moments(now, AT, ROME, count)
    batches = forecast(cases, runs, days, ROME)
    assert len(batches) == count
    assert all(run > now for run in runs)
    due_by_last = [c for c in cases if is_due(c.closed_at, runs[-1], days, ROME)]
    assert sum(b.cases for b in batches) == len(due_by_last)
    assert sum(b.contacts for b in batches) == sum(c.contacts for c in due_by_last)
    for previous, batch in zip([None, *runs[:-1]], batches, strict=True):
        taken = [
            c
            for c in cases
            if is_due(c.closed_at, batch.run_at, days, ROME)
            and (previous is None or not is_due(c.closed_at, previous, days, ROME))
        ]
        assert batch.cases == len(taken)
        if taken:
            assert batch.oldest_closed_at == min(c.closed_at for c in taken)
