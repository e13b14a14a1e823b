"""`kill -9` of the real process mid-conversation and mid-save, then a restart: no half-written
record, and the user goes on from the step they were on with every answer already given."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.context import Services
from bot.settings import Settings
from domain.invitations import hash_invitation_code, new_invitation_code
from domain.registry import ReferentProfile
from emulator.demo import seed_demo_schools
from emulator.driver import ChatUser
from emulator.server import BotApiEmulator
from storage.db import Database
from tests.harness import TOKEN
from tests.reliability.figures import FIGURES
from tests.reliability.steps import CF, case_form, count, stored_step

REFERENT = 300
START_TIMEOUT = 30  # a cold start of the process on a slow CI machine


async def _seed(database: Path) -> None:
    settings = Settings(telegram_bot_token=TOKEN, database_path=database)
    db = Database(database)
    await db.connect()
    try:
        services = Services(settings=settings, db=db)
        await seed_demo_schools(services, actor=0)
        now, code = services.now(), new_invitation_code()
        await services.invitations.create(
            code_hash=hash_invitation_code(code),
            plesso_code="MIEE8AB01T",
            created_by=100,
            now=now,
            expires_at=now + timedelta(days=1),
        )
        await services.referents.join(
            telegram_user_id=REFERENT,
            invitation_hash=hash_invitation_code(code),
            now=now,
            profile=ReferentProfile(
                full_name="ORSOLA PELLEGRINI", phone="+393335550101", email="orsola@example.it"
            ),
        )
    finally:
        await db.close()


class Bot:
    """The real `python -m bot` process against the emulator."""

    def __init__(self, emulator: BotApiEmulator, database: Path) -> None:
        self.emulator, self.database = emulator, database
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADMIN_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=self.emulator.base_url,
            TELEGRAM_API_FILE_URL=self.emulator.base_file_url,
            DATABASE_PATH=str(self.database),
            ADMIN_IDS="100:ATS-MILANO",
        )
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.database.parent,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def kill_9(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown, no flush, no rollback
        await self.process.wait()
        FIGURES.faults += 1

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    database = tmp_path / "process.sqlite3"
    await _seed(database)
    async with BotApiEmulator(token=TOKEN) as emulator:
        running = Bot(emulator, database)
        await running.start()
        try:
            yield running
        finally:
            await running.stop()


async def _writer_stuck(database: Path, for_seconds: float = 0.3) -> None:
    """Wait until some connection has held the write lock for `for_seconds` on end."""
    deadline = time.monotonic() + 30
    held_since: float | None = None
    with contextlib.closing(sqlite3.connect(database, timeout=0, isolation_level=None)) as conn:
        while time.monotonic() < deadline:
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                held_since = None
            except sqlite3.OperationalError:
                held_since = held_since or time.monotonic()
                if time.monotonic() - held_since >= for_seconds:
                    return
            await asyncio.sleep(0.02)
    raise AssertionError("the bot never got stuck in its write")


async def _referent(bot: Bot) -> ChatUser:
    """The referent, once the process answers."""
    referent = ChatUser(bot.emulator, REFERENT, first_name="Orsola")
    await referent.send("/aiuto")
    await referent.expect("Comandi", timeout=START_TIMEOUT)
    return referent


def _audit_consistent(database: Path) -> None:
    assert count(database, "SELECT COUNT(*) FROM cases") == count(
        database, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.create'"
    )
    with contextlib.closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_kill_9_in_the_middle_of_saving_a_case(bot: Bot) -> None:
    database = bot.database
    referent = await _referent(bot)
    await case_form(referent)
    answers_before = stored_step(database, REFERENT)
    # The insert of the case row now takes ages: the bot is stuck inside its transaction,
    # with the case row written and its audit row not yet.
    with contextlib.closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("CREATE TABLE slow (x INTEGER)")
        conn.executemany("INSERT INTO slow VALUES (?)", [(n,) for n in range(20_000)])
        conn.execute(
            "CREATE TRIGGER slow_case AFTER INSERT ON cases BEGIN"
            " SELECT count(*) FROM slow a, slow b, slow c WHERE a.x + b.x + c.x < 0; END"
        )
    await referent.tap("Salva")
    await _writer_stuck(database)
    await bot.kill_9()
    with contextlib.closing(sqlite3.connect(database)) as conn, conn:
        conn.execute("DROP TRIGGER slow_case")
        conn.execute("DROP TABLE slow")
    # Nothing half-written: no case, no audit row, and the form is where it was.
    assert count(database, "SELECT COUNT(*) FROM cases") == 0
    _audit_consistent(database)
    assert stored_step(database, REFERENT) == answers_before
    FIGURES.records += 3

    await bot.start()
    # Telegram may deliver the tap again (if its offset was not confirmed yet), or not:
    # either way the referent gets to save the case, once.
    seq = bot.emulator.seq
    await referent.send("ci sei?")

    def shown() -> str:
        # New messages only: removing the review's keyboard is an edit that shows its text.
        return " ".join(e.text for e in bot.emulator.events(REFERENT, seq) if e.kind == "sent")

    await bot.emulator.wait_for(
        lambda: any(
            answer in shown()
            for answer in ("controlla i dati", "Non ho capito", "inserito correttamente")
        ),
        START_TIMEOUT,
    )
    if "controlla i dati" in shown():  # the review again, every answer in it
        assert "QUATTROCCHI" in shown() and CF in shown()
        await referent.tap("Salva")
        await referent.expect("inserito correttamente")
    else:
        assert "inserito correttamente" in shown()
    assert count(database, "SELECT COUNT(*) FROM cases WHERE surname = 'QUATTROCCHI'") == 1
    _audit_consistent(database)


async def test_kill_9_in_the_middle_of_the_case_form(bot: Bot) -> None:
    referent = await _referent(bot)
    await case_form(referent, until="Telefono 1 del caso")
    await bot.kill_9()
    await bot.start()
    await referent.send("347 1234567")
    await referent.expect("Ultimo giorno di frequenza", timeout=START_TIMEOUT)
    await case_form(referent, after="Ultimo giorno di frequenza")
    review = referent.last_message()
    for answer in ("QUATTROCCHI", "PAOLO", CF, "Milano", "+39 347 123 4567"):
        assert answer in review.content, answer
    FIGURES.records += 5


async def test_kill_9_in_the_middle_of_the_sent_home_form(bot: Bot) -> None:
    """Issue 17: /allontanamento resumes where it was after a kill -9."""
    referent = await _referent(bot)
    await referent.send("/allontanamento")
    await referent.expect("Chi è stato allontanato?", timeout=START_TIMEOUT)
    await referent.tap("Alunno")
    await referent.expect("Classe (obbligatoria)")
    await referent.send("3")
    await referent.expect("Sezione (obbligatoria)")
    await bot.kill_9()
    await bot.start()
    await referent.send("B")
    await referent.expect("Cognome:", timeout=START_TIMEOUT)
    await referent.send("Quattrocchi")
    await referent.expect("Nome:")
