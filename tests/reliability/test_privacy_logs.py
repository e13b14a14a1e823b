"""No token, codice fiscale, name, phone or e-mail in the logs, at any level.

The bot's own logging set-up (bot.logs.setup_logging at DEBUG) captures everything the
process logs while a referent joins, reports a case, hits an unexpected error, a busy
database and Telegram failures; then the captured text is searched for each of them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sqlite3
from collections.abc import Iterator

import pytest

from bot.logs import RedactingFilter, safe_traceback, setup_logging
from tests.e2e.steps import invite, join
from tests.harness import TOKEN
from tests.reliability.figures import FIGURES
from tests.reliability.steps import CF, case_form
from tests.reliability.world import World

NAME, SURNAME = "Gianmarco", "Serbelloni"
PHONE, EMAIL = "349 8765432", "gianmarco.serbelloni@scuola.example.it"
CASE_SURNAME, CASE_PHONE = "Quattrocchi", "347 7654321"


@contextlib.contextmanager
def bot_logging(level: str = "DEBUG") -> Iterator[io.StringIO]:
    """The process's logging, as `python -m bot` sets it up, into a buffer; restored after."""
    root = logging.getLogger()
    saved = (
        list(root.handlers),
        root.level,
        {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict},
    )
    buffer = io.StringIO()
    setup_logging(level, [TOKEN], stream=buffer)
    try:
        yield buffer
    finally:
        handlers, root_level, levels = saved
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(root_level)
        for name, logger_level in levels.items():
            logging.getLogger(name).setLevel(logger_level)


def _secrets() -> list[str]:
    digits = PHONE.replace(" ", "")
    case_digits = CASE_PHONE.replace(" ", "")
    return [
        TOKEN,
        TOKEN.split(":", 1)[1],
        CF,
        CF.lower(),
        NAME,
        SURNAME,
        CASE_SURNAME,
        "PAOLO",
        PHONE,
        digits,
        "+39" + digits,
        "+39 " + PHONE,
        CASE_PHONE,
        case_digits,
        "+39" + case_digits,
        EMAIL,
        EMAIL.split("@")[0],
    ]


async def test_a_full_flow_with_faults_at_debug_logs_nothing_personal(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = world.harness
    emulator = harness.emulator
    admin = harness.user(100, "Anna")
    with bot_logging("DEBUG") as log:
        # A referent joins, typing their own data.
        referent = harness.user(310, NAME)
        await join(
            referent, await invite(admin), name=f"{NAME} {SURNAME}", phone=PHONE, email=EMAIL
        )
        # A case, with an unexpected error quoting the data, a Telegram outage and a lock.
        await case_form(referent, until="Codice fiscale del caso", surname=CASE_SURNAME)

        def explode(*args: object, **kwargs: object) -> object:
            raise ValueError(f"no match for {CASE_SURNAME} {CF} {EMAIL} {PHONE} {TOKEN}")

        monkeypatch.setattr(harness.svc.cases, "recent_duplicate", explode)
        await referent.send(CF)
        await referent.expect("qualcosa è andato storto")
        monkeypatch.undo()
        limiter = harness.application.bot.rate_limiter  # type: ignore[union-attr]
        limiter.first_delay = limiter.max_delay = 0.01
        emulator.fail_next("sendMessage", status=500, times=2)
        emulator.drop_connection_next("sendMessage")
        await referent.send(CF)
        await referent.expect("non corrisponde al cognome", timeout=15)
        await referent.tap("Il codice è giusto")
        await referent.expect("Comune di domicilio: scrivi")
        await case_form(referent, after="Comune di domicilio: scrivi", until="Telefono 1 del caso")
        with contextlib.closing(sqlite3.connect(harness.settings.database_path)) as other:
            other.execute("BEGIN EXCLUSIVE")
            harness.db.busy_timeout_ms = 50  # type: ignore[union-attr]
            await harness.db.writer.execute("PRAGMA busy_timeout = 50")  # type: ignore[union-attr]
            await referent.send(CASE_PHONE)
            await referent.expect("Non sono riuscito a salvare", timeout=10)
            other.execute("ROLLBACK")
        await referent.send(CASE_PHONE)
        await referent.expect("Ultimo giorno di frequenza")
        await case_form(referent, after="Ultimo giorno di frequenza")
        await referent.tap("Salva")
        await referent.expect("inserito correttamente")
    text = log.getvalue()
    FIGURES.faults += 5
    assert "Traceback" in text and "recent_duplicate" in text  # the error is there...
    assert "ValueError (message not logged" in text  # ...without what it said
    assert "database unavailable" in text and "retry 1 of" in text
    found = [secret for secret in _secrets() if secret.casefold() in text.casefold()]
    assert found == [], f"the log holds {found}:\n{text}"
    FIGURES.records += len(_secrets())


def test_tracebacks_keep_frames_and_drop_what_users_typed() -> None:
    typed = " ".join(["ROSSI", "MARIO", CF])  # built here: the raising line shows no data
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as error:
            raise KeyError(typed) from error
    except KeyError as error:
        text = safe_traceback(error)
    assert "sqlite3.OperationalError: database is locked" in text
    assert "KeyError (message not logged" in text
    assert "ROSSI" not in text and CF not in text
    assert "test_tracebacks_keep_frames_and_drop_what_users_typed" in text


def test_the_filter_masks_tokens_codici_fiscali_phones_and_e_mails() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "GET https://api.telegram.org/bot%s/getMe for %s, +39 347 123 4567, a.b@c.it, "
        "other bot 987654321:AAF-abcdefghijklmnopqrstuvwxyz0123456",
        (TOKEN, CF.lower()),
        None,
    )
    RedactingFilter([TOKEN]).filter(record)
    message = record.getMessage()
    for secret in (TOKEN, CF.lower(), "347 123 4567", "a.b@c.it", "AAF-abcdefghijkl"):
        assert secret not in message
