"""The ATS's CSV uploads of the desk (/positivi, /puntitampone, /esiti, /segnalazioni): a
file refused as a whole is answered with its reason and the question again, the flow stays
on the file, and the next file is read."""

from __future__ import annotations

import pytest

from emulator.driver import ChatUser
from tests.e2e.test_citizens import REGISTER, db_rows
from tests.e2e.test_swabs import REFERRALS_HEADER, SLOTS
from tests.harness import ADMIN_REGIONAL, Harness

UPLOADS = {
    # command: (a fragment of the question, a good file, a fragment of its result)
    "/positivi": ("registro dei positivi", REGISTER, "Registro caricato"),
    "/puntitampone": ("punti tampone", SLOTS, "Punti tampone caricati"),
    "/esiti": ("CSV degli esiti", "codice;data;esito\n", "Esiti registrati: 0"),
    "/segnalazioni": ("segnalazioni dei medici", REFERRALS_HEADER + "\n", "Segnalazioni caricate"),
}


@pytest.mark.parametrize("command", list(UPLOADS))
async def test_a_refused_file_asks_for_the_file_again(admin: ChatUser, command: str) -> None:
    question, good, result = UPLOADS[command]
    await admin.send(command)
    await admin.expect(question)
    await admin.send_file("vuoto.csv", b"\n \n", "text/csv")
    await admin.expect("Il file è vuoto")
    await admin.expect(question)
    await admin.send_file("buono.csv", good.encode(), "text/csv")
    await admin.expect(result)


@pytest.mark.parametrize("command", ["/positivi", "/puntitampone", "/segnalazioni"])
async def test_a_regional_admin_loads_no_file_of_one_ats(harness: Harness, command: str) -> None:
    regional = harness.user(ADMIN_REGIONAL, "Rita")
    await regional.send(command)
    if command == "/positivi":  # the register asks, and refuses the file
        await regional.expect("registro dei positivi")
        await regional.send_file("positivi.csv", REGISTER.encode(), "text/csv")
        await regional.expect("Il registro è di una ATS")
    else:
        await regional.expect("un amministratore regionale non li carica")
    tables = ("citizens", "swab_points", "swab_referrals")
    assert [db_rows(harness, f"SELECT COUNT(*) FROM {table}") for table in tables] == [[(0,)]] * 3
