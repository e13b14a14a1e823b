"""Which reminders are due at a given moment, and how they are grouped: pure.

Nothing here reads the clock or the database: `now` and the facts (who holds which plesso,
what is recorded, what is logged) are arguments, so the tests set the clock. Each kind has
a window, in the configured time zone, compared as instants (DST safe):

- ABSENCES: on a recording day of the plesso (the calendar: Tuesday, Thursday, not a holiday,
  a closure or before the start date), from REMINDER_TIME to the end of that day, while the
  day has no figure.
- LAST_CALL: the day after a recording day, from DEADLINE_REMINDER_TIME to the deadline
  (23:59 that day), while the recording day has no figure.
- ENROLMENT: from SCHOOL_YEAR_REMINDER_DATE of each school year, then every 7 days (the
  slots), while the plesso has no enrolment for the school year. A slot's reminder is due
  from REMINDER_TIME of its first school day (Monday to Friday, no holiday, no closure of the
  plesso) until the next slot: nobody is pushed on a Sunday or in the summer closure.
- CASE_24H / CASE_72H: a case still open 24 (72) hours after it was created, for 48 hours
  (the later one takes over from the earlier), between 08:00 and 20:00: a report made at
  night is not chased at night. They go to the referent who reported the case while they
  hold its plesso, else to the plesso's referents.

Whatever the kind, nothing goes outside decent hours (issue 22): only between
REMINDERS_FROM and REMINDERS_UNTIL (08:00–19:00), and only on a school day of the plesso
(Monday to Friday, no holiday, no closure). A reminder held back goes at the first run
within them while its window is still open.

A reminder is due when `now` is in its window, its key is not in the log and its referent is
reachable. The catch-up after downtime is the same rule: a window still open is sent, a
closed one is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.calendar import SchoolCalendar, school_year_bounds, school_year_of
from domain.reminders import OpenCaseRow, ReferentLink, ReminderKey, ReminderKind

CASE_STAGES: tuple[tuple[ReminderKind, timedelta], ...] = (
    (ReminderKind.CASE_24H, timedelta(hours=24)),
    (ReminderKind.CASE_72H, timedelta(hours=72)),
)
CASE_WINDOW = timedelta(hours=48)
DAYTIME = (time(8, 0), time(20, 0))  # case reminders only between these local times
ENROLMENT_EVERY = timedelta(days=7)
# How far back a due reminder's day can be: a case reminder ends 120 hours after the case
# was created, an enrolment slot lasts a week. The log is read from here on.
LOOKBACK = timedelta(days=8)

# The order a referent reads what each plesso needs.
KIND_ORDER: tuple[ReminderKind, ...] = (
    ReminderKind.LAST_CALL,
    ReminderKind.ABSENCES,
    ReminderKind.MANUAL,
    ReminderKind.ENROLMENT,
    ReminderKind.CASE_72H,
    ReminderKind.CASE_24H,
)


@dataclass(frozen=True)
class Schedule:
    """When reminders go out (the settings REMINDER_TIME, DEADLINE_REMINDER_TIME,
    SCHOOL_YEAR_REMINDER_DATE and TIMEZONE)."""

    timezone: ZoneInfo
    reminder_time: time = time(10, 0)
    deadline_reminder_time: time = time(10, 0)
    school_year_reminder: tuple[int, int] = (9, 15)  # month, day
    # REMINDERS_FROM, REMINDERS_UNTIL: automatic reminders only in [from, until), local.
    sending_hours: tuple[time, time] = (time(8, 0), time(19, 0))

    def local(self, now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("`now` must be an aware datetime")
        return now.astimezone(self.timezone)

    def at(self, day: date, moment: time) -> datetime:
        """`moment` on `day`, local wall clock (the UTC offset is that date's own)."""
        return datetime.combine(day, moment, tzinfo=self.timezone)


@dataclass(frozen=True)
class Facts:
    """What storage knows, read once per run (see reminders.facts)."""

    links: Sequence[ReferentLink]
    calendars: Mapping[str, SchoolCalendar]  # by ATS
    recorded: frozenset[tuple[str, date]] = frozenset()  # (plesso, day) with a figure
    enrolled: frozenset[str] = frozenset()  # plessi with a figure for the current school year
    open_cases: Sequence[OpenCaseRow] = ()
    logged: frozenset[ReminderKey] = frozenset()
    unreachable: frozenset[int] = frozenset()  # referent ids


@dataclass(frozen=True)
class DueReminder:
    """One thing one referent owes for one plesso."""

    referent_id: int
    user_id: int
    plesso_code: str
    plesso_name: str
    kind: ReminderKind
    day: date
    ref: str = ""
    opened_at: datetime | None = field(default=None, compare=False)  # cases: created at

    @property
    def key(self) -> ReminderKey:
        return ReminderKey(self.referent_id, self.plesso_code, self.kind, self.day, self.ref)

    @staticmethod
    def of(link: ReferentLink, kind: ReminderKind, day: date, ref: str = "") -> DueReminder:
        return DueReminder(
            referent_id=link.referent_id,
            user_id=link.user_id,
            plesso_code=link.plesso_code,
            plesso_name=link.plesso_name,
            kind=kind,
            day=day,
            ref=ref,
        )


@dataclass(frozen=True)
class ReminderBatch:
    """Everything one referent is reminded of at once: one message."""

    referent_id: int
    user_id: int
    items: tuple[DueReminder, ...]


def within(now: datetime, start: datetime, end: datetime) -> bool:
    """start <= now < end, as instants (same-zone datetimes would compare by wall clock)."""
    return start.astimezone(UTC) <= now.astimezone(UTC) < end.astimezone(UTC)


# --- what storage is asked ----------------------------------------------------------------


def candidate_days(now: datetime, schedule: Schedule) -> tuple[date, date]:
    """Yesterday and today, local: the days an absence reminder can be about."""
    today = schedule.local(now).date()
    return today - timedelta(days=1), today


def current_school_year(now: datetime, schedule: Schedule) -> int:
    return school_year_of(schedule.local(now).date())


def lookback_day(now: datetime, schedule: Schedule) -> date:
    return schedule.local(now).date() - LOOKBACK


def case_creation_range(now: datetime) -> tuple[datetime, datetime]:
    """Cases created in (start, end] may have a reminder due at `now`."""
    _, first_after = CASE_STAGES[0]
    _, last_after = CASE_STAGES[-1]
    return now - last_after - CASE_WINDOW, now - first_after


# --- the rule -----------------------------------------------------------------------------


def due_reminders(now: datetime, schedule: Schedule, facts: Facts) -> list[DueReminder]:
    """Every reminder due at `now`, not logged yet, for reachable referents: none outside
    the sending hours, none for a plesso that has no school today."""
    if not decent_hour(now, schedule):
        return []
    today = schedule.local(now).date()
    ats_of = {link.plesso_code: link.ats_code for link in facts.links}
    found = [
        *_absence_reminders(now, schedule, facts),
        *_enrolment_reminders(now, schedule, facts),
        *_case_reminders(now, schedule, facts),
    ]
    return [
        item
        for item in found
        if item.key not in facts.logged
        and item.referent_id not in facts.unreachable
        and school_day(today, facts.calendars[ats_of[item.plesso_code]], item.plesso_code)
    ]


def decent_hour(now: datetime, schedule: Schedule) -> bool:
    """Within the sending hours (REMINDERS_FROM, REMINDERS_UNTIL), local time."""
    start, end = schedule.sending_hours
    return start <= schedule.local(now).time() < end


def school_day(day: date, calendar: SchoolCalendar, plesso_code: str) -> bool:
    """Monday to Friday, not a holiday, not a closure of the plesso."""
    return (
        day.weekday() < 5
        and not calendar.is_holiday(day)
        and not calendar.is_closed(day, plesso_code)
    )


def absence_window(kind: ReminderKind, day: date, schedule: Schedule) -> tuple[datetime, datetime]:
    """[start, end) of the ABSENCES or LAST_CALL reminder about recording day `day`."""
    if kind is ReminderKind.ABSENCES:
        return schedule.at(day, schedule.reminder_time), schedule.at(day + timedelta(1), time())
    next_day = day + timedelta(days=1)
    # The end is the calendar's deadline (next day, 23:59:59.999999): midnight after it.
    return schedule.at(next_day, schedule.deadline_reminder_time), schedule.at(
        next_day + timedelta(days=1), time()
    )


def _absence_reminders(now: datetime, schedule: Schedule, facts: Facts) -> Iterator[DueReminder]:
    yesterday, today = candidate_days(now, schedule)
    for link in facts.links:
        if not link.sentinel:
            continue
        calendar = facts.calendars[link.ats_code]
        for kind, day in ((ReminderKind.LAST_CALL, yesterday), (ReminderKind.ABSENCES, today)):
            if (link.plesso_code, day) in facts.recorded:
                continue
            if calendar.is_recording_day(day, link.plesso_code) and within(
                now, *absence_window(kind, day, schedule)
            ):
                yield DueReminder.of(link, kind, day)


def first_enrolment_day(school_year: int, schedule: Schedule) -> date:
    """SCHOOL_YEAR_REMINDER_DATE within the school year starting in `school_year`."""
    month, day = schedule.school_year_reminder
    first, _ = school_year_bounds(school_year)
    return date(school_year if month >= first.month else school_year + 1, month, day)


def enrolment_slot(today: date, schedule: Schedule) -> date | None:
    """The latest slot on or before `today` in today's school year, or None before the first."""
    first = first_enrolment_day(school_year_of(today), schedule)
    if today < first:
        return None
    weeks = (today - first).days // ENROLMENT_EVERY.days
    return first + ENROLMENT_EVERY * weeks


def first_school_day(start: date, calendar: SchoolCalendar, plesso_code: str) -> date | None:
    """The first day from `start` on, within a week, when the plesso has school."""
    for offset in range(ENROLMENT_EVERY.days):
        day = start + timedelta(days=offset)
        if school_day(day, calendar, plesso_code):
            return day
    return None


def _enrolment_reminders(now: datetime, schedule: Schedule, facts: Facts) -> Iterator[DueReminder]:
    today = schedule.local(now).date()
    slot = enrolment_slot(today, schedule)
    if slot is None:
        return
    for link in facts.links:
        if link.plesso_code in facts.enrolled:
            continue
        day = first_school_day(slot, facts.calendars[link.ats_code], link.plesso_code)
        if (
            day is not None
            and day <= today
            and schedule.local(now) >= schedule.at(day, schedule.reminder_time)
        ):
            yield DueReminder.of(link, ReminderKind.ENROLMENT, slot)


def case_stage(created_at: datetime, now: datetime) -> ReminderKind | None:
    """Which case reminder is due for a case created at `created_at`, if any."""
    age = now - created_at
    for kind, after in reversed(CASE_STAGES):
        if after <= age < after + CASE_WINDOW:
            return kind
    return None


def _daytime(now: datetime, schedule: Schedule) -> bool:
    start, end = DAYTIME
    return start <= schedule.local(now).time() < end


def _case_reminders(now: datetime, schedule: Schedule, facts: Facts) -> Iterator[DueReminder]:
    if not _daytime(now, schedule):
        return
    by_plesso: dict[str, list[ReferentLink]] = {}
    for link in facts.links:
        by_plesso.setdefault(link.plesso_code, []).append(link)
    for case in facts.open_cases:
        kind = case_stage(case.created_at, now)
        if kind is None:
            continue
        day = schedule.local(case.created_at).date()
        for link in case_recipients(case, by_plesso.get(case.plesso_code, [])):
            item = DueReminder.of(link, kind, day, ref=str(case.case_id))
            yield replace(item, opened_at=case.created_at)


def case_recipients(case: OpenCaseRow, links: Sequence[ReferentLink]) -> list[ReferentLink]:
    """The referent who reported the case, while they hold its plesso; else every referent
    of the plesso (so a case whose reporter left is not forgotten)."""
    reporter = [link for link in links if link.user_id == case.created_by]
    return reporter or list(links)


def manual_reminders(links: Iterable[ReferentLink], day: date, push_id: int) -> list[DueReminder]:
    """An admin's push about `day` to these referents (of the plessi still missing it)."""
    return [DueReminder.of(link, ReminderKind.MANUAL, day, ref=str(push_id)) for link in links]


# --- one message per referent -------------------------------------------------------------


def group_by_referent(items: Iterable[DueReminder]) -> list[ReminderBatch]:
    """One batch per referent, in the order they first appear; within it, by plesso name,
    then the order in KIND_ORDER (the most urgent first), then day."""
    grouped: dict[int, list[DueReminder]] = {}
    for item in items:
        grouped.setdefault(item.referent_id, []).append(item)
    return [
        ReminderBatch(
            referent_id=referent_id,
            user_id=batch[0].user_id,
            items=tuple(sorted(batch, key=_reading_order)),
        )
        for referent_id, batch in grouped.items()
    ]


def _reading_order(item: DueReminder) -> tuple[str, str, int, date, str]:
    return (item.plesso_name, item.plesso_code, KIND_ORDER.index(item.kind), item.day, item.ref)
