from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.registry import LOCKOUT_DURATION, lockout_until

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)


def minutes_ago(*minutes: int) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_four_failures_do_not_lock() -> None:
    assert lockout_until(minutes_ago(1, 2, 3, 4), NOW) is None


def test_five_failures_within_an_hour_lock_for_an_hour_from_the_last() -> None:
    until = lockout_until(minutes_ago(1, 10, 20, 30, 40), NOW)
    assert until == NOW - timedelta(minutes=1) + LOCKOUT_DURATION


def test_five_failures_spread_over_more_than_an_hour_do_not_lock() -> None:
    assert lockout_until(minutes_ago(1, 20, 40, 60, 62), NOW) is None


def test_lockout_ends_after_an_hour() -> None:
    assert lockout_until(minutes_ago(61, 62, 63, 64, 65), NOW) is None


@given(st.lists(st.integers(min_value=0, max_value=300), max_size=12))
def test_lockout_never_lasts_past_an_hour_after_a_failure(offsets: list[int]) -> None:
    failures = minutes_ago(*offsets)
    until = lockout_until(failures, NOW)
    if until is not None:
        assert until > NOW
        assert until - LOCKOUT_DURATION in failures
