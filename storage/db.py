"""The SQLite database: connections, transactions and migrations.

One connection writes (behind an asyncio lock, so concurrent chats never interleave inside
one transaction) and one reads: in WAL mode the reader sees committed data only and is never
blocked by a slow write.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
Row = sqlite3.Row


class DatabaseUnavailable(Exception):
    """The database could not take a write now (locked by another process, disk full)."""


# SQLite's primary result codes that mean "not now" rather than "this statement is wrong":
# another process holds the lock, the disk (or max_page_count) is full, the disk failed,
# the file became read-only or unreachable. The message names the code, never the data.
_UNAVAILABLE_CODES = {
    5: "database is locked",  # SQLITE_BUSY
    6: "database table is locked",  # SQLITE_LOCKED
    8: "attempt to write a readonly database",  # SQLITE_READONLY
    10: "disk I/O error",  # SQLITE_IOERR
    13: "database or disk is full",  # SQLITE_FULL
    14: "unable to open database file",  # SQLITE_CANTOPEN
}


def unavailable(error: sqlite3.Error) -> DatabaseUnavailable | None:
    """The `DatabaseUnavailable` this error means, or None for any other error (a bug)."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        reason = _UNAVAILABLE_CODES.get(code & 0xFF)  # extended codes keep the primary below
    else:  # an error raised by hand (tests), or by an older sqlite3 module
        text = str(error)
        reason = next((known for known in _UNAVAILABLE_CODES.values() if known in text), None)
    return DatabaseUnavailable(reason) if reason is not None else None


def utc_now_text(now: datetime) -> str:
    """Timestamps are stored as ISO 8601 in UTC, so they sort as text."""
    return now.astimezone(UTC).isoformat(timespec="seconds")


def parse_utc(text: str) -> datetime:
    """A stored timestamp, aware: one written without its offset is UTC like the others."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def not_writable(path: Path) -> str | None:
    """Why the bot could not write the database at `path`, or None: the file read-only (its
    mode, an immutable flag, a read-only mount), or its folder, where SQLite keeps the WAL
    and its index beside the file. Checked at start-up, so that the bot does not start
    "running" and then fail at its first write. `os.access` asks the kernel, which counts
    read-only mounts and immutable files for root too."""
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # connect() creates the missing folders in the first that exists
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is read-only"
    return None


def _migrations() -> list[tuple[int, str, str]]:
    folder = Path(__file__).with_name("migrations")
    found: list[tuple[int, str, str]] = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    """Owns the two connections; repositories borrow them."""

    def __init__(self, path: Path, busy_timeout_ms: int | None = None) -> None:
        self.path = path
        # How long a write waits for another process's lock before DatabaseUnavailable.
        self.busy_timeout_ms = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        # The task whose transaction is open on the writer (see `transaction`).
        self._open_in: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar(
            f"transaction_{id(self)}", default=None
        )

    async def connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._create_private_file()
        self._writer = await self._open()
        await self._writer.execute("PRAGMA journal_mode = WAL")
        await self._migrate()
        self._reader = await self._open()
        await self._reader.execute("PRAGMA query_only = ON")

    def _create_private_file(self) -> None:
        # Health data of minors: the file (and SQLite's side files) readable by the owner only.
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(self.path, 0o600)

    async def _open(self) -> aiosqlite.Connection:
        old_umask = os.umask(0o077)
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        finally:
            os.umask(old_umask)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database not connected")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database not connected")
        return self._reader

    async def _migrate(self) -> None:
        conn = self.writer
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with conn.execute("SELECT version FROM schema_migrations") as cursor:
            applied = {row[0] for row in await cursor.fetchall()}
        for version, name, sql in _migrations():
            if version in applied:
                continue
            log.info("applying migration %s", name)
            stamp = utc_now_text(datetime.now(UTC))
            try:
                await conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\n"
                    f"INSERT INTO schema_migrations (version, name, applied_at) "
                    f"VALUES ({version}, '{name}', '{stamp}');\nCOMMIT;"
                )
            except sqlite3.Error:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT MAX(version) AS v FROM schema_migrations")
        return int(row["v"]) if row and row["v"] is not None else 0

    async def check_writable(self) -> None:
        """Write a row and roll it back: DatabaseUnavailable if SQLite opened the file
        read-only (it does so silently when it cannot open it for writing). BEGIN IMMEDIATE
        alone is no test: it succeeds on a read-only file; only a write fails."""
        async with self._write_lock:
            conn = self.writer
            try:
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at)"
                        " VALUES (-1, 'write probe', '')"
                    )
                finally:
                    await _rollback(conn)
            except sqlite3.Error as error:
                _raise_if_unavailable(error)
                raise

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA quick_check")
        return str(row[0]) if row else "no answer"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """An IMMEDIATE transaction on the writer: all or nothing.

        Re-entrant within one task: a repository method called inside a use case's
        transaction (services.unit_of_work) joins it instead of opening its own, so a save
        and what goes with it (the plesso's last use, the audit row) commit together.

        A lock held by another process beyond the busy timeout, a full disk or a failing one
        raise `DatabaseUnavailable` (whether at BEGIN, in a statement or at COMMIT), after the
        transaction was rolled back: the caller's data are as they were before it began.
        """
        task = asyncio.current_task()
        if task is not None and self._open_in.get() is task:
            yield self.writer  # the enclosing transaction commits or rolls back
            return
        async with self._write_lock:
            conn = self.writer
            owner = self._open_in.set(task)
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                self._open_in.reset(owner)
                _raise_if_unavailable(error)
                raise
            try:
                try:
                    yield conn
                    await conn.execute("COMMIT")
                except BaseException as error:
                    await _rollback(conn)
                    if isinstance(error, sqlite3.Error):
                        _raise_if_unavailable(error)
                    raise
            finally:
                self._open_in.reset(owner)

    async def vacuum(self) -> bool:
        """Rebuild the file without the pages deleted rows left behind (VACUUM), then copy the
        WAL into it and empty the WAL (`wal_checkpoint(TRUNCATE)`): until then old page images
        of deleted rows live on in the WAL. Holds the write lock (VACUUM cannot run inside a
        transaction). False when a reader kept the WAL from being emptied completely."""
        async with self._write_lock:
            conn = self.writer
            try:
                await conn.execute("VACUUM")
                async with conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
            except sqlite3.Error as error:
                _raise_if_unavailable(error)
                raise
        # (busy, WAL frames, frames checkpointed): busy 0 means the WAL was emptied.
        return row is not None and row[0] == 0

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row. Read through `fetchall` (one job, see there), so `sql` must select
        one row at most: a key, an aggregate or a LIMIT 1, as every caller does."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        # One job on the reader's thread, run to the end of the statement: a cursor left
        # open across an await keeps its read snapshot, and every read of the other chats
        # queued meanwhile would miss the writes committed since (a save, then its re-read,
        # found nothing under load: benchmarks/load.py).
        try:
            return list(await self.reader.execute_fetchall(sql, tuple(params)))
        except sqlite3.Error as error:
            _raise_if_unavailable(error)
            raise

    async def backup_to(self, target: Path) -> None:
        """A consistent online copy (SQLite's backup API), safe while the bot runs."""
        await _write_private_copy(self.reader, target)


async def backup_file(source: Path, target: Path) -> None:
    """A consistent copy of the database at `source`, which may be open in the running bot.

    The source is opened read-only (`mode=ro`), not through `Database.connect`: a backup
    creates nothing, migrates nothing, changes neither the file's mode nor its journal mode.
    """
    async with aiosqlite.connect(_read_only_uri(source), uri=True) as conn:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await _write_private_copy(conn, target)


async def _write_private_copy(source: aiosqlite.Connection, target: Path) -> None:
    """Copy into a new 0600 file beside `target`, then rename it over `target`: the copy is
    never readable by others, even for a moment, and an older copy at `target` (whatever its
    mode) is replaced whole or not at all."""
    temporary = _private_temporary_beside(target)
    try:
        async with aiosqlite.connect(temporary) as destination:
            await source.backup(destination)
        os.replace(temporary, target)
    finally:
        _discard(temporary)


def _read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def _private_temporary_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)  # mkstemp creates the file 0600
    return Path(name)


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)  # gone already once renamed over the target


def _raise_if_unavailable(error: sqlite3.Error) -> None:
    mapped = unavailable(error)
    if mapped is not None:
        raise mapped from error


async def _rollback(conn: aiosqlite.Connection) -> None:
    """Roll back whatever is left of the transaction (SQLite may already have done it, as
    after a full disk); a failure here must not hide the error that caused it."""
    if not conn.in_transaction:
        return
    try:
        await conn.execute("ROLLBACK")
    except sqlite3.Error:
        log.warning("rollback failed; the connection's transaction state is unknown")
