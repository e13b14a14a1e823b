from __future__ import annotations

import asyncio
import sqlite3
import stat
import sys
from datetime import UTC, datetime

from bot.__main__ import main
from storage.db import Database
from storage.registry import InvitationsRepository


async def test_backup_while_open_is_consistent_and_private(tmp_path) -> None:
    source = tmp_path / "live.sqlite3"
    db = Database(source)
    await db.connect()
    await db.fetchone("SELECT 1")
    now = datetime(2026, 11, 17, tzinfo=UTC)
    await InvitationsRepository(db).record_failure(42, now)
    target = tmp_path / "copies" / "copy.sqlite3"
    # The bot keeps its connections open while the backup runs in another process.
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(target),
        "--database",
        str(source),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    await db.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT COUNT(*) FROM invitation_failures").fetchone()[0] == 1
    assert b"backup of" in out


def test_backup_of_a_missing_database_fails_clearly(tmp_path, capsys) -> None:
    assert (
        main(["backup", str(tmp_path / "b.sqlite3"), "--database", str(tmp_path / "none.sqlite3")])
        == 1
    )
    assert "no database" in capsys.readouterr().err


def test_backup_leaves_the_source_as_it_was(tmp_path) -> None:
    # A database the bot never opened (one table, rollback journal, mode 0644): the backup
    # must read it and change nothing, neither its tables, its mode, its bytes nor its journal.
    source = tmp_path / "other.sqlite3"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('x')")
    conn.close()
    source.chmod(0o644)
    before = source.read_bytes()
    target = tmp_path / "copy.sqlite3"

    assert main(["backup", str(target), "--database", str(source)]) == 0

    assert source.read_bytes() == before
    assert stat.S_IMODE(source.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite3", "other.sqlite3"]
    with sqlite3.connect(source) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        assert tables == [("notes",)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT body FROM notes").fetchall() == [("x",)]
    copy.close()


def test_backup_replaces_an_older_copy_and_keeps_it_private(tmp_path) -> None:
    source = tmp_path / "live.sqlite3"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    target = tmp_path / "copy.sqlite3"
    with sqlite3.connect(target) as old:
        old.execute("CREATE TABLE stale (n INTEGER)")
    old.close()
    target.chmod(0o644)

    assert main(["backup", str(target), "--database", str(source)]) == 0

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        tables = copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    copy.close()
    assert tables == [("notes",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite3", "live.sqlite3"]


async def test_an_open_database_copies_itself_privately(tmp_path) -> None:
    # Database.backup_to, as benchmarks/year_of_data.py uses it: the same private copy.
    db = Database(tmp_path / "live.sqlite3")
    await db.connect()
    await InvitationsRepository(db).record_failure(42, datetime(2026, 11, 17, tzinfo=UTC))
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"an older copy")
    target.chmod(0o644)
    await db.backup_to(target)
    await db.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT COUNT(*) FROM invitation_failures").fetchone()[0] == 1
    copy.close()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
