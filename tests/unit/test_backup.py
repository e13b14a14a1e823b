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
