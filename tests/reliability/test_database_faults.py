"""The database is locked by another process beyond the busy timeout, or the disk is full:
the user reads "not saved, try again", the step and the answers stay as they were, nothing is
half-written, the bot goes on; once the database is back the same answer goes through."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import common
from conversations.cases.steps import Step
from storage.db import Database, DatabaseUnavailable
from tests.reliability.figures import FIGURES
from tests.reliability.steps import case_to_review, case_until_surname, count, stored_step
from tests.reliability.world import REFERENT_A, ErrorLog, World

BUSY_TIMEOUT_MS = 200


@contextlib.contextmanager
def locked(database: Path) -> Iterator[None]:
    """Another process holds the write lock (as a backup tool or a careless sqlite3 shell)."""
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@pytest.fixture
async def short_busy_timeout(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The bot's connections reopened with a busy timeout of 200 ms (5 s in production)."""
    monkeypatch.setattr("storage.db.BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)
    await world.harness.restart_bot()
    return world


def _cases(database: Path) -> tuple[int, int]:
    return (
        count(database, "SELECT COUNT(*) FROM cases"),
        count(database, "SELECT COUNT(*) FROM audit_log WHERE entity = 'case'"),
    )


async def test_a_locked_database_keeps_the_step_and_the_same_answer_goes_through_later(
    short_busy_timeout: World, errors: ErrorLog
) -> None:
    database = short_busy_timeout.database
    referent = short_busy_timeout.chat()
    await case_until_surname(referent)
    before = stored_step(database, REFERENT_A)
    assert before[0] == Step.SURNAME
    with locked(database):
        await referent.send("Rossi")
        await referent.expect(common.DATABASE_BUSY, timeout=10)
        await referent.expect("Cognome del caso")  # the same question, asked again
        assert stored_step(database, REFERENT_A) == before
    FIGURES.faults += 1
    await referent.send("Rossi")
    await referent.expect("Nome del caso")
    assert stored_step(database, REFERENT_A)[1]["draft"]["surname"] == "ROSSI"
    assert errors.unhandled == []
    FIGURES.records += 2


async def test_saving_into_a_locked_database_writes_nothing_and_can_be_repeated(
    short_busy_timeout: World, errors: ErrorLog
) -> None:
    database = short_busy_timeout.database
    referent = short_busy_timeout.chat()
    await case_to_review(referent, "Rossi")
    cases_before = _cases(database)
    with locked(database):
        await referent.tap("Salva")
        await referent.expect(common.DATABASE_BUSY, timeout=10)
        await referent.expect("controlla i dati")  # the review again, with its buttons
    assert _cases(database) == cases_before
    assert stored_step(database, REFERENT_A)[0] == Step.REVIEW
    FIGURES.faults += 1
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    assert _cases(database) == (cases_before[0] + 1, cases_before[1] + 1)
    assert errors.unhandled == []
    FIGURES.records += 4


async def test_a_full_disk_while_saving_leaves_no_partial_record(
    world: World, errors: ErrorLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, database = world.harness, world.database
    referent = world.chat()
    await case_to_review(referent, "Rossi")
    cases_before = _cases(database)
    assert harness.db is not None
    writer = harness.db.writer
    execute = writer.execute

    def full_disk(sql: str, parameters: Any = None) -> Any:
        if sql.startswith("INSERT INTO audit_log"):  # the case row is already in
            raise sqlite3.OperationalError("database or disk is full")
        return execute(sql, parameters)

    monkeypatch.setattr(writer, "execute", full_disk)
    await referent.tap("Salva")
    await referent.expect(common.DATABASE_BUSY, timeout=10)
    await referent.expect("controlla i dati")
    assert _cases(database) == cases_before  # the case row went with the transaction
    FIGURES.faults += 1
    monkeypatch.setattr(writer, "execute", execute)  # space freed
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    assert _cases(database) == (cases_before[0] + 1, cases_before[1] + 1)
    await referent.send("/aiuto")
    await referent.expect("Comandi per i referenti")
    assert errors.unhandled == []
    FIGURES.records += 4


async def test_a_really_full_database_file_is_unavailable_and_rolled_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "full.sqlite3")
    await db.connect()
    try:
        row = await db.fetchone("PRAGMA page_count")
        assert row is not None
        await db.writer.execute(f"PRAGMA max_page_count = {int(row[0]) + 1}")
        with pytest.raises(DatabaseUnavailable, match="full"):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO audit_log (at, actor, action, entity, entity_id)"
                    " VALUES ('t', 'system', 'x', 'y', 'z')"
                )
                await conn.execute(
                    "INSERT INTO conversations (flow, chat_id, user_id, data, updated_at)"
                    " VALUES ('f', 1, 1, ?, 't')",
                    ("x" * 200_000,),
                )
        assert not db.writer.in_transaction
        row = await db.fetchone("SELECT COUNT(*) FROM audit_log")
        assert row is not None and row[0] == 0
        FIGURES.faults += 1
    finally:
        await db.close()


async def test_a_lock_held_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    db = Database(tmp_path / "locked.sqlite3", busy_timeout_ms=50)
    await db.connect()
    try:
        with locked(db.path), pytest.raises(DatabaseUnavailable, match="locked"):
            async with db.transaction():
                pass
        async with db.transaction() as conn:  # and usable again afterwards
            await conn.execute("DELETE FROM conversations")
        FIGURES.faults += 1
    finally:
        await db.close()


def test_only_the_not_now_errors_mean_unavailable() -> None:
    from storage.db import unavailable

    assert unavailable(sqlite3.OperationalError("database is locked")) is not None
    assert unavailable(sqlite3.OperationalError("database or disk is full")) is not None
    assert unavailable(sqlite3.OperationalError("no such table: casi")) is None
    assert unavailable(sqlite3.IntegrityError("UNIQUE constraint failed")) is None
