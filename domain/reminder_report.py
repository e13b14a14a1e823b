"""What /promemoria shows about one recording day: pure, built from storage's answers.

The day is today when today is a recording day, else the last one before it. For that day:
the plessi that recorded, those still missing with their referents (reminded when, or
unreachable), the reminders sent, and the referents who cannot be reached. An admin may
push a reminder to the missing ones while the day's window is open, once an hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from domain.calendar import SchoolCalendar
from domain.registry import Plesso
from domain.reminders import (
    LogEntry,
    ReferentLink,
    ReminderKind,
    ReminderState,
    UnreachableReferent,
)

PUSH_EVERY = timedelta(hours=1)
ABSENCE_KINDS = frozenset({ReminderKind.ABSENCES, ReminderKind.LAST_CALL, ReminderKind.MANUAL})


def next_push_at(last_push: datetime | None) -> datetime | None:
    """From when the next push may go (None: any time)."""
    return last_push + PUSH_EVERY if last_push is not None else None


def report_day(calendar: SchoolCalendar, now: datetime) -> date | None:
    """Today if it is a recording day, else the last one before it (None: none yet)."""
    days = calendar.last_recording_days(calendar.local_today(now), 1)
    return days[-1] if days else None


def window_open(calendar: SchoolCalendar, day: date, now: datetime) -> bool:
    """Whether `day` (a recording day) can still be recorded at `now`."""
    started = day <= calendar.local_today(now)
    return started and now.astimezone(UTC) <= calendar.deadline(day).astimezone(UTC)


@dataclass(frozen=True)
class ReferentStatus:
    referent_id: int
    name: str
    reminded_at: datetime | None
    unreachable: bool


@dataclass(frozen=True)
class PlessoStatus:
    code: str
    name: str
    referents: tuple[ReferentStatus, ...] = ()


@dataclass(frozen=True)
class Reminded:
    at: datetime
    name: str
    plesso_name: str


@dataclass(frozen=True)
class DayReport:
    day: date
    open: bool
    recorded: tuple[PlessoStatus, ...]
    missing: tuple[PlessoStatus, ...]
    reminded: tuple[Reminded, ...]
    unreachable: tuple[UnreachableReferent, ...]

    @property
    def can_push(self) -> int:
        """How many referents a push now would reach (0: no button)."""
        if not self.open:
            return 0
        return len({r.referent_id for p in self.missing for r in p.referents if not r.unreachable})


def build_report(
    *,
    day: date,
    is_open: bool,
    recorded: Sequence[tuple[str, str]],
    missing: Sequence[Plesso],
    links: Sequence[ReferentLink],
    entries: Iterable[LogEntry],
    unreachable: Sequence[UnreachableReferent],
) -> DayReport:
    """`recorded`: (code, name) of the plessi with a figure for `day`; `missing`: those
    owing one; `entries`: the log about `day`; `links` and `unreachable`: of the scope."""
    reminders = [
        e
        for e in entries
        if e.key.day == day and e.key.kind in ABSENCE_KINDS and e.state is ReminderState.SENT
    ]
    last_reminded: dict[tuple[int, str], datetime] = {}
    for entry in reminders:
        last_reminded[(entry.key.referent_id, entry.key.plesso_code)] = (
            entry.done_at or entry.claimed_at
        )
    unreachable_ids = {u.referent_id for u in unreachable}
    names = {link.referent_id: link.full_name for link in links}
    plesso_names = {link.plesso_code: link.plesso_name for link in links}
    missing_status = tuple(
        PlessoStatus(
            code=plesso.code,
            name=plesso.name,
            referents=tuple(
                ReferentStatus(
                    referent_id=link.referent_id,
                    name=link.full_name,
                    reminded_at=last_reminded.get((link.referent_id, plesso.code)),
                    unreachable=link.referent_id in unreachable_ids,
                )
                for link in links
                if link.plesso_code == plesso.code
            ),
        )
        for plesso in missing
    )
    reminded = tuple(
        Reminded(
            at=entry.done_at or entry.claimed_at,
            name=names.get(entry.key.referent_id, str(entry.key.referent_id)),
            plesso_name=plesso_names.get(entry.key.plesso_code, entry.key.plesso_code),
        )
        for entry in reminders
    )
    return DayReport(
        day=day,
        open=is_open,
        recorded=tuple(PlessoStatus(code=code, name=name) for code, name in recorded),
        missing=missing_status,
        reminded=reminded,
        unreachable=tuple(unreachable),
    )
