"""The due-reminder rule (reminders.due): pure, run here over weeks of simulated time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import Closure, SchoolCalendar
from domain.reminders import OpenCaseRow, ReferentLink, ReminderKey, ReminderKind
from reminders.due import (
    DueReminder,
    Facts,
    Schedule,
    case_stage,
    due_reminders,
    enrolment_slot,
    first_enrolment_day,
    group_by_referent,
    manual_reminders,
)

ROME = ZoneInfo("Europe/Rome")
SCHEDULE = Schedule(timezone=ROME)
ATS = "ATS-MILANO"
A, B, C = "MIEE8AB01T", "MIAA8AB01P", "MIMM8AB01V"  # C is not sentinel
NAMES = {A: "Primaria Tigli", B: "Infanzia Girasole", C: "Media Parco Nord"}
ABS, LAST = ReminderKind.ABSENCES, ReminderKind.LAST_CALL


def link(referent_id: int, code: str, *, ats: str = ATS) -> ReferentLink:
    return ReferentLink(
        referent_id=referent_id,
        user_id=1000 + referent_id,
        full_name=f"R{referent_id}",
        plesso_code=code,
        plesso_name=NAMES.get(code, code),
        ats_code=ats,
        sentinel=code != C,
    )


def facts(
    links: Sequence[ReferentLink],
    *,
    calendar: SchoolCalendar | None = None,
    enrolled: Sequence[str] = (A, B, C),
    **others: object,
) -> Facts:
    calendars = {ATS: calendar or SchoolCalendar(timezone=ROME)}
    return Facts(
        links=tuple(links),
        calendars=calendars,
        enrolled=frozenset(enrolled),
        **others,  # type: ignore[arg-type]
    )


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ROME)


def simulate(
    start: datetime,
    end: datetime,
    base: Facts,
    step: timedelta = timedelta(minutes=15),
    schedule: Schedule = SCHEDULE,
) -> list[tuple[datetime, DueReminder]]:
    """Run the rule every `step` from `start` to `end`, logging what it returns, as the jobs
    do; returns (local moment, reminder) of each one sent."""
    logged: set[ReminderKey] = set(base.logged)
    sent: list[tuple[datetime, DueReminder]] = []
    moment = start.astimezone(UTC)
    while moment < end:
        for item in due_reminders(moment, schedule, replace(base, logged=frozenset(logged))):
            logged.add(item.key)
            sent.append((moment.astimezone(ROME), item))
        moment += step
    return sent


def plain(sent: list[tuple[datetime, DueReminder]]) -> list[tuple[str, str, str, date]]:
    return [(f"{m:%a %d %H:%M}", item.plesso_code, item.kind.value, item.day) for m, item in sent]


# --- A fortnight --------------------------------------------------------------------------------


def test_a_fortnight_tuesday_thursday_at_ten_and_the_last_call_the_next_day() -> None:
    recorded = frozenset({(A, date(2026, 11, 19)), (B, date(2026, 11, 24))})
    sent = simulate(
        at(date(2026, 11, 16), 0),
        at(date(2026, 11, 30), 0),
        facts([link(1, A), link(2, B), link(3, C)], recorded=recorded),
    )
    assert plain(sent) == [
        ("Tue 17 10:00", A, "absences", date(2026, 11, 17)),
        ("Tue 17 10:00", B, "absences", date(2026, 11, 17)),
        ("Wed 18 10:00", A, "last_call", date(2026, 11, 17)),
        ("Wed 18 10:00", B, "last_call", date(2026, 11, 17)),
        ("Thu 19 10:00", B, "absences", date(2026, 11, 19)),  # A recorded Thursday
        ("Fri 20 10:00", B, "last_call", date(2026, 11, 19)),
        ("Tue 24 10:00", A, "absences", date(2026, 11, 24)),  # B recorded Tuesday
        ("Wed 25 10:00", A, "last_call", date(2026, 11, 24)),
        ("Thu 26 10:00", A, "absences", date(2026, 11, 26)),
        ("Thu 26 10:00", B, "absences", date(2026, 11, 26)),
        ("Fri 27 10:00", A, "last_call", date(2026, 11, 26)),
        ("Fri 27 10:00", B, "last_call", date(2026, 11, 26)),
    ]


def test_a_figure_recorded_after_the_reminder_stops_the_last_call() -> None:
    base = facts([link(1, A)])
    assert [i.kind for i in due_reminders(at(date(2026, 11, 17)), SCHEDULE, base)] == [ABS]
    done = replace(base, recorded=frozenset({(A, date(2026, 11, 17))}))
    assert due_reminders(at(date(2026, 11, 18)), SCHEDULE, done) == []


def test_other_times_from_the_settings() -> None:
    schedule = Schedule(
        timezone=ROME, reminder_time=time(8, 30), deadline_reminder_time=time(17, 0)
    )
    sent = simulate(
        at(date(2026, 11, 17), 0),
        at(date(2026, 11, 19), 0),
        facts([link(1, A)]),
        schedule=schedule,
    )
    assert plain(sent) == [
        ("Tue 17 08:30", A, "absences", date(2026, 11, 17)),
        ("Wed 18 17:00", A, "last_call", date(2026, 11, 17)),
    ]


# --- Holidays, closures, the start date -----------------------------------------------------


def test_holidays_have_no_reminder_and_no_last_call() -> None:
    # 8 December 2026 (Immacolata) is a Tuesday.
    sent = simulate(at(date(2026, 12, 7), 0), at(date(2026, 12, 12), 0), facts([link(1, A)]))
    assert [(d, k) for _, _, k, d in plain(sent)] == [
        (date(2026, 12, 10), "absences"),
        (date(2026, 12, 10), "last_call"),
    ]


def test_an_injected_holiday_counts_like_a_national_one() -> None:
    patron = SchoolCalendar(timezone=ROME, holidays=lambda day: day == date(2026, 11, 17))
    sent = simulate(
        at(date(2026, 11, 17), 0), at(date(2026, 11, 19), 0), facts([link(1, A)], calendar=patron)
    )
    assert sent == []


def test_closures_of_the_ats_and_of_one_plesso() -> None:
    calendar = SchoolCalendar(
        timezone=ROME,
        closures=(
            Closure(date(2026, 12, 23), date(2027, 1, 6)),  # Christmas break, whole ATS
            Closure(date(2026, 12, 17), date(2026, 12, 17), A),  # A only, Thursday
        ),
    )
    sent = simulate(
        at(date(2026, 12, 14), 0),
        at(date(2027, 1, 9), 0),
        facts([link(1, A), link(2, B)], calendar=calendar),
    )
    assert plain(sent) == [
        ("Tue 15 10:00", A, "absences", date(2026, 12, 15)),
        ("Tue 15 10:00", B, "absences", date(2026, 12, 15)),
        ("Wed 16 10:00", A, "last_call", date(2026, 12, 15)),
        ("Wed 16 10:00", B, "last_call", date(2026, 12, 15)),
        ("Thu 17 10:00", B, "absences", date(2026, 12, 17)),
        ("Fri 18 10:00", B, "last_call", date(2026, 12, 17)),
        # 22/12 is the last recording day before the break; school starts again 7/1
        ("Tue 22 10:00", A, "absences", date(2026, 12, 22)),
        ("Tue 22 10:00", B, "absences", date(2026, 12, 22)),
        # 23/12 is closed: no last call on a day without school (issue 22)
        ("Thu 07 10:00", A, "absences", date(2027, 1, 7)),
        ("Thu 07 10:00", B, "absences", date(2027, 1, 7)),
        ("Fri 08 10:00", A, "last_call", date(2027, 1, 7)),
        ("Fri 08 10:00", B, "last_call", date(2027, 1, 7)),
    ]


def test_nothing_before_the_start_date() -> None:
    late = SchoolCalendar(timezone=ROME, start_date=date(2026, 11, 19))
    sent = simulate(
        at(date(2026, 11, 16), 0), at(date(2026, 11, 20), 0), facts([link(1, A)], calendar=late)
    )
    assert [(k, d) for _, _, k, d in plain(sent)] == [("absences", date(2026, 11, 19))]


# --- The clock change -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 10, 19), date(2026, 10, 31)),  # summer time ends Sunday 25/10/2026
        (date(2027, 3, 22), date(2027, 4, 3)),  # summer time starts Sunday 28/3/2027
    ],
)
def test_the_clock_change_neither_moves_nor_doubles_a_reminder(start: date, end: date) -> None:
    sent = simulate(at(start, 0), at(end, 0), facts([link(1, A)]), step=timedelta(minutes=5))
    local_times = {f"{moment:%H:%M}" for moment, _ in sent}
    assert local_times == {"10:00"}
    keys = [item.key for _, item in sent]
    assert len(keys) == len(set(keys)) == 8  # 2 weeks x (Tue, Wed, Thu, Fri)


def test_the_last_call_ends_at_19_local_after_the_clock_change() -> None:
    # Wednesday 28/10/2026 is in winter time: 18:59 local is 17:59 UTC. The window runs to
    # midnight, but nothing goes after REMINDERS_UNTIL (19:00, issue 22).
    base = facts([link(1, A)])
    late = datetime(2026, 10, 28, 17, 59, tzinfo=UTC)
    assert [i.kind for i in due_reminders(late, SCHEDULE, base)] == [LAST]
    assert due_reminders(datetime(2026, 10, 28, 18, 0, tzinfo=UTC), SCHEDULE, base) == []


def test_24_hours_are_hours_even_across_the_clock_change() -> None:
    created = datetime(2026, 10, 24, 11, 0, tzinfo=ROME)  # Saturday, summer time
    case = OpenCaseRow(case_id=7, plesso_code=C, created_by=1001, created_at=created)
    base = facts([link(1, C)], open_cases=[case])
    sent = simulate(created, created + timedelta(days=2), base, step=timedelta(minutes=5))
    # 24 hours later it is 10:00 on Sunday, in winter time: no school, so Monday at 08:00.
    assert plain(sent) == [("Mon 26 08:00", C, "case_24h", date(2026, 10, 24))]


# --- The catch-up rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(date(2026, 11, 17), 9, 59), []),  # before 10:00
        (at(date(2026, 11, 17), 15, 0), [ABS]),  # down at 10:00, up at 15:00: still today
        (at(date(2026, 11, 17), 18, 59), [ABS]),
        (at(date(2026, 11, 17), 19, 0), []),  # after REMINDERS_UNTIL (issue 22)
        (at(date(2026, 11, 17), 23, 59), []),
        (at(date(2026, 11, 18), 9, 0), []),  # today's reminder is gone, the last call not yet
        (at(date(2026, 11, 18), 18, 0), [LAST]),
        (at(date(2026, 11, 19), 0, 5), []),  # the window has closed
    ],
)
def test_after_downtime_only_open_windows_are_sent(
    moment: datetime, expected: list[ReminderKind]
) -> None:
    due = due_reminders(moment, SCHEDULE, facts([link(1, A)]))
    assert [item.kind for item in due] == expected


def test_logged_reminders_and_unreachable_referents_are_not_due() -> None:
    moment = at(date(2026, 11, 17))
    base = facts([link(1, A), link(2, B)])
    assert len(due_reminders(moment, SCHEDULE, base)) == 2
    logged = ReminderKey(1, A, ABS, date(2026, 11, 17))
    assert [
        i.referent_id
        for i in due_reminders(moment, SCHEDULE, replace(base, logged=frozenset({logged})))
    ] == [2]
    assert due_reminders(moment, SCHEDULE, replace(base, unreachable=frozenset({1, 2}))) == []


# --- Enrolment ---------------------------------------------------------------------------------


def test_enrolment_from_the_reminder_date_then_weekly() -> None:
    sent = simulate(
        at(date(2026, 9, 1), 0),
        at(date(2026, 10, 1), 0),
        facts([link(1, C)], enrolled=()),
        step=timedelta(minutes=30),
    )
    assert plain(sent) == [
        ("Tue 15 10:00", C, "enrolment", date(2026, 9, 15)),
        ("Tue 22 10:00", C, "enrolment", date(2026, 9, 22)),
        ("Tue 29 10:00", C, "enrolment", date(2026, 9, 29)),
    ]


def test_enrolment_done_means_no_reminder() -> None:
    assert due_reminders(at(date(2026, 9, 15)), SCHEDULE, facts([link(1, C)])) == []


def test_an_enrolment_slot_on_a_weekend_or_holiday_waits_for_the_next_school_day() -> None:
    schedule = replace(SCHEDULE, school_year_reminder=(9, 19))  # a Saturday in 2026
    sent = simulate(
        at(date(2026, 9, 18), 0),
        at(date(2026, 9, 23), 0),
        facts([link(1, C)], enrolled=()),
        schedule=schedule,
    )
    assert plain(sent) == [("Mon 21 10:00", C, "enrolment", date(2026, 9, 19))]
    closure = Closure(date(2026, 9, 19), date(2026, 9, 30))
    closed = SchoolCalendar(timezone=ROME, closures=(closure,))
    none = simulate(
        at(date(2026, 9, 18), 0),
        at(date(2026, 9, 26), 0),
        facts([link(1, C)], enrolled=(), calendar=closed),
        schedule=schedule,
    )
    assert none == []


def test_enrolment_slots_follow_the_school_year() -> None:
    assert first_enrolment_day(2026, SCHEDULE) == date(2026, 9, 15)
    january = replace(SCHEDULE, school_year_reminder=(1, 10))
    assert first_enrolment_day(2026, january) == date(2027, 1, 10)
    assert enrolment_slot(date(2026, 9, 14), SCHEDULE) is None
    assert enrolment_slot(date(2026, 9, 21), SCHEDULE) == date(2026, 9, 15)
    assert enrolment_slot(date(2027, 8, 31), SCHEDULE) == date(2027, 8, 31)  # still 2026/27
    assert enrolment_slot(date(2027, 9, 1), SCHEDULE) is None  # 2027/28 starts on the 15th


def test_a_missed_enrolment_slot_is_caught_up_within_its_week() -> None:
    base = facts([link(1, C)], enrolled=())
    assert [i.day for i in due_reminders(at(date(2026, 9, 21), 8), SCHEDULE, base)] == [
        date(2026, 9, 15)
    ]
    # The next slot opens at 10:00 on the 22nd; before that, nothing.
    assert due_reminders(at(date(2026, 9, 22), 9), SCHEDULE, base) == []


# --- Open cases --------------------------------------------------------------------------------


def test_case_stages() -> None:
    created = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert case_stage(created, created + timedelta(hours=23, minutes=59)) is None
    assert case_stage(created, created + timedelta(hours=24)) is ReminderKind.CASE_24H
    assert case_stage(created, created + timedelta(hours=71)) is ReminderKind.CASE_24H
    assert case_stage(created, created + timedelta(hours=72)) is ReminderKind.CASE_72H
    assert case_stage(created, created + timedelta(hours=119)) is ReminderKind.CASE_72H
    assert case_stage(created, created + timedelta(hours=120)) is None


def test_an_open_case_is_reminded_at_24_and_72_hours_in_daytime_only() -> None:
    created = at(date(2026, 11, 17), 22, 30)
    case = OpenCaseRow(case_id=12, plesso_code=C, created_by=1001, created_at=created)
    sent = simulate(created, created + timedelta(days=6), facts([link(1, C)], open_cases=[case]))
    assert plain(sent) == [
        ("Thu 19 08:00", C, "case_24h", date(2026, 11, 17)),  # 24 h fall at night: next morning
        # The 72-hour one falls on Friday night and its window ends on Sunday: no school
        # day in between, so it does not go (issue 22: no reminders on a Saturday).
    ]
    assert {item.ref for _, item in sent} == {"12"}
    assert all(item.opened_at == created for _, item in sent)


def test_a_case_goes_to_its_reporter_or_else_to_the_plesso_referents() -> None:
    created = at(date(2026, 11, 16), 9)
    moment = at(date(2026, 11, 17), 11)
    reporter_case = OpenCaseRow(case_id=1, plesso_code=C, created_by=1002, created_at=created)
    orphan_case = OpenCaseRow(case_id=2, plesso_code=C, created_by=9999, created_at=created)
    base = facts([link(1, C), link(2, C)], open_cases=[reporter_case, orphan_case])
    due = due_reminders(moment, SCHEDULE, base)
    assert sorted((i.ref, i.referent_id) for i in due) == [("1", 2), ("2", 1), ("2", 2)]


# --- One message per referent ------------------------------------------------------------------


def test_one_batch_per_referent_listing_each_plesso() -> None:
    links = [link(1, A), link(1, B), link(1, C), link(2, B)]
    due = due_reminders(at(date(2026, 11, 17)), SCHEDULE, facts(links, enrolled=(A, B)))
    batches = group_by_referent(due)
    assert [b.referent_id for b in batches] == [1, 2]
    first = batches[0]
    assert first.user_id == 1001
    assert [(i.plesso_name, i.kind.value) for i in first.items] == [
        ("Infanzia Girasole", "absences"),
        ("Media Parco Nord", "enrolment"),
        ("Primaria Tigli", "absences"),
    ]
    assert [(i.plesso_code, i.kind) for i in batches[1].items] == [(B, ABS)]


def test_manual_reminders_carry_the_push_id() -> None:
    items = manual_reminders([link(1, A), link(2, B)], date(2026, 11, 17), push_id=5)
    assert {(i.referent_id, i.kind, i.ref) for i in items} == {
        (1, ReminderKind.MANUAL, "5"),
        (2, ReminderKind.MANUAL, "5"),
    }


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_reminders(datetime(2026, 11, 17, 10, 0), SCHEDULE, facts([link(1, A)]))


# --- Decent times (issue 22) ---------------------------------------------------------------


def test_a_catch_up_on_sunday_morning_sends_nothing_and_monday_at_eight_does() -> None:
    # The enrolment reminder of the slot of Tuesday 15/9/2026 is still owed.
    base = facts([link(1, A)], enrolled=())
    assert due_reminders(at(date(2026, 9, 20), 7, 31), SCHEDULE, base) == []  # Sunday 07:31
    assert due_reminders(at(date(2026, 9, 20), 11, 0), SCHEDULE, base) == []  # Sunday
    assert due_reminders(at(date(2026, 9, 21), 7, 59), SCHEDULE, base) == []  # Monday, early
    monday = due_reminders(at(date(2026, 9, 21), 8, 0), SCHEDULE, base)
    assert [item.kind for item in monday] == [ReminderKind.ENROLMENT]


def test_the_sending_hours_come_from_the_settings() -> None:
    schedule = Schedule(timezone=ROME, sending_hours=(time(11, 0), time(12, 0)))
    base = facts([link(1, A)])
    assert due_reminders(at(date(2026, 11, 17), 10, 30), schedule, base) == []
    assert [i.kind for i in due_reminders(at(date(2026, 11, 17), 11, 0), schedule, base)] == [ABS]
    assert due_reminders(at(date(2026, 11, 17), 12, 0), schedule, base) == []
