"""The vaccination-duty check's storage on a real SQLite file (issue 18): a draft replaced
by each upload, a sent list locked, and the retention: a campaign past its date deleted
for real (the raw file bytes checked after VACUUM), the next campaign kept."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.calendar import italian_holidays
from domain.registry import Plesso
from domain.vaccines import ListKind, Pupil, Service, VaccineCalendar, last_expired_year
from services.unit_of_work import UnitOfWork
from services.vaccines import Rules, purge_expired
from storage.db import Database
from storage.registry import PlessiRepository
from storage.vaccines import VaccinesRepository

PLESSO = "MIEE8AB01T"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
OLD_SURNAME = "ZAPPAVIGNA"  # a pupil of 2026's campaign
NEW_SURNAME = "QUARTAROLI"  # a pupil of 2027's


def pupil(surname: str, cf: str) -> Pupil:
    return Pupil(
        line=2,
        codice_fiscale=cf,
        surname=surname,
        name="ANNA",
        birth_date=date(2016, 1, 1),
        service=Service.PRIMARIA,
    )


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "vaccines.sqlite3")
    await database.connect()
    await PlessiRepository(database).upsert_many(
        [
            Plesso(
                code=PLESSO,
                name="Primaria",
                comune_code="F205",
                comune_name="Milano",
                province="MI",
                address="Via X 1",
                school_type="primaria",
                sentinel=False,
                ats_code="ATS-MILANO",
            )
        ],
        actor=0,
        now=NOW,
    )
    try:
        yield database
    finally:
        await database.close()


def raw_bytes(path: Path) -> bytes:
    found = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            found += side.read_bytes()
    return found


async def test_a_draft_is_replaced_and_a_sent_list_is_locked(db: Database) -> None:
    repo = VaccinesRepository(db)
    first = await repo.save_draft(
        PLESSO, 2027, ListKind.FIRST, [pupil("A", "CF1")], 1, actor=1, now=NOW
    )
    second = await repo.save_draft(
        PLESSO, 2027, ListKind.FIRST, [pupil("B", "CF2"), pupil("C", "CF3")], 0, actor=1, now=NOW
    )
    campaign = await repo.campaign(PLESSO, 2027)
    assert [item.id for item in campaign.lists] == [second]
    assert campaign.draft is not None and campaign.draft.pupils == 2
    assert not await repo.send(PLESSO, first, "R1", actor=1, now=NOW)
    assert await repo.send(PLESSO, second, "R2", actor=1, now=NOW)
    assert not await repo.send(PLESSO, second, "R2", actor=1, now=NOW)  # once
    await repo.save_draft(PLESSO, 2027, ListKind.LATE, [pupil("D", "CF4")], 0, actor=1, now=NOW)
    campaign = await repo.campaign(PLESSO, 2027)
    assert campaign.sent_pupils == 2 and campaign.first_sent is not None
    assert [p.surname for p in await repo.pupils(PLESSO, 2027)] == ["B", "C"]


def test_the_retention_date_closes_a_campaign_the_day_after() -> None:
    calendar = VaccineCalendar()
    assert last_expired_year(calendar, date(2027, 12, 31)) == 2026
    assert last_expired_year(calendar, date(2028, 1, 1)) == 2027
    assert last_expired_year(VaccineCalendar(retention_date="09-30"), date(2027, 10, 1)) == 2027


async def test_a_campaign_past_its_date_leaves_no_trace_in_the_file(
    db: Database, tmp_path: Path
) -> None:
    repo = VaccinesRepository(db)
    old = await repo.save_draft(
        PLESSO, 2026, ListKind.FIRST, [pupil(OLD_SURNAME, "ZPPNNA16A41F205X")], 0, actor=1, now=NOW
    )
    await repo.send(PLESSO, old, "R", actor=1, now=NOW)
    await repo.queue_notice(1, "list:2026-03-01", PLESSO, 2026, NOW)
    new = await repo.save_draft(
        PLESSO, 2027, ListKind.FIRST, [pupil(NEW_SURNAME, "QRTNNA16A41F205X")], 0, actor=1, now=NOW
    )
    await db.vacuum()
    path = tmp_path / "vaccines.sqlite3"
    assert OLD_SURNAME.encode() in raw_bytes(path)  # the check can fail

    uow = UnitOfWork(db, absence_start_date=None, timezone=UTC)  # type: ignore[arg-type]
    rules = Rules(VaccineCalendar(), italian_holidays())
    assert await purge_expired(uow, date(2026, 12, 31), NOW, rules) == 0  # not yet
    assert await purge_expired(uow, date(2027, 1, 1), NOW, rules) == 1
    assert OLD_SURNAME.encode() not in raw_bytes(path)
    assert b"ZPPNNA16A41F205X" not in raw_bytes(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT year FROM vaccine_lists").fetchall() == [(2027,)]
        assert conn.execute("SELECT COUNT(*) FROM vaccine_notices").fetchone() == (0,)
    assert [p.surname for p in await repo.pupils(PLESSO, 2027, sent=False)] == [NEW_SURNAME]
    assert new


@pytest.mark.parametrize("fails", [False, True], ids=["ends", "fails"])
async def test_the_purge_zeroes_what_it_deletes_and_puts_secure_delete_back(
    db: Database, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    repo = VaccinesRepository(db)
    await repo.save_draft(
        PLESSO, 2026, ListKind.FIRST, [pupil(OLD_SURNAME, "ZPPNNA16A41F205X")], 0, actor=1, now=NOW
    )
    seen: list[int] = []

    async def record(conn: object, **kwargs: object) -> None:
        # The audit row is written after the DELETEs, still inside the block.
        async with db.writer.execute("PRAGMA secure_delete") as cursor:
            row = await cursor.fetchone()
        seen.append(int(row[0]) if row else -1)
        if fails:
            raise RuntimeError("the power went out")

    monkeypatch.setattr("storage.vaccines.audit.record", record)
    await db.writer.execute("PRAGMA secure_delete = OFF")  # whatever the build's default
    with pytest.raises(RuntimeError) if fails else contextlib.nullcontext():
        assert await repo.purge_through(2026, now=NOW) == 1
    assert seen == [1]
    async with db.writer.execute("PRAGMA secure_delete") as cursor:
        assert tuple(await cursor.fetchone() or ()) == (0,)
    assert len(await repo.pupils(PLESSO, 2026, sent=False)) == (1 if fails else 0)
