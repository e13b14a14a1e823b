"""`python -m bot console`: moving the bot's clock to a Tuesday at 10:05 shows the reminders
arriving for the referents who still owe the day's absences, and only for them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.test_console import Terminal, start_console


async def join(term: Terminal, user: str, code: str, name: str) -> None:
    await term.type(f"!utente {user}")
    await term.type(f"/start {code}")
    await term.wait_for("nome e cognome")
    await term.type(name)
    await term.wait_for("telefono")
    await term.type("3331234567")
    await term.wait_for("e-mail")
    await term.type("referente@example.it")
    await term.wait_for(r"\[1\] ✅ Conferma")
    await term.type("#1")
    await term.wait_for("Ora sei referente COVID")


async def test_a_tuesdays_reminders_reach_only_the_referent_still_missing(
    tmp_path: Path,
) -> None:
    term = await start_console(tmp_path)
    process = term.process
    try:
        await term.wait_for("Sentinella console")
        await term.type("/invita MIEE8AB01T")
        tigli = (await term.wait_for(r"start=([A-Z0-9]{12})")).group(1)
        await term.type("/invita MIAA8AB01P")
        girasole = (await term.wait_for(r"start=([A-Z0-9]{12})")).group(1)
        await join(term, "referente", tigli, "Mario Rossi")
        await join(term, "referente2", girasole, "Anna Verdi")
        # Tuesday morning: referente2 records the day's absences before 10:00.
        await term.type("!ora 17/11/2026 09:30")
        await term.wait_for("Ora del bot: martedì 17/11/2026 09:30")
        assert (await term.wait_for(r"Promemoria inviati: (\d+)")).group(1) == "0"
        await term.type("/assenze")
        await term.wait_for("Quanti alunni")
        await term.type("300")
        await term.wait_for("Quante classi")
        await term.type("15")
        await term.wait_for("assenti")
        await term.type("0")
        await term.wait_for("Tasso di assenza")
        # 10:05: the reminders go out.
        await term.type("!ora 17/11/2026 10:05")
        await term.wait_for("Ora del bot: martedì 17/11/2026 10:05")
        assert (await term.wait_for(r"Promemoria inviati: (\d+)")).group(1) == "1"
        # referente2 got nothing: their last message is still the saved figure.
        await term.type("!utente referente2")
        await term.wait_for("Ora scrivi come referente2")
        await term.wait_for("Tasso di assenza")
        # referente got the reminder, with the button into /assenze.
        await term.type("!utente referente")
        await term.wait_for("Ora scrivi come referente")
        reminder = await term.wait_for(r"\[1\] 📝 Assenze 17/11 – Scuola Primaria Via dei Tigli")
        shown = reminder.string[: reminder.end()]
        assert "Promemoria di Sentinella" in shown
        assert "Registra le assenze di oggi, martedì 17/11/2026" in shown
        await term.type("#1")
        await term.wait_for(r"Scuola Primaria Via dei Tigli \(MIEE8AB01T\)")
        await term.wait_for("Manca il numero di iscritti")
        await term.type("!esci")
        await asyncio.wait_for(process.wait(), 20)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
