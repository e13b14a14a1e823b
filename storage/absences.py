"""Repositories of the absence surveillance: enrolment figures, absence figures, closures.

Every change writes its audit row in the same transaction; the details hold codes, dates and
counts only (old and new figures of a correction), never names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.absences import AbsenceFigure, RecordResult
from domain.calendar import (
    ROME,
    ClosurePeriod,
    SchoolCalendar,
    school_year_of,
)
from domain.enrolment import Enrolment, enrolment_in_force
from domain.registry import Plesso
from storage import audit
from storage.db import Database, Row, parse_utc, utc_now_text

RECENT_RECORDINGS = 8


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


# --- Enrolments -------------------------------------------------------------------------


def _enrolment(row: Row) -> Enrolment:
    return Enrolment(
        plesso_code=row["plesso_code"],
        pupils=row["pupils"],
        classes=row["classes"],
        valid_from=date.fromisoformat(row["valid_from"]),
    )


class EnrolmentsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def history(self, plesso_code: str) -> list[Enrolment]:
        """Every figure of the plesso, oldest first (same-day figures in the order recorded)."""
        rows = await self._db.fetchall(
            "SELECT * FROM enrolments WHERE plesso_code = ? ORDER BY valid_from, id",
            (plesso_code,),
        )
        return [_enrolment(row) for row in rows]

    async def in_force(self, plesso_code: str, day: date) -> Enrolment | None:
        """The figure in force on `day`: the latest `valid_from` on or before it."""
        row = await self._db.fetchone(
            "SELECT * FROM enrolments WHERE plesso_code = ? AND valid_from <= ?"
            " ORDER BY valid_from DESC, id DESC LIMIT 1",
            (plesso_code, day.isoformat()),
        )
        return _enrolment(row) if row else None

    async def missing_for_school_year(self, codes: Sequence[str], year: int) -> set[str]:
        """Those of `codes` with no figure recorded within the school year starting in `year`."""
        if not codes:
            return set()
        rows = await self._db.fetchall(
            f"SELECT DISTINCT plesso_code FROM enrolments WHERE plesso_code IN ({_marks(codes)})"
            " AND school_year = ?",
            (*codes, year),
        )
        return set(codes) - {row["plesso_code"] for row in rows}

    async def add(self, enrolment: Enrolment, *, actor: int, now: datetime) -> Enrolment:
        """Record a new figure; the previous ones stay in the history."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT pupils, classes FROM enrolments WHERE plesso_code = ?"
                " AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1",
                (enrolment.plesso_code, enrolment.valid_from.isoformat()),
            ) as cursor:
                previous = await cursor.fetchone()
            cursor = await conn.execute(
                "INSERT INTO enrolments (plesso_code, pupils, classes, valid_from, school_year,"
                " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    enrolment.plesso_code,
                    enrolment.pupils,
                    enrolment.classes,
                    enrolment.valid_from.isoformat(),
                    school_year_of(enrolment.valid_from),
                    actor,
                    utc_now_text(now),
                ),
            )
            enrolment_id = cursor.lastrowid
            await cursor.close()
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="enrolment.record",
                entity="plesso",
                entity_id=enrolment.plesso_code,
                details={
                    "enrolment": enrolment_id,
                    "valid_from": enrolment.valid_from.isoformat(),
                    "pupils": enrolment.pupils,
                    "classes": enrolment.classes,
                    "old_pupils": previous["pupils"] if previous else None,
                    "old_classes": previous["classes"] if previous else None,
                },
            )
        return enrolment


# --- Absences ---------------------------------------------------------------------------


class AbsencesRepository:
    def __init__(self, db: Database, closures: ClosuresRepository) -> None:
        self._db = db
        self._closures = closures
        self._enrolments = EnrolmentsRepository(db)

    async def get(self, plesso_code: str, day: date) -> AbsenceFigure | None:
        row = await self._db.fetchone(
            "SELECT * FROM absences WHERE plesso_code = ? AND day = ?",
            (plesso_code, day.isoformat()),
        )
        if row is None:
            return None
        enrolment = await self._enrolments.in_force(plesso_code, day)
        return _figure(row, enrolment.pupils if enrolment else None)

    async def record(
        self,
        *,
        plesso_code: str,
        day: date,
        absent: int,
        ill: int | None,
        actor: int,
        now: datetime,
    ) -> RecordResult:
        """Save the figure of `day`, or correct it; the audit row keeps the old value.

        The caller has checked the window and the figures (domain rules): this only stores.
        Inside a use case's transaction the saved row is read back from that transaction
        (RETURNING): the reader connection would not see it before the commit.
        """
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT * FROM absences WHERE plesso_code = ? AND day = ?",
                (plesso_code, day.isoformat()),
            ) as cursor:
                old = await cursor.fetchone()
            async with conn.execute(
                "INSERT INTO absences (plesso_code, day, weekday, absent, ill, recorded_by,"
                " recorded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (plesso_code, day) DO UPDATE SET absent = excluded.absent,"
                " ill = excluded.ill, recorded_by = excluded.recorded_by,"
                " updated_at = excluded.updated_at RETURNING *",
                (plesso_code, day.isoformat(), day.weekday(), absent, ill, actor, stamp, stamp),
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            details: dict[str, object] = {"day": day.isoformat(), "absent": absent, "ill": ill}
            if old is not None:
                details.update(old_absent=old["absent"], old_ill=old["ill"])
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="absence.correct" if old is not None else "absence.record",
                entity="plesso",
                entity_id=plesso_code,
                details=details,
            )
        enrolment = await self._enrolments.in_force(plesso_code, day)
        saved = _figure(row, enrolment.pupils if enrolment else None)
        previous = _figure(old, saved.enrolled) if old is not None else None
        return RecordResult(figure=saved, previous=previous)

    async def recent(self, plesso_code: str, limit: int = RECENT_RECORDINGS) -> list[AbsenceFigure]:
        """The last `limit` figures of the plesso, newest first, with their enrolment."""
        rows = await self._db.fetchall(
            "SELECT * FROM absences WHERE plesso_code = ? ORDER BY day DESC LIMIT ?",
            (plesso_code, limit),
        )
        return await self._with_enrolment(plesso_code, rows)

    async def same_weekday_before(
        self, plesso_code: str, day: date, limit: int
    ) -> list[AbsenceFigure]:
        """The last `limit` figures of the plesso on the weekday of `day`, before it,
        oldest first (the order `domain.absences.compare_with_history` takes)."""
        rows = await self._db.fetchall(
            "SELECT * FROM absences WHERE plesso_code = ? AND weekday = ? AND day < ?"
            " ORDER BY day DESC LIMIT ?",
            (plesso_code, day.weekday(), day.isoformat(), limit),
        )
        figures = await self._with_enrolment(plesso_code, rows)
        figures.reverse()
        return figures

    async def recorded_days(self, plesso_code: str, days: Sequence[date]) -> set[date]:
        """Those of `days` that already have a figure for the plesso."""
        if not days:
            return set()
        rows = await self._db.fetchall(
            f"SELECT day FROM absences WHERE plesso_code = ? AND day IN ({_marks(days)})",
            (plesso_code, *(day.isoformat() for day in days)),
        )
        return {date.fromisoformat(row["day"]) for row in rows}

    async def missing_plessi(self, ats_code: str | None, day: date) -> list[Plesso]:
        """Sentinel plessi (of one ATS, or of all when None) that owe a figure for `day`:
        `day` is a recording day for them (calendar: weekday, holidays, start date, their
        closures) and nothing is recorded yet. Sorted by ATS, then name."""
        where, params = ("AND p.ats_code = ?", (ats_code,)) if ats_code else ("", ())
        rows = await self._db.fetchall(
            "SELECT p.* FROM plessi p WHERE p.sentinel = 1 "
            f"{where} AND NOT EXISTS (SELECT 1 FROM absences a"
            " WHERE a.day = ? AND a.plesso_code = p.code) ORDER BY p.ats_code, p.name",
            (*params, day.isoformat()),
        )
        plessi = [_plesso(row) for row in rows]
        calendars: dict[str, SchoolCalendar] = {}
        owing: list[Plesso] = []
        for plesso in plessi:
            if plesso.ats_code not in calendars:
                calendars[plesso.ats_code] = await self._closures.calendar(plesso.ats_code)
            if calendars[plesso.ats_code].is_recording_day(day, plesso.code):
                owing.append(plesso)
        return owing

    async def _with_enrolment(self, plesso_code: str, rows: list[Row]) -> list[AbsenceFigure]:
        history = await self._enrolments.history(plesso_code)
        figures: list[AbsenceFigure] = []
        for row in rows:
            day = date.fromisoformat(row["day"])
            enrolment = enrolment_in_force(history, day)
            figures.append(_figure(row, enrolment.pupils if enrolment else None))
        return figures


def _plesso(row: Row) -> Plesso:
    return Plesso.model_validate({name: row[name] for name in Plesso.model_fields})


def _figure(row: Row, enrolled: int | None) -> AbsenceFigure:
    return AbsenceFigure(
        plesso_code=row["plesso_code"],
        day=date.fromisoformat(row["day"]),
        absent=row["absent"],
        ill=row["ill"],
        enrolled=enrolled,
        recorded_at=parse_utc(row["recorded_at"]),
        updated_at=parse_utc(row["updated_at"]),
    )


# --- Closures ---------------------------------------------------------------------------


def _closure(row: Row) -> ClosurePeriod:
    return ClosurePeriod(
        id=row["id"],
        ats_code=row["ats_code"],
        plesso_code=row["plesso_code"],
        start=date.fromisoformat(row["start_day"]),
        end=date.fromisoformat(row["end_day"]),
        note=row["note"],
        created_by=row["created_by"],
        created_at=parse_utc(row["created_at"]),
    )


class ClosuresRepository:
    """Closures set by the ATS, and the recording calendar they make with the settings."""

    def __init__(
        self, db: Database, *, start_date: date | None = None, timezone: ZoneInfo = ROME
    ) -> None:
        self._db = db
        self._start_date = start_date
        self._timezone = timezone

    async def calendar(self, ats_code: str) -> SchoolCalendar:
        """The recording calendar of the ATS: start date, time zone, its closures (one read).

        The reminders and the reports build theirs here too, so everybody uses one rule.
        """
        return SchoolCalendar(
            start_date=self._start_date,
            timezone=self._timezone,
            closures=tuple(period.as_closure() for period in await self.active(ats_code)),
        )

    async def active(
        self, ats_code: str, *, ending_from: date | None = None
    ) -> list[ClosurePeriod]:
        """Closures of the ATS not removed, by start date; only those ending on or after
        `ending_from` when given."""
        rows = await self._db.fetchall(
            "SELECT * FROM closures WHERE ats_code = ? AND deleted_at IS NULL AND end_day >= ?"
            " ORDER BY start_day, id",
            (ats_code, ending_from.isoformat() if ending_from else ""),
        )
        return [_closure(row) for row in rows]

    async def get(self, closure_id: int) -> ClosurePeriod | None:
        row = await self._db.fetchone(
            "SELECT * FROM closures WHERE id = ? AND deleted_at IS NULL", (closure_id,)
        )
        return _closure(row) if row else None

    async def add(
        self,
        *,
        ats_code: str,
        plesso_code: str | None,
        start: date,
        end: date,
        note: str,
        actor: int,
        now: datetime,
    ) -> ClosurePeriod:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO closures (ats_code, plesso_code, start_day, end_day, note,"
                " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    ats_code,
                    plesso_code,
                    start.isoformat(),
                    end.isoformat(),
                    note,
                    actor,
                    utc_now_text(now),
                ),
            )
            closure_id = cursor.lastrowid
            await cursor.close()
            assert closure_id is not None
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="closure.create",
                entity="closure",
                entity_id=str(closure_id),
                details={
                    "ats": ats_code,
                    "plesso": plesso_code,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                },
            )
        return ClosurePeriod(
            id=closure_id,
            ats_code=ats_code,
            plesso_code=plesso_code,
            start=start,
            end=end,
            note=note,
            created_by=actor,
            created_at=now,
        )

    async def remove(self, closure_id: int, *, actor: int, now: datetime) -> bool:
        """Mark the closure removed; False when it was already gone."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE closures SET deleted_at = ?, deleted_by = ?"
                " WHERE id = ? AND deleted_at IS NULL RETURNING ats_code, start_day, end_day",
                (utc_now_text(now), actor, closure_id),
            )
            removed = await cursor.fetchone()
            await cursor.close()
            if removed is None:
                return False
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="closure.delete",
                entity="closure",
                entity_id=str(closure_id),
                details={
                    "ats": removed["ats_code"],
                    "start": removed["start_day"],
                    "end": removed["end_day"],
                },
            )
        return True

    async def ats_codes(self) -> list[str]:
        """The ATS that have plessi, for a regional admin to pick from."""
        rows = await self._db.fetchall("SELECT DISTINCT ats_code FROM plessi ORDER BY ats_code")
        return [str(row["ats_code"]) for row in rows]
