"""Follow-up indicators of an ATS (/stato, issue 8): pure computations, no I/O, no clock.

The inputs are plain models the storage loads; `now` is always passed in.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from domain.calendar import SchoolCalendar

STALE_AFTER = timedelta(hours=48)  # an open case older than this is overdue
RECENT_RECORDING_DAYS = 4  # the recording days a sentinel plesso is checked on


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class OpenCase(_Frozen):
    case_id: int
    plesso_code: str
    plesso_name: str
    referent_name: str  # who reported it
    created_at: datetime


class ClosedCase(_Frozen):
    case_id: int
    created_at: datetime
    closed_at: datetime
    contacts: int


class SentinelPlesso(_Frozen):
    code: str
    name: str
    ats_code: str


class StaleCase(_Frozen):
    case_id: int
    referent_name: str
    created_at: datetime
    age: timedelta


class StalePlesso(_Frozen):
    """A plesso with open cases older than 48 hours, oldest case first."""

    plesso_code: str
    plesso_name: str
    cases: list[StaleCase]


class ClosedThisWeek(_Frozen):
    since: datetime  # Monday 00:00, local to now
    count: int
    contacts: int
    mean_contacts: float | None  # None when nothing was closed
    median_time_to_close: timedelta | None


class MissedRecording(_Frozen):
    plesso_code: str
    plesso_name: str
    missed: list[date]  # oldest first


def stale_open_cases(
    cases: Sequence[OpenCase], now: datetime, older_than: timedelta = STALE_AFTER
) -> list[StalePlesso]:
    """Open cases created more than `older_than` before `now`, grouped by plesso (plessi by
    name, cases oldest first)."""
    by_plesso: dict[str, list[OpenCase]] = {}
    for case in cases:
        if now - case.created_at > older_than:
            by_plesso.setdefault(case.plesso_code, []).append(case)
    groups = [
        StalePlesso(
            plesso_code=code,
            plesso_name=found[0].plesso_name,
            cases=[
                StaleCase(
                    case_id=c.case_id,
                    referent_name=c.referent_name,
                    created_at=c.created_at,
                    age=now - c.created_at,
                )
                for c in sorted(found, key=lambda c: (c.created_at, c.case_id))
            ],
        )
        for code, found in by_plesso.items()
    ]
    return sorted(groups, key=lambda g: (g.plesso_name, g.plesso_code))


def week_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00 of the week of `now`, local time, as an aware UTC moment."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)


def closed_this_week(cases: Sequence[ClosedCase], now: datetime, tz: ZoneInfo) -> ClosedThisWeek:
    """Cases closed from Monday 00:00 (local) to `now`: how many, their mean contacts, and the
    median time from opening to closing."""
    since = week_start(now, tz)
    week = [c for c in cases if since <= c.closed_at <= now]
    contacts = sum(c.contacts for c in week)
    return ClosedThisWeek(
        since=since,
        count=len(week),
        contacts=contacts,
        mean_contacts=contacts / len(week) if week else None,
        median_time_to_close=(
            timedelta(
                seconds=statistics.median(
                    (c.closed_at - c.created_at).total_seconds() for c in week
                )
            )
            if week
            else None
        ),
    )


def closed_recording_days(
    calendar: SchoolCalendar,
    now: datetime,
    plesso_code: str | None = None,
    n: int = RECENT_RECORDING_DAYS,
) -> list[date]:
    """The last `n` recording days of the plesso whose window has closed at `now`, oldest
    first (fewer before the start date)."""
    # A window closes at the end of the next day, so the latest candidate is two days ago.
    latest = calendar.local_today(now) - timedelta(days=1)
    candidates = calendar.last_recording_days(latest, n + 1, plesso_code)
    closed = [day for day in candidates if calendar.deadline(day) < now]
    return closed[-n:] if n > 0 else []


def missed_recordings(
    plessi: Sequence[SentinelPlesso],
    calendars: Mapping[str, SchoolCalendar],
    recorded: Collection[tuple[str, date]],
    now: datetime,
) -> list[MissedRecording]:
    """Sentinel plessi without a figure for one or more of their last four closed recording
    days, by name. `calendars` is keyed by ATS code; `recorded` holds (plesso, day) pairs."""
    found: list[MissedRecording] = []
    for plesso in plessi:
        days = closed_recording_days(calendars[plesso.ats_code], now, plesso.code)
        missed = [day for day in days if (plesso.code, day) not in recorded]
        if missed:
            found.append(
                MissedRecording(plesso_code=plesso.code, plesso_name=plesso.name, missed=missed)
            )
    return sorted(found, key=lambda m: (m.plesso_name, m.plesso_code))
