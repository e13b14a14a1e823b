"""Retention of closed cases (issue 8): when a closed case and its contacts are due for
deletion, when the daily run happens, and what the next runs will delete. Pure: `now`, the
number of days and the run's time of day are arguments.

A closed case is due once `RETENTION_DAYS` have passed since its closing, counted in calendar
days on the local clock: at `closed_at + days`, exactly, it is due. The run deletes every
case due at the moment it runs, so a run that was missed is caught up by the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

FORECAST_RUNS = 7  # /conservazione: the next run and the six after it


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ClosedCaseAge(_Frozen):
    """What the rule needs of a closed case: when it was closed and how many contacts it has
    (numbers only, never who)."""

    closed_at: datetime
    contacts: int


class Batch(_Frozen):
    """What one run deletes: the cases closed up to `cutoff` that no earlier run deleted."""

    run_at: datetime
    cutoff: datetime
    cases: int
    contacts: int
    oldest_closed_at: datetime | None


def cutoff(now: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The latest closing moment a run at `now` deletes, in UTC: `days` calendar days before
    `now` on the local clock. A case closed on 20/08 at 10:00 is due from 18/11 at 10:00,
    whatever summer time did in between (so a day may be 23 or 25 hours)."""
    if days < 1:
        raise ValueError("retention lasts at least one day")
    # Python subtracts by the wall clock only on a naive value: make it explicit.
    wall = now.astimezone(tz).replace(tzinfo=None) - timedelta(days=days)
    return wall.replace(tzinfo=tz).astimezone(UTC)


def is_due(closed_at: datetime, now: datetime, days: int, tz: ZoneInfo) -> bool:
    """True once `days` days have passed since the closing (exactly `days` counts)."""
    return closed_at <= cutoff(now, days, tz)


def run_moments(now: datetime, at: time, tz: ZoneInfo, count: int) -> list[datetime]:
    """The next `count` daily runs at local time `at` after `now` (a run at `now` exactly is
    past: it has just happened). Built day by day in `tz`, so a run stays at `at` local
    time across a change of summer time."""
    today = now.astimezone(tz).date()
    first = datetime.combine(today, at.replace(tzinfo=None), tzinfo=tz)
    start = 0 if first > now else 1
    return [
        datetime.combine(today + timedelta(days=start + n), at.replace(tzinfo=None), tzinfo=tz)
        for n in range(count)
    ]


def forecast(
    closed: Sequence[ClosedCaseAge], runs: Sequence[datetime], days: int, tz: ZoneInfo
) -> list[Batch]:
    """What each of `runs` (ascending) will delete: each case in the first run it is due at.

    The first run takes every case already due, however old; the later ones take the cases
    that come due between one run and the next. Cases due after the last run are left out.
    """
    pending = sorted(closed, key=lambda case: case.closed_at)
    batches: list[Batch] = []
    taken = 0
    for run_at in runs:
        limit = cutoff(run_at, days, tz)
        batch: list[ClosedCaseAge] = []
        while taken < len(pending) and pending[taken].closed_at <= limit:
            batch.append(pending[taken])
            taken += 1
        batches.append(
            Batch(
                run_at=run_at,
                cutoff=limit,
                cases=len(batch),
                contacts=sum(case.contacts for case in batch),
                oldest_closed_at=batch[0].closed_at if batch else None,
            )
        )
    return batches


def horizon(runs: Sequence[datetime], days: int, tz: ZoneInfo) -> datetime:
    """The latest closing moment any of `runs` deletes: what a forecast needs to load."""
    return cutoff(max(runs), days, tz)


class LastRun(_Frozen):
    """The latest run that deleted something (of one ATS, or of every ATS summed)."""

    at: datetime
    cases: int
    contacts: int
