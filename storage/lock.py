"""One process per database: an exclusive lock on a file beside it, held for the process's life.

Two bots on one file (a deploy overlap) would both poll Telegram and both run the reminder
jobs: each answers half of the other's users' messages, out of step, and reminders go out
twice. The bot and the console take this lock before they open the database; a second one
finds it held and stops with one line. `python -m bot backup` only reads, and takes no lock.

Why `flock` on `<database>.lock` rather than a lock row with a heartbeat in the database:
the kernel releases the lock the moment the process ends, `kill -9` and power loss included,
so a crashed bot never blocks its own restart and no timeout has to guess whether the other
process is dead or just slow; and it costs no write. Its limit, a network file system where
`flock` may not reach the other host, is SQLite's own: WAL needs the database on a local disk.

The lock file is left in place when released: removing it would let a third process lock a
new file while a second still waits on the old one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType

if sys.platform == "win32":  # pragma: no cover - the bot runs on Linux
    import msvcrt
else:
    import fcntl


class InstanceLocked(Exception):
    """Another process holds the database's lock."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        super().__init__(f"{lock_path} is held by process {pid if pid is not None else '?'}")
        self.lock_path = lock_path
        self.pid = pid


def lock_path_of(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class InstanceLock:
    """`with InstanceLock(database):` — this process's alone until the block ends."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path_of(database)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock at once, or raise InstanceLocked (never waits: a second process
        must say so and stop, not start late over the first one's shoulder)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            pid = _read_pid(fd)
            os.close(fd)
            raise InstanceLocked(self.path, pid) from None
        # Who holds it, for the refusal's line and for whoever looks at the file.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _unlock(fd)
        os.close(fd)

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdigit() else None


if sys.platform == "win32":  # pragma: no cover - the bot runs on Linux

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
