"""`kill -9` after an answer is stored and before the bot's reply reaches the user: storage
runs on the event loop now (storage.db), and the draft with the next step must already be on
disk when the reply is being sent. After the restart the user goes on from that step, and the
finished record holds every answer, the one whose reply was lost included."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.reliability.figures import FIGURES
from tests.reliability.steps import case_form, count, stored_step
from tests.reliability.test_kill_9 import REFERENT, START_TIMEOUT, Bot, _audit_consistent, _referent
from tests.reliability.test_kill_9 import bot as bot


async def _stored(
    bot: Bot,
    key: str,
    value: str,
    timeout: float = 15.0,  # noqa: ASYNC109
) -> tuple[int | None, Any]:
    """Wait until the draft on disk holds `value` at `key`; (step, draft) then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        step, data = stored_step(bot.database, REFERENT)
        if data.get("draft", {}).get(key) == value:
            return step, data
        await asyncio.sleep(0.02)
    raise AssertionError(f"{key}={value!r} never reached the database")


async def test_kill_9_between_the_stored_answer_and_the_reply(bot: Bot) -> None:
    emulator = bot.emulator
    referent = await _referent(bot)
    await case_form(referent, until="Sezione (obbligatoria)")
    before = stored_step(bot.database, REFERENT)
    # Telegram fails every reply for seconds (the bot retries with back-off): the answer
    # below is stored, and the question after it never reaches the user.
    emulator.fail_next("sendMessage", status=500, times=20)
    seq = emulator.seq
    await referent.send("B")
    step, stored = await _stored(bot, "section", "B")
    assert step != before[0]  # the next step went to disk with the answer
    assert "Ruolo del caso" not in " ".join(e.text for e in emulator.events(REFERENT, seq))
    await bot.kill_9()
    emulator.clear_faults()  # Telegram is back
    assert stored_step(bot.database, REFERENT) == (step, stored)  # nothing undone by the kill
    FIGURES.records += 2

    await bot.start()
    await referent.send("ci sei?")  # the user never saw the question: they ask
    await referent.expect("Ruolo del caso", timeout=START_TIMEOUT)
    await case_form(referent, after="Ruolo del caso")
    review = referent.last_message().content
    for answer in ("3", "B", "QUATTROCCHI", "PAOLO"):
        assert answer in review, answer
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    assert (
        count(
            bot.database,
            "SELECT COUNT(*) FROM cases WHERE surname = 'QUATTROCCHI'"
            " AND class_name = '3' AND section = 'B'",
        )
        == 1
    )
    _audit_consistent(bot.database)
    FIGURES.records += 5
