"""Retention on a real SQLite file: what is due goes (rows, audit, drafts, outbox), the rest
stays byte for byte, no trace of a deleted person is left in the database, -wal or -shm file,
the lock on closed cases still holds for everything else, and a failed run changes nothing."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from codicefiscale import codicefiscale as cf_lib

from domain.contacts import ContactData
from domain.retention import cutoff
from storage import db as db_module
from storage.cases import CasesRepository
from storage.closing import ClosingRepository
from storage.contacts import ContactsRepository
from storage.db import Database, DatabaseUnavailable, utc_now_text
from storage.registry import PlessiRepository
from storage.retention import HANDLED_REFERENCES, RetentionRepository
from tests.unit.test_cases_storage import case_data
from tests.unit.test_contacts_rules import contact_draft
from tests.unit.test_storage import plesso

NOW = datetime(2026, 11, 17, 2, 30, tzinfo=UTC)  # 03:30 in Rome
DAYS = 90
ROME = ZoneInfo("Europe/Rome")
LIMIT = cutoff(NOW, DAYS, ROME)  # 19/08/2026 03:30 in Rome: closed then, due now
REFERENT = 200
ADMIN = 100
PLESSO_A = "MIEE00001A"  # ATS-MILANO
PLESSO_B = "CREE00003C"  # ATS-VALPADANA


def cf(first_fifteen: str) -> str:
    """A valid codice fiscale: the 15 characters and their check character."""
    return first_fifteen + str(cf_lib.encode_cin(first_fifteen))


# The person of the old case, her referent and her contacts: long, unusual strings that
# cannot turn up in the file by chance, so finding one means it was not deleted.
OLD_SURNAME = "ZAFFERANOQUAGLIOTTI"
OLD_NAME = "EUFROSINADORALICE"
OLD_CF = cf("ZFFFRS15C42F205")  # born 02/03/2015 (female)
OLD_PHONE = "+393479182736"
OLD_REFERENT = "ERMENEGILDA PORCOSPINO VELLUTATO"
OLD_REFERENT_EMAIL = "ermenegilda.porcospino@scuola-remota.example.it"
OLD_REFERENT_PHONE = "+393401928374"
CONTACT_SURNAME = "BARBAGIANNIPERPETUO"
CONTACT_CF = cf("BRBTDL15A41F205")
CONTACT_PHONE = "+393498765013"
CONTACT_ADDRESS = "Vicolo dei Glicini Sospesi 77"
GONE_SURNAME = "ORNITORINCOVAGABONDO"  # a contact deleted while the case was open
GONE_CF = cf("RNTVGB15A01F205")
DRAFT_SURNAME = "CALLIOPEZIBALDONEFIERO"  # typed into an unfinished contact form
VALPADANA_SURNAME = "PIPISTRELLOMANTOVANI"
VALPADANA_CF = cf("PPSMNT15C02F205")

SECRETS = (
    OLD_SURNAME,
    OLD_NAME,
    OLD_CF,
    OLD_PHONE,
    OLD_REFERENT,
    OLD_REFERENT_EMAIL,
    OLD_REFERENT_PHONE,
    CONTACT_SURNAME,
    CONTACT_CF,
    CONTACT_PHONE,
    CONTACT_ADDRESS,
    GONE_SURNAME,
    GONE_CF,
    DRAFT_SURNAME,
    VALPADANA_SURNAME,
    VALPADANA_CF,
)


@dataclass
class World:
    db: Database
    path: Path
    old: int  # closed 91 days ago, ATS-MILANO
    boundary: int  # closed exactly 90 days ago (calendar days in Rome)
    valpadana: int  # closed 200 days ago, ATS-VALPADANA
    young: int  # closed 10 days ago
    open_case: int


def contact(surname: str, code: str, **changes: object) -> ContactData:
    values = {"surname": surname, "name": "TEODOLINDA", "codice_fiscale": code, **changes}
    return ContactData.model_validate(contact_draft(**values).model_dump())


async def build(db: Database, path: Path) -> World:
    await PlessiRepository(db).upsert_many(
        [plesso(PLESSO_A), plesso(PLESSO_B, ats="ATS-VALPADANA")], actor=1, now=NOW
    )
    cases, contacts = CasesRepository(db), ContactsRepository(db)
    closing = ClosingRepository(db)
    opened = NOW - timedelta(days=200)

    old = (
        await cases.create(
            case_data(
                surname=OLD_SURNAME,
                name=OLD_NAME,
                codice_fiscale=OLD_CF,
                phone1=OLD_PHONE,
                referent_name=OLD_REFERENT,
                referent_email=OLD_REFERENT_EMAIL,
                referent_phone=OLD_REFERENT_PHONE,
            ),
            actor=REFERENT,
            now=opened,
        )
    ).id
    await contacts.add(
        old,
        contact(CONTACT_SURNAME, CONTACT_CF, phone=CONTACT_PHONE, address=CONTACT_ADDRESS),
        actor=REFERENT,
        now=opened,
    )
    await contacts.add(old, contact("ROSSI", cf("RSSMRA15A01F205")), actor=REFERENT, now=opened)
    gone = await contacts.add(old, contact(GONE_SURNAME, GONE_CF), actor=REFERENT, now=opened)
    assert gone.contact is not None
    await contacts.delete(gone.contact.id, actor=REFERENT, now=opened)
    await closing.close(old, actor=REFERENT, now=NOW - timedelta(days=91), recipients=[ADMIN])

    boundary = (await cases.create(case_data(), actor=REFERENT, now=opened)).id
    await closing.close(boundary, actor=REFERENT, now=LIMIT, recipients=[])

    valpadana = (
        await cases.create(
            case_data(plesso_code=PLESSO_B, surname=VALPADANA_SURNAME, codice_fiscale=VALPADANA_CF),
            actor=REFERENT,
            now=opened,
        )
    ).id
    await closing.close(
        valpadana, actor=REFERENT, now=NOW - timedelta(days=200), recipients=[ADMIN]
    )

    young = (await cases.create(case_data(), actor=REFERENT, now=NOW - timedelta(days=12))).id
    await contacts.add(
        young, contact("VERDI", cf("VRDNNA15E52E648")), actor=REFERENT, now=NOW - timedelta(days=11)
    )
    await closing.close(young, actor=REFERENT, now=NOW - timedelta(days=10), recipients=[ADMIN])
    open_case = (await cases.create(case_data(), actor=REFERENT, now=opened)).id
    await contacts.add(
        open_case, contact("NERI", cf("NRELCU15A01F205")), actor=REFERENT, now=opened
    )

    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO referents (id, telegram_user_id, full_name, phone, email, created_at,"
            " updated_at) VALUES (1, ?, 'MARIA ROSSI', '+393331234567', 'm@r.it', ?, ?)",
            (REFERENT, utc_now_text(opened), utc_now_text(opened)),
        )
        for case_id in (old, young):
            await conn.execute(
                "INSERT INTO reminder_log (referent_id, plesso_code, kind, day, ref, claimed_at)"
                " VALUES (1, ?, 'case_24h', '2026-08-01', ?, ?)",
                (PLESSO_A, str(case_id), utc_now_text(opened)),
            )
        await conn.execute(
            "INSERT INTO enrolments (plesso_code, pupils, classes, valid_from, school_year,"
            " recorded_by, recorded_at) VALUES (?, 200, 10, '2026-09-01', 2026, ?, ?)",
            (PLESSO_A, REFERENT, utc_now_text(opened)),
        )
        await conn.execute(
            "INSERT INTO absences (plesso_code, day, weekday, absent, ill, recorded_by,"
            " recorded_at, updated_at) VALUES (?, '2026-08-04', 1, 12, 3, ?, ?, ?)",
            (PLESSO_A, REFERENT, utc_now_text(opened), utc_now_text(opened)),
        )
        drafts = [
            (
                "contact",
                300,
                {
                    "mode": "new",
                    "case": {"case_id": old, "codice_fiscale": OLD_CF},
                    "draft": {"surname": DRAFT_SURNAME},
                },
            ),
            ("case", 301, {"mode": "edit", "case_id": old, "draft": {"surname": OLD_SURNAME}}),
            ("contact", 302, {"mode": "new", "case": {"case_id": young}, "draft": {}}),
            ("absences", 303, {"plesso": PLESSO_A, "absent": old}),  # a number, not a case
        ]
        for flow, user, data in drafts:
            await conn.execute(
                "INSERT INTO conversations (flow, chat_id, user_id, state, data, updated_at)"
                " VALUES (?, ?, ?, 3, ?, ?)",
                (flow, user, user, json.dumps(data), utc_now_text(NOW)),
            )
    return World(db, path, old, boundary, valpadana, young, open_case)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    path = tmp_path / "retention.sqlite3"
    db = Database(path)
    await db.connect()
    try:
        yield await build(db, path)
    finally:
        await db.close()


def rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql, params).fetchall()


def raw_bytes(path: Path) -> bytes:
    """The database file and SQLite's side files, as they are on disk."""
    found = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            found += side.read_bytes()
    return found


def traces(path: Path) -> list[str]:
    data = raw_bytes(path)
    return [secret for secret in SECRETS if secret.encode() in data]


def kept(w: World) -> dict[str, list[tuple[object, ...]]]:
    """Every row that must survive, as stored."""
    keep = (w.young, w.open_case)
    marks = ",".join("?" * len(keep))
    return {
        "cases": rows(w.path, f"SELECT * FROM cases WHERE id IN ({marks}) ORDER BY id", keep),
        "contacts": rows(
            w.path, f"SELECT * FROM contacts WHERE case_id IN ({marks}) ORDER BY id", keep
        ),
        "outbox": rows(w.path, "SELECT * FROM ats_outbox WHERE case_id = ?", (w.young,)),
        "audit": rows(
            w.path,
            "SELECT * FROM audit_log WHERE action != 'retention.run' AND NOT ("
            " (entity = 'case' AND entity_id IN (?, ?, ?))"
            " OR (entity = 'contact' AND json_extract(details, '$.case') IN (?, ?, ?)))"
            " ORDER BY id",
            (str(w.old), str(w.boundary), str(w.valpadana), w.old, w.boundary, w.valpadana),
        ),
        "enrolments": rows(w.path, "SELECT * FROM enrolments"),
        "absences": rows(w.path, "SELECT * FROM absences"),
        "plessi": rows(w.path, "SELECT * FROM plessi ORDER BY code"),
        "referents": rows(w.path, "SELECT * FROM referents"),
        "reminders": rows(w.path, "SELECT * FROM reminder_log WHERE ref = ?", (str(w.young),)),
        "drafts": rows(
            w.path, "SELECT * FROM conversations WHERE user_id IN (302, 303) ORDER BY user_id"
        ),
    }


# --- what goes and what stays ---------------------------------------------------------------


async def test_due_cases_go_with_everything_about_them_the_rest_stays_as_it_was(
    world: World,
) -> None:
    w = world
    assert traces(w.path) == list(SECRETS)  # the check can see them while they are there
    before = kept(w)
    assert all(before.values())

    purge = await RetentionRepository(w.db).run(NOW, DAYS, ROME)

    assert purge.case_ids == tuple(sorted((w.old, w.boundary, w.valpadana)))
    assert {ats: (c.cases, c.contacts) for ats, c in purge.by_ats.items()} == {
        "ATS-MILANO": (2, 2),
        "ATS-VALPADANA": (1, 0),
    }
    assert (purge.cases, purge.contacts, purge.vacuumed) == (3, 2, True)
    assert sorted((d.flow, d.user_id) for d in purge.drafts) == [("case", 301), ("contact", 300)]
    deleted = (w.old, w.boundary, w.valpadana)
    assert rows(w.path, "SELECT id FROM cases ORDER BY id") == [(w.young,), (w.open_case,)]
    assert rows(w.path, "SELECT COUNT(*) FROM contacts WHERE case_id IN (?, ?, ?)", deleted) == [
        (0,)
    ]
    assert rows(w.path, "SELECT case_id FROM ats_outbox") == [(w.young,)]
    assert rows(w.path, "SELECT ref FROM reminder_log") == [(str(w.young),)]
    assert rows(w.path, "SELECT user_id FROM conversations ORDER BY user_id") == [(302,), (303,)]
    assert rows(w.path, "SELECT COUNT(*) FROM retention_guard") == [(0,)]
    assert kept(w) == before  # byte for byte

    # The audit keeps that retention ran, with counts and ids, per ATS; nothing of the cases.
    audit = rows(
        w.path,
        "SELECT actor, entity, entity_id, details FROM audit_log"
        " WHERE action = 'retention.run' ORDER BY entity_id",
    )
    assert [(a, e, i) for a, e, i, _ in audit] == [
        ("system", "ats", "ATS-MILANO"),
        ("system", "ats", "ATS-VALPADANA"),
    ]
    milano = json.loads(str(audit[0][3]))
    assert milano == {
        "days": DAYS,
        "cutoff": utc_now_text(LIMIT),
        "cases": 2,
        "contacts": 2,
        "case_ids": sorted((w.old, w.boundary)),
    }
    leftovers = rows(
        w.path,
        "SELECT id FROM audit_log WHERE (entity = 'case' AND entity_id IN (?, ?, ?))"
        " OR (entity = 'contact' AND json_extract(details, '$.case') IN (?, ?, ?))",
        (*(str(i) for i in deleted), *deleted),
    )
    assert leftovers == []

    # And the file holds no trace of them: not in the database, not in the -wal or -shm.
    assert traces(w.path) == []
    assert w.path.with_name(w.path.name + "-wal").stat().st_size == 0
    with contextlib.closing(sqlite3.connect(w.path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)


async def test_without_the_vacuum_the_deleted_people_would_still_be_in_the_file(
    world: World,
) -> None:
    """The proof that the check above can fail: the rows are gone, their bytes are not."""
    purge = await RetentionRepository(world.db).delete_due(NOW, DAYS, ROME)
    assert purge.cases == 3
    assert rows(world.path, "SELECT COUNT(*) FROM cases WHERE surname = ?", (OLD_SURNAME,)) == [
        (0,)
    ]
    left = traces(world.path)
    assert OLD_CF in left and CONTACT_PHONE in left and OLD_REFERENT_EMAIL in left
    assert await world.db.vacuum()
    assert traces(world.path) == []


async def test_a_second_run_deletes_nothing_more(world: World) -> None:
    repository = RetentionRepository(world.db)
    await repository.run(NOW, DAYS, ROME)
    before = kept(world)
    audit_rows = rows(world.path, "SELECT COUNT(*) FROM audit_log")
    again = await repository.run(NOW + timedelta(hours=1), DAYS, ROME)
    assert (again.cases, again.contacts, again.case_ids, again.drafts) == (0, 0, (), ())
    assert kept(world) == before
    assert rows(world.path, "SELECT COUNT(*) FROM audit_log") == audit_rows  # no empty rows


async def test_one_second_before_its_ninetieth_day_a_case_stays(world: World) -> None:
    purge = await RetentionRepository(world.db).delete_due(NOW - timedelta(seconds=1), DAYS, ROME)
    assert world.boundary not in purge.case_ids
    assert world.old in purge.case_ids


async def test_a_longer_retention_keeps_them(world: World) -> None:
    purge = await RetentionRepository(world.db).delete_due(NOW, 365, ROME)
    assert purge.cases == 0
    assert rows(world.path, "SELECT COUNT(*) FROM cases") == [(5,)]


# --- the lock holds for every other path ----------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM cases WHERE id = :case",
        "UPDATE cases SET surname = 'ALTRO' WHERE id = :case",
        "UPDATE cases SET status = 'open' WHERE id = :case",
        "DELETE FROM contacts WHERE case_id = :case",
        "UPDATE contacts SET phone = '+390000000000' WHERE case_id = :case",
    ],
)
async def test_after_a_run_a_closed_case_is_still_locked(world: World, statement: str) -> None:
    await RetentionRepository(world.db).run(NOW, DAYS, ROME)
    assert rows(world.path, "SELECT COUNT(*) FROM retention_guard") == [(0,)]
    before = kept(world)
    with pytest.raises(sqlite3.IntegrityError, match="case closed"):
        async with world.db.transaction() as conn:
            await conn.execute(statement, {"case": world.young})
    # Another process (a sqlite3 shell, say) is refused the same way.
    with (
        contextlib.closing(sqlite3.connect(world.path)) as conn,
        pytest.raises(sqlite3.IntegrityError, match="case closed"),
    ):
        conn.execute(statement, {"case": world.young})
    assert kept(world) == before


# --- a failed run changes nothing -----------------------------------------------------------


async def test_a_crash_inside_the_run_leaves_everything_and_the_lock_closed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = {
        table: rows(world.path, f"SELECT * FROM {table}")
        for (table,) in rows(world.path, "SELECT name FROM sqlite_master WHERE type = 'table'")
    }

    async def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the power went out")

    # The audit row is written after every DELETE: all of them have run when it fails.
    monkeypatch.setattr("storage.retention.audit.record", crash)
    await world.db.writer.execute("PRAGMA secure_delete = OFF")  # whatever the build's default
    with pytest.raises(RuntimeError):
        await RetentionRepository(world.db).run(NOW, DAYS, ROME)

    for table, before in everything.items():
        assert rows(world.path, f"SELECT * FROM {table}") == before, table
    with pytest.raises(sqlite3.IntegrityError, match="case closed"):
        async with world.db.transaction() as conn:
            await conn.execute("DELETE FROM cases WHERE id = ?", (world.old,))
    # secure_delete is back as it was, for the bot's ordinary writes.
    secure = await world.db.writer.execute("PRAGMA secure_delete")
    assert tuple(await secure.fetchone() or ()) == (0,)
    monkeypatch.undo()
    assert (await RetentionRepository(world.db).run(NOW, DAYS, ROME)).cases == 3


async def test_a_vacuum_that_fails_keeps_the_deletion_and_says_so(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def full_disk() -> bool:
        raise DatabaseUnavailable("database or disk is full")

    monkeypatch.setattr(world.db, "vacuum", full_disk)
    purge = await RetentionRepository(world.db).run(NOW, DAYS, ROME)
    assert (purge.cases, purge.vacuumed) == (3, False)
    assert rows(world.path, "SELECT COUNT(*) FROM cases") == [(2,)]


# --- the schema -----------------------------------------------------------------------------


def test_every_table_that_points_at_a_case_or_a_contact_is_handled() -> None:
    """A new table referencing cases or contacts would make the DELETE of a due case fail:
    retention must learn about it (and about the personal data it may hold)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        for migration in sorted(Path(db_module.__file__).with_name("migrations").glob("*.sql")):
            conn.executescript(migration.read_text(encoding="utf-8"))
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        pointing = {
            table
            for table in tables
            for reference in conn.execute(f"PRAGMA foreign_key_list({table})")
            if reference[2] in ("cases", "contacts")
        }
    assert pointing == HANDLED_REFERENCES


# --- what is coming -------------------------------------------------------------------------


async def test_closed_before_is_scoped_to_the_ats_and_says_numbers_only(world: World) -> None:
    repository = RetentionRepository(world.db)
    milano = await repository.closed_before("ATS-MILANO", LIMIT)
    assert [(c.closed_at, c.contacts) for c in milano] == [
        (NOW - timedelta(days=91), 2),
        (LIMIT, 0),
    ]
    valpadana = await repository.closed_before("ATS-VALPADANA", LIMIT)
    assert [c.contacts for c in valpadana] == [0]
    everyone = await repository.closed_before(None, NOW)
    assert len(everyone) == 4  # the open case is not there
    assert await repository.closed_before("ATS-BERGAMO", NOW) == []


async def test_the_last_run_is_remembered_per_ats(world: World) -> None:
    repository = RetentionRepository(world.db)
    assert await repository.last_run("ATS-MILANO") is None
    await repository.run(NOW, DAYS, ROME)
    await repository.run(NOW + timedelta(days=1), DAYS, ROME)  # nothing: no row, the last one stays
    milano = await repository.last_run("ATS-MILANO")
    assert milano is not None and (milano.at, milano.cases, milano.contacts) == (NOW, 2, 2)
    everyone = await repository.last_run(None)
    assert everyone is not None and (everyone.cases, everyone.contacts) == (3, 2)
    assert await repository.last_run("ATS-BERGAMO") is None


async def test_a_day_of_ordinary_deletions_is_purged_by_the_nightly_vacuum(
    world: World,
) -> None:
    """Drafts of finished flows and contacts deleted by a referent leave bytes behind too;
    the nightly run VACUUMs even when no case is due."""
    gone = "FRINGUELLOSMEMORATO"
    contacts = ContactsRepository(world.db)
    added = await contacts.add(
        world.open_case, contact(gone, cf("FRNSMM15A01F205")), actor=REFERENT, now=NOW
    )
    assert added.contact is not None
    await contacts.delete(added.contact.id, actor=REFERENT, now=NOW)
    assert gone.encode() in raw_bytes(world.path)
    purge = await RetentionRepository(world.db).run(NOW, 365, ROME)
    assert purge.cases == 0 and purge.vacuumed
    assert gone.encode() not in raw_bytes(world.path)


# --- drafts left half-way (issue 15) -------------------------------------------------------------

ABANDONED_CF = cf("GRLPLN15C42F205")  # typed into a case form left half-way
ABANDONED_SURNAME = "GIRASOLEPALINDROMO"
SIGNUP_PHONE = "+393471122334"  # a registration left half-way
SIGNUP_EMAIL = "teodolinda.scoiattolo@scuola-abbandonata.example.it"
FRESH_SURNAME = "PETTIROSSOOPEROSO"  # a form touched 13 days ago: it stays
DRAFT_DAYS = 14


async def _draft(
    db: Database, flow: str, user: int, data: dict[str, object], age: timedelta
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO conversations (flow, chat_id, user_id, state, data, updated_at)"
            " VALUES (?, ?, ?, 2, ?, ?)",
            (flow, user, user, json.dumps(data), utc_now_text(NOW - age)),
        )


async def test_drafts_idle_for_more_than_the_setting_leave_no_trace(world: World) -> None:
    await _draft(
        world.db,
        "case",
        400,
        {"draft": {"surname": ABANDONED_SURNAME, "codice_fiscale": ABANDONED_CF}},
        timedelta(days=DRAFT_DAYS, seconds=1),
    )
    await _draft(
        world.db,
        "onboarding",
        401,
        {"name": "TEODOLINDA", "phone": SIGNUP_PHONE, "email": SIGNUP_EMAIL},
        timedelta(days=91),
    )
    await _draft(world.db, "case", 402, {"draft": {"surname": FRESH_SURNAME}}, timedelta(days=13))
    abandoned = (ABANDONED_CF, ABANDONED_SURNAME, SIGNUP_PHONE, SIGNUP_EMAIL)
    assert all(secret.encode() in raw_bytes(world.path) for secret in abandoned)

    # No case is due (a retention of ten years): the idle drafts go all the same.
    purge = await RetentionRepository(world.db).run(NOW, 3650, ROME, DRAFT_DAYS)

    assert purge.cases == 0 and purge.vacuumed
    assert {(d.flow, d.user_id) for d in purge.drafts} == {("case", 400), ("onboarding", 401)}
    left = rows(world.path, "SELECT user_id FROM conversations WHERE user_id >= 400")
    assert left == [(402,)]
    data = raw_bytes(world.path)
    assert [secret for secret in abandoned if secret.encode() in data] == []
    assert FRESH_SURNAME.encode() in data


async def test_without_the_setting_idle_drafts_stay(world: World) -> None:
    """The proof the check above can fail: the same run without DRAFT_RETENTION_DAYS."""
    await _draft(
        world.db, "case", 400, {"draft": {"codice_fiscale": ABANDONED_CF}}, timedelta(days=91)
    )
    purge = await RetentionRepository(world.db).run(NOW, 3650, ROME)
    assert purge.drafts == ()
    assert ABANDONED_CF.encode() in raw_bytes(world.path)
