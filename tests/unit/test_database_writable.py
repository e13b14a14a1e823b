"""Start-up refuses a database SQLite could only open read-only (storage/db.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.db import Database, DatabaseUnavailable, not_writable


class ReadOnlyOpened(Database):
    """What SQLite does, silently, with a file it cannot open for writing."""

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            f"{self.path.resolve().as_uri()}?mode=ro",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        return conn


async def test_the_write_probe_fails_on_a_file_opened_read_only(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = Database(path)
    await db.connect()
    await db.check_writable()  # writable: passes, and leaves nothing behind
    assert await db.fetchall("SELECT * FROM schema_migrations WHERE version = -1") == []
    await db.close()
    read_only = ReadOnlyOpened(path)
    with pytest.raises(DatabaseUnavailable, match="readonly"):
        await read_only.connect()  # migrated already: connecting alone writes nothing
        await read_only.check_writable()
    await read_only.close()


def test_a_missing_folder_is_writable_when_its_parent_is(tmp_path: Path) -> None:
    assert not_writable(tmp_path / "a" / "b" / "db.sqlite3") is None
