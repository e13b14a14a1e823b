"""Start-up checks the database; `python -m bot backup PATH` copies it while the bot runs,
and the README's restore (stop, copy over, drop -wal/-shm, start) brings that copy back."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.runner import StartupError, open_database
from bot.settings import Settings
from storage import audit
from storage.db import Database
from tests.harness import TOKEN
from tests.reliability.figures import FIGURES
from tests.reliability.steps import count
from tests.reliability.world import REFERENT_A, World


async def with_audit_rows(path: Path) -> None:
    """A database with enough rows for its indexes to span pages of their own."""
    db = Database(path)
    await db.connect()
    async with db.transaction() as conn:
        for n in range(200):
            await audit.record(
                conn, now=datetime.now(UTC), actor=1, action="x", entity="case", entity_id=str(n)
            )
    await db.close()


async def _damaged(path: Path) -> None:
    """A database whose index pages were overwritten (a failing disk, a bad copy)."""
    await with_audit_rows(path)
    _overwrite_index(path, "audit_by_entity")


def _overwrite_index(path: Path, index: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,))
        page = root.fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    start = (page - 1) * size
    data[start + 100 : start + size] = b"\xff" * (size - 100)
    path.write_bytes(bytes(data))


async def test_start_up_refuses_a_damaged_database(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite3"
    await _damaged(path)
    settings = Settings(telegram_bot_token=TOKEN, database_path=path)
    with pytest.raises(StartupError, match="failed its integrity check"):
        await open_database(settings)
    FIGURES.faults += 1


async def test_a_backup_taken_while_running_restores_as_the_readme_says(world: World) -> None:
    harness = world.harness
    database = harness.settings.database_path
    backup = database.parent / "backups" / "copy.sqlite3"
    referent = harness.user(REFERENT_A, "Orsola")
    await referent.send(f"/caso {world.case_a}")
    await referent.expect("ZANZOTTO")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(backup),
        "--database",
        str(database),
        stdout=asyncio.subprocess.DEVNULL,
    )
    assert await process.wait() == 0
    cases_in_backup = count(backup, "SELECT COUNT(*) FROM cases")
    # Life goes on after the backup...
    await harness.svc.closures.remove(world.closure_a, actor=100, now=harness.svc.now())
    # ...then the disk dies: restore as the README says.
    await harness.stop_bot()
    for side in (
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        side.unlink(missing_ok=True)
    shutil.copyfile(backup, database)
    await harness.start_bot()
    await referent.send(f"/caso {world.case_a}")
    await referent.expect("ZANZOTTO")
    assert count(database, "SELECT COUNT(*) FROM cases") == cases_in_backup
    assert count(database, "SELECT COUNT(*) FROM closures WHERE deleted_at IS NULL") == 1
    FIGURES.records += 2
