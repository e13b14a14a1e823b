"""Repositories of the absence surveillance on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.calendar import ROME
from domain.enrolment import Enrolment
from domain.registry import Plesso
from storage.absences import AbsencesRepository, ClosuresRepository, EnrolmentsRepository
from storage.audit import AuditRepository
from storage.db import Database
from storage.registry import PlessiRepository

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
REFERENT = 200
ADMIN = 100
TUESDAY = date(2026, 11, 17)
THURSDAY = date(2026, 11, 19)
SENTINEL, OTHER_SENTINEL, NOT_SENTINEL, ELSEWHERE = (
    "MIEE00001A",
    "MIEE00002B",
    "MIMM00003C",
    "CREE00004D",
)


def plesso(code: str, *, sentinel: bool = True, ats: str = "ATS-MILANO") -> Plesso:
    return Plesso(
        code=code,
        name=f"SCUOLA {code}",
        comune_code="F205",
        comune_name="Milano",
        province="MI",
        address="Via dei Tigli 1",
        school_type="primaria",
        sentinel=sentinel,
        ats_code=ats,
    )


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "test.sqlite3")
    await database.connect()
    await PlessiRepository(database).upsert_many(
        [
            plesso(SENTINEL),
            plesso(OTHER_SENTINEL),
            plesso(NOT_SENTINEL, sentinel=False),
            plesso(ELSEWHERE, ats="ATS-VALPADANA"),
        ],
        actor=ADMIN,
        now=NOW,
    )
    yield database
    await database.close()


@pytest.fixture
def closures(db: Database) -> ClosuresRepository:
    return ClosuresRepository(db, start_date=date(2026, 9, 1), timezone=ROME)


@pytest.fixture
def absences(db: Database, closures: ClosuresRepository) -> AbsencesRepository:
    return AbsencesRepository(db, closures)


@pytest.fixture
def enrolments(db: Database) -> EnrolmentsRepository:
    return EnrolmentsRepository(db)


async def enrol(
    repo: EnrolmentsRepository, pupils: int, valid_from: date, code: str = SENTINEL
) -> None:
    await repo.add(
        Enrolment(plesso_code=code, pupils=pupils, classes=10, valid_from=valid_from),
        actor=REFERENT,
        now=NOW,
    )


# --- Enrolments -------------------------------------------------------------------------


async def test_enrolment_history_is_kept_and_the_figure_in_force_follows_the_day(
    enrolments: EnrolmentsRepository,
) -> None:
    await enrol(enrolments, 300, date(2025, 9, 1))
    await enrol(enrolments, 320, date(2026, 9, 1))
    await enrol(enrolments, 330, date(2026, 11, 17))
    await enrol(enrolments, 331, date(2026, 11, 17))  # same-day correction
    assert [e.pupils for e in await enrolments.history(SENTINEL)] == [300, 320, 330, 331]
    assert await enrolments.in_force(SENTINEL, date(2025, 8, 31)) is None
    in_force = {
        day: (await enrolments.in_force(SENTINEL, day)).pupils  # type: ignore[union-attr]
        for day in (date(2026, 3, 3), date(2026, 11, 16), date(2026, 11, 17), date(2027, 1, 1))
    }
    assert list(in_force.values()) == [300, 320, 331, 331]


async def test_enrolment_is_audited_with_old_and_new_figures(
    db: Database, enrolments: EnrolmentsRepository
) -> None:
    await enrol(enrolments, 300, date(2025, 9, 1))
    await enrol(enrolments, 320, date(2026, 9, 1))
    entries = await AuditRepository(db).for_entity("plesso", SENTINEL)
    latest = entries[0]
    assert latest.action == "enrolment.record"
    assert latest.actor == f"tg:{REFERENT}"
    assert latest.details["pupils"] == 320 and latest.details["old_pupils"] == 300


async def test_plessi_missing_the_school_year_figure(enrolments: EnrolmentsRepository) -> None:
    await enrol(enrolments, 300, date(2025, 9, 1))
    await enrol(enrolments, 320, date(2026, 9, 1), code=OTHER_SENTINEL)
    missing = await enrolments.missing_for_school_year([SENTINEL, OTHER_SENTINEL], 2026)
    assert missing == {SENTINEL}
    assert await enrolments.missing_for_school_year([], 2026) == set()


# --- Absences ---------------------------------------------------------------------------


async def test_record_then_correct_keeps_the_old_value_in_the_audit(
    db: Database, absences: AbsencesRepository, enrolments: EnrolmentsRepository
) -> None:
    await enrol(enrolments, 290, date(2026, 9, 1))
    first = await absences.record(
        plesso_code=SENTINEL, day=TUESDAY, absent=12, ill=None, actor=REFERENT, now=NOW
    )
    assert not first.corrected
    assert first.figure.enrolled == 290
    assert first.figure.absence_rate == pytest.approx(12 / 290)
    second = await absences.record(
        plesso_code=SENTINEL, day=TUESDAY, absent=14, ill=3, actor=REFERENT, now=NOW
    )
    assert second.corrected and second.previous is not None
    assert (second.previous.absent, second.figure.absent, second.figure.ill) == (12, 14, 3)
    stored = await absences.get(SENTINEL, TUESDAY)
    assert stored is not None and (stored.absent, stored.ill) == (14, 3)
    entries = await AuditRepository(db).for_entity("plesso", SENTINEL)
    assert [e.action for e in entries[:2]] == ["absence.correct", "absence.record"]
    assert entries[0].details == {
        "day": "2026-11-17",
        "absent": 14,
        "ill": 3,
        "old_absent": 12,
        "old_ill": None,
    }


async def test_rates_use_the_enrolment_in_force_on_each_day(
    absences: AbsencesRepository, enrolments: EnrolmentsRepository
) -> None:
    await enrol(enrolments, 200, date(2026, 9, 1))
    await enrol(enrolments, 400, date(2026, 11, 18))
    for day, absent in ((TUESDAY, 10), (THURSDAY, 10)):
        await absences.record(
            plesso_code=SENTINEL, day=day, absent=absent, ill=None, actor=REFERENT, now=NOW
        )
    recent = await absences.recent(SENTINEL)
    assert [(f.day, f.enrolled) for f in recent] == [(THURSDAY, 400), (TUESDAY, 200)]
    assert [f.absence_rate for f in recent] == [0.025, 0.05]


async def test_recent_lists_the_last_eight_newest_first(
    absences: AbsencesRepository, enrolments: EnrolmentsRepository
) -> None:
    await enrol(enrolments, 200, date(2026, 9, 1))
    days = [date(2026, 10, d) for d in (1, 6, 8, 13, 15, 20, 22, 27, 29)]  # Tue and Thu
    for absent, day in enumerate(days):
        await absences.record(
            plesso_code=SENTINEL, day=day, absent=absent, ill=None, actor=REFERENT, now=NOW
        )
    recent = await absences.recent(SENTINEL)
    assert [f.day for f in recent] == list(reversed(days))[:8]


async def test_same_weekday_history_is_oldest_first_and_excludes_the_day(
    absences: AbsencesRepository, enrolments: EnrolmentsRepository
) -> None:
    await enrol(enrolments, 100, date(2026, 9, 1))
    tuesdays = [date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3), date(2026, 11, 10)]
    for absent, day in enumerate([*tuesdays, date(2026, 11, 12), TUESDAY], start=1):
        await absences.record(
            plesso_code=SENTINEL, day=day, absent=absent, ill=None, actor=REFERENT, now=NOW
        )
    previous = await absences.same_weekday_before(SENTINEL, TUESDAY, 3)
    assert [f.day for f in previous] == tuesdays[1:]
    assert all(f.day.weekday() == 1 for f in previous)


async def test_recorded_days(absences: AbsencesRepository) -> None:
    await absences.record(
        plesso_code=SENTINEL, day=TUESDAY, absent=1, ill=None, actor=REFERENT, now=NOW
    )
    assert await absences.recorded_days(SENTINEL, [TUESDAY, THURSDAY]) == {TUESDAY}
    assert await absences.recorded_days(OTHER_SENTINEL, [TUESDAY]) == set()
    assert await absences.recorded_days(SENTINEL, []) == set()


async def test_missing_plessi_skip_non_sentinel_recorded_closed_and_other_ats(
    absences: AbsencesRepository, closures: ClosuresRepository
) -> None:
    codes = [p.code for p in await absences.missing_plessi("ATS-MILANO", TUESDAY)]
    assert codes == [SENTINEL, OTHER_SENTINEL]
    await absences.record(
        plesso_code=SENTINEL, day=TUESDAY, absent=1, ill=None, actor=REFERENT, now=NOW
    )
    await closures.add(
        ats_code="ATS-MILANO",
        plesso_code=OTHER_SENTINEL,
        start=TUESDAY,
        end=TUESDAY,
        note="",
        actor=ADMIN,
        now=NOW,
    )
    assert await absences.missing_plessi("ATS-MILANO", TUESDAY) == []
    everywhere = [p.code for p in await absences.missing_plessi(None, TUESDAY)]
    assert everywhere == [ELSEWHERE]


async def test_nobody_owes_a_figure_on_a_holiday_a_monday_or_before_the_start(
    absences: AbsencesRepository,
) -> None:
    assert await absences.missing_plessi(None, date(2026, 12, 8)) == []  # Immacolata, Tue
    assert await absences.missing_plessi(None, date(2026, 11, 16)) == []  # Monday
    assert await absences.missing_plessi(None, date(2026, 6, 2)) == []  # before the start


async def test_database_refuses_ill_above_absent(db: Database) -> None:
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO absences (plesso_code, day, weekday, absent, ill, recorded_by,"
                " recorded_at, updated_at) VALUES (?, '2026-11-17', 1, 2, 3, 1, 'x', 'x')",
                (SENTINEL,),
            )


# --- Closures ---------------------------------------------------------------------------


async def test_closures_make_the_calendar_of_their_ats_only(
    closures: ClosuresRepository,
) -> None:
    christmas = await closures.add(
        ats_code="ATS-MILANO",
        plesso_code=None,
        start=date(2026, 12, 23),
        end=date(2027, 1, 6),
        note="Vacanze di Natale",
        actor=ADMIN,
        now=NOW,
    )
    await closures.add(
        ats_code="ATS-VALPADANA",
        plesso_code=None,
        start=TUESDAY,
        end=TUESDAY,
        note="",
        actor=ADMIN,
        now=NOW,
    )
    milano = await closures.calendar("ATS-MILANO")
    assert milano.start_date == date(2026, 9, 1)
    assert milano.is_closed(date(2026, 12, 29))
    assert milano.is_recording_day(TUESDAY)
    assert not (await closures.calendar("ATS-VALPADANA")).is_recording_day(TUESDAY)
    assert await closures.get(christmas.id) == christmas


async def test_removed_closure_is_audited_and_no_longer_counts(
    db: Database, closures: ClosuresRepository
) -> None:
    closure = await closures.add(
        ats_code="ATS-MILANO",
        plesso_code=SENTINEL,
        start=TUESDAY,
        end=THURSDAY,
        note="",
        actor=ADMIN,
        now=NOW,
    )
    assert not (await closures.calendar("ATS-MILANO")).is_recording_day(TUESDAY, SENTINEL)
    assert await closures.remove(closure.id, actor=ADMIN, now=NOW)
    assert not await closures.remove(closure.id, actor=ADMIN, now=NOW)
    assert await closures.get(closure.id) is None
    assert (await closures.calendar("ATS-MILANO")).is_recording_day(TUESDAY, SENTINEL)
    entries = await AuditRepository(db).for_entity("closure", str(closure.id))
    assert [e.action for e in entries] == ["closure.delete", "closure.create"]


async def test_active_closures_from_a_day_on(closures: ClosuresRepository) -> None:
    for start, end in ((date(2026, 10, 1), date(2026, 10, 2)), (TUESDAY, THURSDAY)):
        await closures.add(
            ats_code="ATS-MILANO",
            plesso_code=None,
            start=start,
            end=end,
            note="",
            actor=ADMIN,
            now=NOW,
        )
    assert len(await closures.active("ATS-MILANO")) == 2
    recent = await closures.active("ATS-MILANO", ending_from=date(2026, 11, 1))
    assert [c.start for c in recent] == [TUESDAY]
    assert await closures.ats_codes() == ["ATS-MILANO", "ATS-VALPADANA"]
