"""Sent-home reports on a real SQLite file: the lock after 24 hours and the 48-hour re-report
(triggers of migration 013), the case link, and retention with its proof that no trace of a
deleted report stays in the file."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.closing import new_receipt_code
from domain.comuni import comune_by_code
from domain.senthome import HandedTo, NoticeKind, Outcome, SentHomeData, SentHomeRole, Symptom
from storage.db import Database
from storage.registry import PlessiRepository
from storage.retention import RetentionRepository
from storage.senthome import ReportLocked, SentHomeRepository
from tests.unit.test_retention_storage import cf, raw_bytes
from tests.unit.test_storage import plesso

NOW = datetime(2026, 11, 17, 2, 30, tzinfo=UTC)
ROME = ZoneInfo("Europe/Rome")
PLESSO = "MIEE00001A"
REFERENT = 200

OLD_SURNAME = "SCARABOCCHIOVENTAGLI"
OLD_CF = cf("SCRVNT15C02F205")
OLD_PHONE = "+393471928374"
CORRECTED_SURNAME = "SCARABOCCHIOVENTAGLIO"  # the surname of the earlier version
LAPSED_SURNAME = "MELAGRANOSVOLAZZANTE"
YOUNG_SURNAME = "PERVINCAGIRASOLANTE"


def data(surname: str, code: str, day: date, phone: str = "+393470000000") -> SentHomeData:
    comune = comune_by_code("F205")
    assert comune is not None
    return SentHomeData(
        plesso_code=PLESSO,
        role=SentHomeRole.PUPIL,
        class_name="3",
        section="B",
        surname=surname,
        name="ALDA",
        codice_fiscale=code,
        comune=comune,
        phone1=phone,
        day=day,
        time="09:00",
        symptoms=(Symptom.FEVER, Symptom.COUGH),
        handed_to=HandedTo.PARENT,
    )


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "senthome.sqlite3")
    await database.connect()
    await PlessiRepository(database).upsert_many([plesso(PLESSO)], actor=1, now=NOW)
    try:
        yield database
    finally:
        await database.close()


async def test_a_correction_within_24_hours_is_a_new_version_then_the_lock_holds(
    db: Database,
) -> None:
    repo = SentHomeRepository(db)
    report = await repo.create(
        data("ROSSI", cf("RSSLDA15C42F205"), NOW.date()), new_receipt_code(), actor=1, now=NOW
    )
    changed = data("ROSSI", cf("RSSLDA15C42F205"), NOW.date()).model_copy(
        update={"class_name": "4"}
    )
    corrected = await repo.replace(
        report.id, changed, resent=False, actor=1, now=NOW + timedelta(hours=23)
    )
    assert corrected is not None
    assert corrected.version == 2 and corrected.data.class_name == "4"
    assert await repo.versions(report.id) == [(1, "correction")]
    with pytest.raises(ReportLocked):
        await repo.replace(
            corrected.id, changed, resent=False, actor=1, now=NOW + timedelta(hours=25)
        )
    # A re-report of the person moves the window: allowed within 48 hours, not after.
    resent = await repo.replace(
        corrected.id, changed, resent=True, actor=1, now=NOW + timedelta(hours=40)
    )
    assert resent is not None
    assert resent.last_sent_at == NOW + timedelta(hours=40)
    with pytest.raises(ReportLocked):
        await repo.replace(resent.id, changed, resent=True, actor=1, now=NOW + timedelta(hours=89))
    # The outcome stays writable after the lock.
    await repo.set_outcome(report.id, Outcome.POSITIVE, actor=1, now=NOW + timedelta(days=5))
    found = await repo.get(report.id)
    assert found is not None and found.outcome is Outcome.POSITIVE


async def test_versions_are_immutable(db: Database) -> None:
    repo = SentHomeRepository(db)
    report = await repo.create(
        data("ROSSI", cf("RSSLDA15C42F205"), NOW.date()), new_receipt_code(), actor=1, now=NOW
    )
    await repo.replace(report.id, report.data, resent=False, actor=1, now=NOW)
    with contextlib.closing(sqlite3.connect(db.path)) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute("UPDATE sent_home_versions SET data = '{}'")
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute("DELETE FROM sent_home_versions")


async def test_retention_deletes_reports_n_days_after_the_outcome_and_leaves_no_trace(
    db: Database,
) -> None:
    repo = SentHomeRepository(db)
    long_ago = NOW - timedelta(days=120)
    old = await repo.create(
        data(CORRECTED_SURNAME, OLD_CF, long_ago.date(), OLD_PHONE),
        new_receipt_code(),
        actor=REFERENT,
        now=long_ago,
    )
    await repo.replace(
        old.id, data(OLD_SURNAME, OLD_CF, long_ago.date(), OLD_PHONE), resent=False,
        actor=REFERENT, now=long_ago + timedelta(hours=1),
    )  # fmt: skip
    await repo.queue(NoticeKind.NEW, [100], long_ago, report_id=old.id)
    await repo.set_outcome(old.id, Outcome.BACK_NOT_COVID, actor=REFERENT, now=NOW - timedelta(91))
    lapsed = await repo.create(
        data(LAPSED_SURNAME, cf("MLGSVL15C02F205"), long_ago.date()),
        new_receipt_code(),
        actor=REFERENT,
        now=long_ago,
    )
    # Sent home long ago, but its outcome came 10 days ago: kept for 90 days from then.
    young = await repo.create(
        data(YOUNG_SURNAME, cf("PRVGRS15C02F205"), long_ago.date()),
        new_receipt_code(),
        actor=REFERENT,
        now=long_ago,
    )
    await repo.set_outcome(young.id, Outcome.POSITIVE, actor=REFERENT, now=NOW - timedelta(10))

    purge = await RetentionRepository(db).run(NOW, 90, ROME)

    assert purge.vacuumed
    assert purge.by_ats["ATS-MILANO"].sent_home == 2
    assert await repo.get(old.id) is None and await repo.get(lapsed.id) is None
    assert await repo.get(young.id) is not None
    assert await repo.versions(old.id) == []
    content = raw_bytes(db.path)
    for secret in (OLD_SURNAME, CORRECTED_SURNAME, OLD_CF, OLD_PHONE, LAPSED_SURNAME):
        assert secret.encode() not in content, secret
    assert YOUNG_SURNAME.encode() in content
    with contextlib.closing(sqlite3.connect(db.path)) as conn:
        audit = conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'sent_home' AND entity_id IN (?, ?)",
            (str(old.id), str(lapsed.id)),
        ).fetchone()
        assert audit == (0,)
        assert conn.execute("SELECT COUNT(*) FROM retention_guard").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM sent_home_outbox").fetchone() == (0,)


async def test_the_case_saved_after_positive_is_linked(db: Database) -> None:
    from storage.cases import CasesRepository
    from tests.unit.test_cases_storage import case_data

    repo = SentHomeRepository(db)
    case = case_data()
    report = await repo.create(
        data("BIANCHI", case.codice_fiscale, NOW.date()).model_copy(
            update={"plesso_code": case.plesso_code}
        ),
        new_receipt_code(),
        actor=1,
        now=NOW,
    )
    await PlessiRepository(db).upsert_many([plesso(case.plesso_code)], actor=1, now=NOW)
    await repo.set_outcome(report.id, Outcome.POSITIVE, actor=1, now=NOW)
    saved = await CasesRepository(db).create(case, actor=1, now=NOW)
    found = await repo.get(report.id)
    assert found is not None and found.case_id == saved.id
