"""The ATS's CSV uploads of the desk (/positivi, /puntitampone, /esiti, /segnalazioni): a
file refused as a whole is answered with its reason and the question again, the flow stays
on the file, and the next file is read."""

from __future__ import annotations

import pytest

from emulator.driver import ChatUser
from tests.e2e.test_citizens import REGISTER
from tests.e2e.test_swabs import REFERRALS_HEADER, SLOTS

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
