"""The cases repository on a real SQLite file: create, list, edit with versions, audit."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.cases import CaseData, CaseStatus, UpdateOutcome, complete_case
from storage.audit import AuditRepository
from storage.cases import CasesRepository
from storage.db import Database
from storage.registry import PlessiRepository
from tests.unit.test_cases_rules import STUDENT_CF, TEACHER_CF, TODAY, full_draft
from tests.unit.test_storage import plesso

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
REFERENT = 200
OTHER_REFERENT = 201
PLESSO_A = "MIEE00001A"
PLESSO_B = "MIEE00002B"


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "cases.sqlite3")
    await database.connect()
    await PlessiRepository(database).upsert_many(
        [plesso(PLESSO_A), plesso(PLESSO_B)], actor=1, now=NOW
    )
    yield database
    await database.close()


@pytest.fixture
def repo(db: Database) -> CasesRepository:
    return CasesRepository(db)


def case_data(**changes: object) -> CaseData:
    values: dict[str, object] = {"plesso_code": PLESSO_A}
    values.update(changes)
    return complete_case(full_draft(**values), TODAY)


async def test_create_and_read_back_every_field(repo: CasesRepository, db: Database) -> None:
    data = case_data(
        phone2="+390212345678", swab_date=date(2026, 11, 15), onset_date=date(2026, 11, 14)
    )
    case = await repo.create(data, actor=REFERENT, now=NOW)
    assert case.id >= 1
    assert case.status is CaseStatus.OPEN and case.is_open
    assert case.version == 1
    assert case.data == data
    assert case.created_by == REFERENT
    assert case.created_at == NOW
    assert await repo.get(case.id) == case
    assert await repo.get(case.id + 1) is None
    history = await AuditRepository(db).for_entity("case", str(case.id))
    assert [(e.action, e.actor, e.details) for e in history] == [
        ("case.create", f"tg:{REFERENT}", {"plesso": PLESSO_A})
    ]


async def test_optional_fields_stay_empty(repo: CasesRepository) -> None:
    case = await repo.create(case_data(), actor=REFERENT, now=NOW)
    assert (case.data.phone2, case.data.swab_date, case.data.onset_date) == (None, None, None)


_INSERT = (
    "INSERT INTO cases (plesso_code, status, school_type, class_name, section, referent_name,"
    " referent_phone, referent_email, role, surname, name, codice_fiscale, birth_date,"
    " comune_code, comune_name, comune_province, phone1, last_attendance, created_by,"
    " created_at, updated_by, updated_at) VALUES (?, ?, ?, '1', 'A', 'X Y', '+39', 'a@b.it',"
    " ?, 'A', 'B', ?, '2015-01-01', 'F205', 'Milano', 'MI', '+39', '2026-11-16', 1, 'x', 1, 'x')"
)


@pytest.mark.parametrize(
    "values",
    [
        (PLESSO_A, "lost", "primaria", "studente", STUDENT_CF),  # unknown status
        (PLESSO_A, "open", "asilo", "studente", STUDENT_CF),  # unknown school type
        (PLESSO_A, "open", "primaria", "preside", STUDENT_CF),  # unknown role
        (PLESSO_A, "open", "primaria", "studente", "SHORT"),  # not 16 characters
        ("MIEE00009Z", "open", "primaria", "studente", STUDENT_CF),  # unknown plesso
    ],
)
async def test_the_schema_refuses_what_the_rules_refuse(
    db: Database, values: tuple[str, ...]
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute(_INSERT, values)
    async with db.transaction() as conn:
        await conn.execute(_INSERT, (PLESSO_A, "open", "primaria", "studente", STUDENT_CF))


async def test_list_is_newest_first_paged_and_per_plesso(repo: CasesRepository) -> None:
    ids = [
        (await repo.create(case_data(surname=f"COGNOME {n}"), actor=REFERENT, now=NOW)).id
        for n in range(12)
    ]
    await repo.create(case_data(plesso_code=PLESSO_B), actor=REFERENT, now=NOW)
    first = await repo.page(PLESSO_A, 1)
    assert (first.page, first.pages, first.total) == (1, 3, 12)
    assert [item.id for item in first.items] == ids[::-1][:5]
    assert first.items[0].surname == "COGNOME 11"
    assert first.items[0].masked_codice_fiscale == "BN…5O"
    assert all(item.contacts == 0 and item.is_open for item in first.items)
    last = await repo.page(PLESSO_A, 3)
    assert [item.id for item in last.items] == ids[1::-1]
    beyond = await repo.page(PLESSO_A, 99)
    assert beyond.page == 3
    other = await repo.page(PLESSO_B, 1)
    assert other.total == 1
    empty = await repo.page("MIEE00009Z", 1)
    assert (empty.items, empty.page, empty.pages, empty.total) == ([], 1, 1, 0)


async def test_edit_saves_bumps_the_version_and_audits_field_names(
    repo: CasesRepository, db: Database
) -> None:
    case = await repo.create(case_data(), actor=REFERENT, now=NOW)
    later = NOW + timedelta(hours=1)
    changed = case_data(surname="BIANCO", phone2="+390212345678")
    result = await repo.update(
        case.id, changed, expected_version=1, actor=OTHER_REFERENT, now=later
    )
    assert result.outcome is UpdateOutcome.SAVED
    assert result.case is not None
    assert result.case.version == 2
    assert result.case.data == changed
    assert result.case.updated_at == later
    assert result.case.created_by == REFERENT
    history = await AuditRepository(db).for_entity("case", str(case.id))
    assert history[0].action == "case.update"
    assert history[0].actor == f"tg:{OTHER_REFERENT}"
    assert history[0].details == {"plesso": PLESSO_A, "version": 2, "fields": ["surname", "phone2"]}
    # No personal data in the audit trail.
    raw = json.dumps([entry.details for entry in history])
    assert "BIANCO" not in raw and STUDENT_CF not in raw and "+39" not in raw


async def test_a_second_edit_from_the_same_version_is_refused(repo: CasesRepository) -> None:
    case = await repo.create(case_data(), actor=REFERENT, now=NOW)
    first = await repo.update(
        case.id, case_data(surname="PRIMO"), expected_version=1, actor=REFERENT, now=NOW
    )
    assert first.outcome is UpdateOutcome.SAVED
    second = await repo.update(
        case.id,
        case_data(surname="SECONDO"),
        expected_version=1,
        actor=OTHER_REFERENT,
        now=NOW,
    )
    assert second.outcome is UpdateOutcome.CONFLICT
    assert second.case is not None and second.case.data.surname == "PRIMO"
    assert second.case.version == 2


async def test_an_edit_that_changes_nothing_writes_nothing(
    repo: CasesRepository, db: Database
) -> None:
    case = await repo.create(case_data(), actor=REFERENT, now=NOW)
    result = await repo.update(case.id, case_data(), expected_version=1, actor=REFERENT, now=NOW)
    assert result.outcome is UpdateOutcome.UNCHANGED
    assert (await repo.get(case.id)).version == 1  # type: ignore[union-attr]
    assert len(await AuditRepository(db).for_entity("case", str(case.id))) == 1


async def test_an_edit_never_moves_the_case_to_another_plesso(repo: CasesRepository) -> None:
    case = await repo.create(case_data(), actor=REFERENT, now=NOW)
    result = await repo.update(
        case.id,
        case_data(plesso_code=PLESSO_B, surname="ALTRO"),
        expected_version=1,
        actor=REFERENT,
        now=NOW,
    )
    assert result.case is not None
    assert result.case.data.plesso_code == PLESSO_A
    assert result.case.data.surname == "ALTRO"


async def test_closed_and_missing_cases_cannot_be_edited(
    repo: CasesRepository, db: Database
) -> None:
    case = await repo.create(case_data(), actor=REFERENT, now=NOW)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE cases SET status = 'closed', closed_at = ? WHERE id = ?",
            (NOW.isoformat(), case.id),
        )
    closed = await repo.update(
        case.id, case_data(surname="X"), expected_version=1, actor=REFERENT, now=NOW
    )
    assert closed.outcome is UpdateOutcome.CLOSED
    assert closed.case is not None and closed.case.closed_at == NOW
    page = await repo.page(PLESSO_A, 1)
    assert not page.items[0].is_open
    missing = await repo.update(999, case_data(), expected_version=1, actor=REFERENT, now=NOW)
    assert (missing.outcome, missing.case) == (UpdateOutcome.MISSING, None)


async def test_recent_duplicate_same_plesso_last_thirty_days(repo: CasesRepository) -> None:
    old = await repo.create(case_data(), actor=REFERENT, now=NOW - timedelta(days=31))
    since = NOW - timedelta(days=30)
    assert await repo.recent_duplicate(PLESSO_A, STUDENT_CF, since) is None
    recent = await repo.create(case_data(), actor=REFERENT, now=NOW - timedelta(days=29))
    newest = await repo.create(case_data(), actor=REFERENT, now=NOW - timedelta(days=1))
    assert await repo.recent_duplicate(PLESSO_A, STUDENT_CF, since) == newest.id
    assert await repo.recent_duplicate(PLESSO_A, STUDENT_CF, since, exclude_id=newest.id) == (
        recent.id
    )
    assert await repo.recent_duplicate(PLESSO_B, STUDENT_CF, since) is None
    assert await repo.recent_duplicate(PLESSO_A, TEACHER_CF, since) is None
    assert old.id < recent.id


async def test_every_query_uses_an_index(db: Database) -> None:
    # The repository's own queries (storage/cases.py), word for word.
    queries = [
        ("SELECT COUNT(*) AS n FROM cases WHERE plesso_code = ?", (PLESSO_A,)),
        (
            "SELECT id, surname, name, codice_fiscale, last_attendance, status FROM cases"
            " WHERE plesso_code = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            (PLESSO_A, 5, 5),
        ),
        (
            "SELECT id FROM cases WHERE plesso_code = ? AND codice_fiscale = ?"
            " AND created_at > ? AND id IS NOT ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (PLESSO_A, STUDENT_CF, "2026", None),
        ),
    ]
    for sql, params in queries:
        plan = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
        details = " ".join(row["detail"] for row in plan)
        assert "USING" in details and "INDEX" in details, details
        assert "TEMP B-TREE" not in details, details
