"""Whether the database's last owner closed it cleanly: a small file beside it, `<db>.clean`.

Why: `PRAGMA quick_check` reads every page of the file, 1.9 s on a year of data, and at
start-up it stood between the process and its first getUpdates. The marker decides only
WHEN the check runs, never whether: after a clean stop it runs on a thread once the bot
polls (bot/runner.py), otherwise (a `kill -9`, a crash, a power loss, a file copied or
restored in) before the bot polls, as it always did.

The bot writes the marker after it closed its connections (SQLite has then copied the WAL
into the file and removed it) with what identifies the file's state: size, modification
and change times in nanoseconds, inode and device. At the next start, under the instance
lock (storage/lock.py) and before it opens the file for writing, the bot reads the marker
and removes it: the marker counts only if the file is still in that state and there is no
WAL with content beside it. Anything that touched the file meanwhile (a write, a copy over
it, `touch`, a chmod) changes its change time, which no one can set back by hand.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileState:
    """What the file system says about the file: equal states, untouched file."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int


def marker_path_of(database: Path) -> Path:
    return database.with_name(database.name + ".clean")


def _wal_of(database: Path) -> Path:
    return database.with_name(database.name + "-wal")


def state_of(database: Path) -> FileState | None:
    """The file's state now, or None when it is missing or has a WAL with content (which
    SQLite would replay into it: the file alone is not what the bot would open)."""
    try:
        wal = _wal_of(database).stat()
    except FileNotFoundError:
        pass
    else:
        if wal.st_size > 0:
            return None
    try:
        found = database.stat()
    except FileNotFoundError:
        return None
    return FileState(
        size=found.st_size,
        mtime_ns=found.st_mtime_ns,
        ctime_ns=found.st_ctime_ns,
        inode=found.st_ino,
        device=found.st_dev,
    )


def record(database: Path) -> bool:
    """After a clean close: write the marker for the file as it is now. False (and no
    marker) when its state says it was not closed whole (a WAL left with content, as when a
    backup was still reading it)."""
    state = state_of(database)
    if state is None:
        return False
    marker = marker_path_of(database)
    temporary = marker.with_name(marker.name + ".tmp")
    temporary.write_text(json.dumps(asdict(state)), encoding="ascii")
    os.replace(temporary, marker)  # whole or not at all
    return True


def consume(database: Path) -> bool:
    """At start-up, before the file is opened for writing: whether the last owner closed it
    cleanly and nothing touched it since. The marker is removed either way, so a crash from
    now on leaves none."""
    marker = marker_path_of(database)
    try:
        text: str | None = marker.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        text = None
    if not _removed(marker) or text is None:
        return False
    try:
        recorded = FileState(**json.loads(text))
    except (ValueError, TypeError):
        return False  # a truncated or foreign file: as if there were none
    return recorded == state_of(database)


def _removed(marker: Path) -> bool:
    """Remove the marker: False if it could not be (it could outlive a crash of this run, so
    it is not trusted now; and it counts only for the file exactly as it is: after the
    first write of this run, no longer)."""
    try:
        marker.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True
