"""The SQLite database: connections, transactions and migrations.

Short statements run on the event loop. With stdlib `sqlite3` in WAL mode a read or write of
a few rows takes microseconds, less than a hop to a worker thread and back (which is what
aiosqlite does for every statement, and what capped the bot at ~260 updates a second: the
write lock was held across those hops, benchmarks/load.py). Long work — exports, retention,
VACUUM, backup, quick_check — runs on a thread (`offload=True`), so the loop keeps serving
the other chats meanwhile.

One connection writes (behind an asyncio lock, so concurrent chats never interleave inside
one transaction) and one reads: in WAL mode the reader sees committed data only and is never
blocked by a slow write. A third connection reads for the long work on its thread. A short
transaction never gives the loop away while it holds the lock: its statements complete
synchronously, so the lock is free again before any other task runs.

The connections keep aiosqlite's async interface (`await conn.execute(...)`,
`async with conn.execute(...) as cursor`, `await cursor.fetchone()`), so the repositories read
the same whichever way a statement runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
Row = sqlite3.Row
T = TypeVar("T")


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
_SQLITE_BUSY = 5
_SQLITE_INTERRUPT = 9


def unavailable(error: sqlite3.Error) -> DatabaseUnavailable | None:
    """The `DatabaseUnavailable` this error means, or None for any other error (a bug)."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        reason = _UNAVAILABLE_CODES.get(code & 0xFF)  # extended codes keep the primary below
    else:  # an error raised by hand (tests), or by an older sqlite3 module
        text = str(error)
        reason = next((known for known in _UNAVAILABLE_CODES.values() if known in text), None)
    return DatabaseUnavailable(reason) if reason is not None else None


def _is_busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == _SQLITE_BUSY


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


# --- the connections: aiosqlite's interface, inline or on a thread --------------------------


class _Pending(Generic[T]):
    """What `Connection.execute` returns, as aiosqlite's: awaited, or `async with`-ed (the
    cursor is closed on the way out)."""

    __slots__ = ("_cursor", "_offload", "_work")

    def __init__(self, work: Callable[[], T], offload: bool) -> None:
        self._work = work
        self._offload = offload
        self._cursor: T | None = None

    async def _result(self) -> T:
        if self._offload:
            return await asyncio.to_thread(self._work)
        return self._work()

    def __await__(self) -> Generator[Any, None, T]:
        return self._result().__await__()

    async def __aenter__(self) -> T:
        self._cursor = await self._result()
        return self._cursor

    async def __aexit__(self, *_: object) -> None:
        if isinstance(self._cursor, Cursor):
            await self._cursor.close()


class Cursor:
    """A `sqlite3.Cursor` behind aiosqlite's async methods."""

    def __init__(self, cursor: sqlite3.Cursor, offload: bool) -> None:
        self._cursor = cursor
        self._offload = offload

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.to_thread(work) if self._offload else work()

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> Row | None:
        row: Row | None = await self._run(self._cursor.fetchone)
        return row

    async def fetchall(self) -> list[Row]:
        rows: list[Row] = await self._run(self._cursor.fetchall)
        return rows

    async def fetchmany(self, size: int) -> list[Row]:
        rows: list[Row] = await self._run(lambda: self._cursor.fetchmany(size))
        return rows

    async def close(self) -> None:
        self._cursor.close()


class Connection:
    """A `sqlite3.Connection` behind aiosqlite's async methods. `offload`: each statement
    runs on a worker thread (long work) instead of on the event loop."""

    def __init__(self, conn: sqlite3.Connection, offload: bool = False) -> None:
        self.raw = conn
        self.offload = offload

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    def execute(
        self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> _Pending[Cursor]:
        params = () if parameters is None else parameters

        def work() -> Cursor:
            return Cursor(self.raw.execute(sql, params), self.offload)

        return _Pending(work, self.offload)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> _Pending[Cursor]:
        def work() -> Cursor:
            return Cursor(self.raw.executemany(sql, parameters), self.offload)

        return _Pending(work, self.offload)

    def executescript(self, script: str) -> _Pending[Cursor]:
        def work() -> Cursor:
            return Cursor(self.raw.executescript(script), self.offload)

        return _Pending(work, self.offload)

    def execute_fetchall(
        self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> _Pending[list[Row]]:
        """The statement run to its end in one go (no cursor left open across an await)."""
        params = () if parameters is None else parameters

        def work() -> list[Row]:
            rows: list[Row] = self.raw.execute(sql, params).fetchall()
            return rows

        return _Pending(work, self.offload)

    async def close(self) -> None:
        self.raw.close()


class Database:
    """Owns the connections; repositories borrow them."""

    def __init__(self, path: Path, busy_timeout_ms: int | None = None) -> None:
        self.path = path
        # How long a write waits for another process's lock before DatabaseUnavailable.
        self.busy_timeout_ms = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        self._writer: Connection | None = None
        self._reader: Connection | None = None
        self._long_reader: Connection | None = None
        self._write_lock = asyncio.Lock()
        self._long_read_lock = asyncio.Lock()
        # The task whose transaction is open on the writer, and the connection it uses (see
        # `transaction`).
        self._open_in: contextvars.ContextVar[tuple[asyncio.Task[Any], Connection] | None] = (
            contextvars.ContextVar(f"transaction_{id(self)}", default=None)
        )
        # Figures for the benchmarks: transactions committed (joined ones not counted).
        self.commits = 0

    async def connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._create_private_file()
        writer = self._open()
        writer.execute("PRAGMA journal_mode = WAL")
        self._writer = Connection(writer)
        await self._migrate()
        writer.execute("PRAGMA busy_timeout = 0")  # see `_begin`
        reader = self._open()
        reader.execute("PRAGMA query_only = ON")
        self._reader = Connection(reader)
        long_reader = self._open()
        long_reader.execute("PRAGMA query_only = ON")
        self._long_reader = Connection(long_reader, offload=True)

    def _create_private_file(self) -> None:
        # Health data of minors: the file (and SQLite's side files) readable by the owner only.
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(self.path, 0o600)

    def _open(self) -> sqlite3.Connection:
        old_umask = os.umask(0o077)
        try:
            # check_same_thread off: a long job runs its statements on a worker thread, one
            # at a time (the write lock or the long-read lock says whose turn it is).
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, cached_statements=256
            )
        finally:
            os.umask(old_umask)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    async def close(self) -> None:
        for conn in (self._long_reader, self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._long_reader = self._reader = self._writer = None

    @property
    def writer(self) -> Connection:
        if self._writer is None:
            raise RuntimeError("database not connected")
        return self._writer

    @property
    def reader(self) -> Connection:
        if self._reader is None:
            raise RuntimeError("database not connected")
        return self._reader

    @property
    def long_reader(self) -> Connection:
        if self._long_reader is None:
            raise RuntimeError("database not connected")
        return self._long_reader

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
        """`PRAGMA quick_check`: "ok", or what SQLite found wrong (an error it raised on the
        way, as a damaged page does, is a finding too). It reads every page (1.9 s on a year
        of data): on a thread, with a connection of its own, so that the loop keeps serving
        and the long reads (exports) do not wait for it. Cancelled (the bot stopping while it
        runs), it interrupts SQLite and returns once the thread let go of the connection."""
        conn = self._open()
        conn.execute("PRAGMA query_only = ON")
        checking = asyncio.ensure_future(asyncio.to_thread(_quick_check, conn))
        try:
            return await asyncio.shield(checking)
        except asyncio.CancelledError:
            conn.interrupt()
            with contextlib.suppress(sqlite3.Error):
                await checking
            raise
        finally:
            if checking.done():
                conn.close()

    @asynccontextmanager
    async def transaction(self, *, offload: bool = False) -> AsyncIterator[Connection]:
        """An IMMEDIATE transaction on the writer: all or nothing.

        Its statements run on the event loop; `offload=True` (long work: the retention run)
        runs them on a thread instead, the other chats' writes waiting for the lock.

        Re-entrant within one task: a repository method called inside a use case's
        transaction (services.unit_of_work) joins it instead of opening its own, so a save
        and what goes with it (the plesso's last use, the audit row) commit together.

        A lock held by another process beyond the busy timeout, a full disk or a failing one
        raise `DatabaseUnavailable` (whether at BEGIN, in a statement or at COMMIT), after the
        transaction was rolled back: the caller's data are as they were before it began.
        """
        task = asyncio.current_task()
        open_in = self._open_in.get()
        if task is not None and open_in is not None and open_in[0] is task:
            yield open_in[1]  # the enclosing transaction commits or rolls back
            return
        async with self._write_lock:
            writer = self.writer
            conn = Connection(writer.raw, offload=True) if offload else writer
            owner = self._open_in.set((task, conn) if task is not None else None)
            try:
                await self._begin(conn)
            except sqlite3.Error as error:
                self._open_in.reset(owner)
                _raise_if_unavailable(error)
                raise
            try:
                try:
                    yield conn
                    await conn.execute("COMMIT")
                    self.commits += 1
                except BaseException as error:
                    await _rollback(conn)
                    if isinstance(error, sqlite3.Error):
                        _raise_if_unavailable(error)
                    raise
            finally:
                self._open_in.reset(owner)

    async def _begin(self, conn: Connection) -> None:
        """BEGIN IMMEDIATE, where a WAL database takes its write lock. Tried on the loop
        without waiting (the writer's busy timeout is 0); only if another process holds the
        lock, waited for (up to the busy timeout) on a thread, so a foreign lock never
        freezes the loop. Once BEGIN IMMEDIATE holds the lock no statement of the
        transaction waits for another writer (WAL), so the writer keeps the timeout 0."""
        raw = conn.raw
        if not conn.offload:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
        await asyncio.to_thread(self._waiting, raw, "BEGIN IMMEDIATE")

    def _waiting(self, raw: sqlite3.Connection, sql: str) -> Row | None:
        """`sql` on the writer with the busy timeout on (a worker thread's job)."""
        raw.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        try:
            row: Row | None = raw.execute(sql).fetchone()
            return row
        finally:
            raw.execute("PRAGMA busy_timeout = 0")

    async def vacuum(self) -> bool:
        """Rebuild the file without the pages deleted rows left behind (VACUUM), then copy the
        WAL into it and empty the WAL (`wal_checkpoint(TRUNCATE)`): until then old page images
        of deleted rows live on in the WAL. Holds the write lock (VACUUM cannot run inside a
        transaction), on a thread. False when a reader kept the WAL from being emptied
        completely."""
        async with self._write_lock:
            raw = self.writer.raw

            def work() -> Row | None:
                self._waiting(raw, "VACUUM")
                return self._waiting(raw, "PRAGMA wal_checkpoint(TRUNCATE)")

            try:
                row = await asyncio.to_thread(work)
            except sqlite3.Error as error:
                _raise_if_unavailable(error)
                raise
        # (busy, WAL frames, frames checkpointed): busy 0 means the WAL was emptied.
        return row is not None and row[0] == 0

    async def fetchone(
        self, sql: str, params: Iterable[Any] = (), *, offload: bool = False
    ) -> Row | None:
        """The first row. Read through `fetchall` (one go, see there), so `sql` must select
        one row at most: a key, an aggregate or a LIMIT 1, as every caller does."""
        rows = await self.fetchall(sql, params, offload=offload)
        return rows[0] if rows else None

    async def fetchall(
        self, sql: str, params: Iterable[Any] = (), *, offload: bool = False
    ) -> list[Row]:
        """Every row, read on the loop; `offload=True` for a long read (an export, a report
        over a year) on a thread. Run to the end of the statement in one go: a cursor left
        open across an await keeps its read snapshot, and every read of the other chats
        queued meanwhile would miss the writes committed since (a save, then its re-read,
        found nothing under load: benchmarks/load.py)."""
        try:
            if not offload:
                return await self.reader.execute_fetchall(sql, tuple(params))
            async with self._long_read_lock:
                return await self.long_reader.execute_fetchall(sql, tuple(params))
        except sqlite3.Error as error:
            _raise_if_unavailable(error)
            raise

    async def long_read(
        self, sql: str, params: Iterable[Any], convert: Callable[[list[tuple[Any, ...]]], T]
    ) -> T:
        """A long read of many rows (a page of an export: 10,000 contacts), and `convert`'s
        work on them, both on the long reader's thread: the loop spends none of it. The rows
        come as plain tuples, read by position: `convert` builds what the caller returns from
        them anyway, and a `sqlite3.Row` per row was one object more to build and to slice
        (the year-of-data export: 205,514 of them)."""

        def work() -> T:
            cursor = self.long_reader.raw.cursor()
            cursor.row_factory = None
            try:
                rows: list[tuple[Any, ...]] = cursor.execute(sql, tuple(params)).fetchall()
            finally:
                cursor.close()
            return convert(rows)

        try:
            async with self._long_read_lock:
                return await asyncio.to_thread(work)
        except sqlite3.Error as error:
            _raise_if_unavailable(error)
            raise

    async def backup_to(self, target: Path) -> None:
        """A consistent online copy (SQLite's backup API), safe while the bot runs."""
        async with self._long_read_lock:
            await asyncio.to_thread(_write_private_copy, self.long_reader.raw, target)


async def backup_file(source: Path, target: Path) -> None:
    """A consistent copy of the database at `source`, which may be open in the running bot.

    The source is opened read-only (`mode=ro`), not through `Database.connect`: a backup
    creates nothing, migrates nothing, changes neither the file's mode nor its journal mode.
    """

    def work() -> None:
        conn = sqlite3.connect(_read_only_uri(source), uri=True)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _write_private_copy(conn, target)
        finally:
            conn.close()

    await asyncio.to_thread(work)


def _write_private_copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy into a new 0600 file beside `target`, then rename it over `target`: the copy is
    never readable by others, even for a moment, and an older copy at `target` (whatever its
    mode) is replaced whole or not at all."""
    temporary = _private_temporary_beside(target)
    try:
        destination = sqlite3.connect(temporary)
        try:
            source.backup(destination)
        finally:
            destination.close()
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


def _quick_check(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:  # "database disk image is malformed", ...
        if getattr(error, "sqlite_errorcode", None) == _SQLITE_INTERRUPT:
            raise  # stopped on purpose: no finding
        return str(error)
    return str(row[0]) if row else "no answer"


def _raise_if_unavailable(error: sqlite3.Error) -> None:
    mapped = unavailable(error)
    if mapped is not None:
        raise mapped from error


async def _rollback(conn: Connection) -> None:
    """Roll back whatever is left of the transaction (SQLite may already have done it, as
    after a full disk); a failure here must not hide the error that caused it."""
    if not conn.in_transaction:
        return
    try:
        await conn.execute("ROLLBACK")
    except sqlite3.Error:
        log.warning("rollback failed; the connection's transaction state is unknown")
