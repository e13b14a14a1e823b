"""Issue 8's "done": in `python -m bot console` the admin sees the report with its chart after
the demo recordings, broadcasts to the referents, and reads the change log."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.e2e.test_console import start_console
from tests.e2e.test_reminders_console import join

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOTICE = "Riunione referenti giovedì alle 15 <in aula magna> & online"


async def test_the_console_admin_reports_broadcasts_and_reads_the_change_log(
    tmp_path: Path,
) -> None:
    term = await start_console(tmp_path)
    process = term.process
    try:
        await term.wait_for("Sentinella console")
        await term.type("!ora 17/11/2026 09:30")
        await term.wait_for("Ora del bot: martedì 17/11/2026 09:30")
        await term.type("/invita MIEE8AB01T")
        code = (await term.wait_for(r"start=([A-Z0-9]{12})")).group(1)
        await join(term, "referente", code, "Mario Rossi")
        await term.type("!utente admin")

        # The report after the demo's school year of recordings, and its chart as a PNG.
        await term.type("!demo")
        await term.wait_for("Assenze demo registrate")
        await term.type("/report")
        await term.wait_for("plessi segnalati|Plessi segnalati")
        saved = await term.wait_for(r"🖼 foto \((\d+) byte\) salvata in (\S+)")
        chart = await asyncio.to_thread(Path(saved.group(2)).read_bytes)
        assert chart.startswith(PNG_SIGNATURE) and len(chart) > 10_000

        # A broadcast to every referent: preview, confirm, the referent's copy, the count.
        await term.type("/avviso")
        await term.wait_for(r"\[1\] Tutti i referenti \(1\)")
        await term.type("#1")
        await term.wait_for("Scrivi il messaggio")
        await term.type(NOTICE)
        await term.wait_for("Anteprima")
        send = await term.wait_for(r"\[(\d+)\] ✅ Conferma e invia")
        await term.type(f"#{send.group(1)}")
        await term.wait_for("Invio in corso")
        count = await term.wait_for(r"inviati: (\d+)")
        assert count.group(1) == "1"

        await term.type("!utente referente")
        await term.wait_for(re.escape(NOTICE))

        # The change log of the ATS: the broadcast is in it.
        await term.type("!utente admin")
        await term.type("/registro ats")
        await term.wait_for("Registro dell'ATS")
        await term.wait_for("avviso ai referenti confermato")
        await term.type("!esci")
        await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
