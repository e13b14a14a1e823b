"""storage.db runs short statements on the event loop and long work on a thread: what that
must not change (a foreign lock never freezes the loop, transactions stay re-entrant and
all-or-nothing) and what it promises (short transactions never give the loop away)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database, DatabaseUnavailable


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "loop.sqlite3")
    await database.connect()
    yield database
    await database.close()


def _audit(n: int) -> tuple[str, ...]:
    return ("t", "system", f"x{n}", "y", "z")


INSERT = "INSERT INTO audit_log (at, actor, action, entity, entity_id) VALUES (?, ?, ?, ?, ?)"


async def _count(db: Database) -> int:
    row = await db.fetchone("SELECT COUNT(*) FROM audit_log")
    assert row is not None
    return int(row[0])


async def test_a_foreign_lock_is_waited_for_off_the_loop(db: Database) -> None:
    other = sqlite3.connect(db.path, timeout=0, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(ticking())
    threading.Timer(0.5, lambda: other.execute("ROLLBACK")).start()
    try:
        async with db.transaction() as conn:  # waits for the other process's lock...
            await conn.execute(INSERT, _audit(1))
    finally:
        ticker.cancel()
        other.close()
    assert await _count(db) == 1
    assert ticks >= 10  # ...while the loop went on serving (it would be 1 if it froze)


async def test_a_foreign_lock_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    db = Database(tmp_path / "busy.sqlite3", busy_timeout_ms=100)
    await db.connect()
    other = sqlite3.connect(db.path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseUnavailable, match="locked"):
            async with db.transaction():
                pass
        other.execute("ROLLBACK")
        async with db.transaction() as conn:  # the loop's writer still fails fast, and works
            await conn.execute(INSERT, _audit(1))
        assert await _count(db) == 1
    finally:
        other.close()
        await db.close()


async def test_short_transactions_never_interleave_nor_yield(db: Database) -> None:
    """Each transaction below is over before any other task runs: the lock is never
    waited for, and every write is committed when its task gives the loop away."""
    switches = 0

    async def writer(n: int) -> None:
        nonlocal switches
        async with db.transaction() as conn:
            await conn.execute(INSERT, _audit(n))
            async with conn.execute("SELECT COUNT(*) FROM audit_log") as cursor:
                row = await cursor.fetchone()
            assert row is not None
        switches += 1
        await asyncio.sleep(0)

    await asyncio.gather(*(writer(n) for n in range(50)))
    assert switches == 50 and await _count(db) == 50
    assert db.commits == 50


async def test_nested_transactions_join_and_roll_back_together(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as outer:
            await outer.execute(INSERT, _audit(1))
            async with db.transaction() as inner:  # joins: the same connection
                assert inner is outer
                await inner.execute(INSERT, _audit(2))
            raise RuntimeError("the use case failed after both writes")
    assert await _count(db) == 0
    assert not db.writer.in_transaction


async def test_the_reader_sees_committed_writes_only(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(INSERT, _audit(1))
        assert await _count(db) == 0  # the reader does not see the open transaction
    assert await _count(db) == 1


async def test_long_work_runs_on_a_thread(db: Database) -> None:
    loop_thread = threading.get_ident()
    seen: set[int] = set()

    def whose() -> int:
        seen.add(threading.get_ident())
        return 1

    db.writer.raw.create_function("whose", 0, whose)
    async with db.transaction(offload=True) as conn:
        await conn.execute(INSERT, _audit(1))
        async with conn.execute("SELECT whose()") as cursor:
            row = await cursor.fetchone()
            assert row is not None and row[0] == 1
    assert seen and loop_thread not in seen
    assert await _count(db) == 1
    rows = await db.fetchall("SELECT action FROM audit_log", offload=True)
    assert [r[0] for r in rows] == ["x1"]
    seen.clear()
    async with db.transaction() as conn:  # and the ordinary ones on the loop's thread
        await conn.execute("SELECT whose()")
    assert seen == {loop_thread}
