"""The clean-stop marker (storage/clean_stop.py) on a real SQLite file: it counts only for the
file as the last owner closed it, and once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from storage import clean_stop
from storage.db import Database


async def _closed_database(path: Path) -> None:
    db = Database(path)
    await db.connect()
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        await conn.execute("INSERT INTO notes (body) VALUES ('x')")
    await db.close()


async def test_a_clean_close_counts_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _closed_database(path)
    assert not path.with_name("db.sqlite3-wal").exists()  # SQLite folded the WAL in
    assert clean_stop.record(path)
    assert clean_stop.marker_path_of(path).exists()
    assert clean_stop.consume(path)
    # Consumed at the start: a crash of that run leaves no marker for the next one.
    assert not clean_stop.marker_path_of(path).exists()
    assert not clean_stop.consume(path)


async def test_no_marker_no_clean_stop(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _closed_database(path)
    assert not clean_stop.consume(path)


async def test_a_write_after_the_stop_voids_the_marker(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _closed_database(path)
    clean_stop.record(path)
    db = Database(path)  # another opener that does not know the marker (a script)
    await db.connect()
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO notes (body) VALUES ('y')")
    await db.close()
    assert not clean_stop.consume(path)


async def test_a_file_copied_over_voids_the_marker(tmp_path: Path) -> None:
    path, other = tmp_path / "db.sqlite3", tmp_path / "other.sqlite3"
    await _closed_database(path)
    await _closed_database(other)
    clean_stop.record(path)
    shutil.copyfile(other, path)  # a restore: same size, same inode
    assert not clean_stop.consume(path)


async def test_times_set_back_do_not_fool_it(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _closed_database(path)
    clean_stop.record(path)
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))  # same size, same inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back...
    assert not clean_stop.consume(path)  # ...but not the change time


async def test_a_wal_with_content_is_no_clean_stop(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _closed_database(path)
    clean_stop.record(path)
    path.with_name("db.sqlite3-wal").write_bytes(b"\0" * 32)  # frames SQLite would replay
    assert not clean_stop.consume(path)
    assert not clean_stop.record(path)  # nor is one written for it
    assert not clean_stop.marker_path_of(path).exists()


async def test_a_garbled_marker_is_none(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _closed_database(path)
    clean_stop.marker_path_of(path).write_text('{"size": 1', encoding="ascii")
    assert not clean_stop.consume(path)
    assert not clean_stop.marker_path_of(path).exists()
    clean_stop.marker_path_of(path).write_bytes(b"\xff\xfe")
    assert not clean_stop.consume(path)
    assert not clean_stop.marker_path_of(path).exists()
