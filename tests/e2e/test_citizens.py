"""Citizens in isolation (issue 19), end to end: the register, the sign-in, the menu, the
diary, the household members and the ATS desk, played as the people would."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import date

from emulator.driver import ChatUser
from tests.harness import ADMIN_MILANO, ADMIN_REGIONAL, Harness

# The clock: Tuesday 17/11/2026 09:30 (tests/conftest.py). D0 of 12/11 → day 5.
MARIO_CF = "RSSMRA85D10F205K"
GIULIA_CF = "RSSGLI14C43F205V"  # 12 years old
LUCA_CF = "RSSLCU16L07F205U"  # 10 years old
ANNA_CF = "BNCNNA80T52F205N"
PAOLO_CF = "VRDPLA79A01F205Z"

HEADER = "codice_fiscale;cognome;nome;data_nascita;telefono;data_tampone;data_esordio"
REGISTER = "\n".join(
    [
        HEADER,
        f"{MARIO_CF};Rossi;Mario;10/04/1985;333 111 2222;12/11/2026;",
        f"{GIULIA_CF};Rossi;Giulia;03/03/2014;+39 333 444 5555;12/11/2026;",
        f"{LUCA_CF};Rossi;Luca;07/07/2016;3334445555;13/11/2026;",
        "RSSMRA85D10F205X;Neri;Ugo;10/04/1985;333 000 1111;12/11/2026;",  # bad check char
        f"{ANNA_CF};Bianchi;Anna;12/12/1980;333 777 8888;20/11/2026;",  # swab in the future
        f"{MARIO_CF};Rossi;Mario;10/04/1985;333 111 2222;12/11/2026;",  # twice
    ]
)


async def load_register(admin: ChatUser, content: str = REGISTER) -> dict[str, str]:
    """The admin loads the register; returns codice fiscale → sign-in token, from the CSV."""
    await admin.send("/registro")
    await admin.expect("registro dei positivi")
    await admin.send_file("positivi.csv", content.encode("utf-8"), "text/csv")
    await admin.expect("Registro caricato")
    document = await admin.document()
    assert document.document is not None
    rows = list(csv.reader(io.StringIO(document.document.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["id", "telefono", "nominativo", "link"]
    tokens = {}
    for row in rows[1:]:
        match = re.search(r"\?start=(cz[A-Z0-9]+)", row[3])
        assert match, row
        tokens[row[2]] = match.group(1)
    return tokens


async def sign_in(citizen: ChatUser, token: str, phone: str, cf: str) -> None:
    await citizen.send(f"/start {token}")
    await citizen.expect("Condividi il mio numero")
    await citizen.share_contact(phone)
    await citizen.expect("codice fiscale")
    await citizen.send(cf)
    await citizen.expect("Accesso riuscito")


def db_rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(harness.settings.database_path) as conn:
        return conn.execute(sql, params).fetchall()


async def test_register_upload_checks_rows_and_gives_the_links(harness: Harness, admin: ChatUser):
    tokens = await load_register(admin)
    report = admin.messages[-2].text or ""
    assert "3 persone aggiunte" in report
    assert "riga 5" in report and "riga 6" in report and "riga 7" in report
    assert "stesso codice fiscale della riga 2" in report
    assert sorted(tokens) == ["ROSSI GIULIA", "ROSSI LUCA", "ROSSI MARIO"]
    # Only the hashes are stored.
    stored = db_rows(harness, "SELECT token_hash FROM citizens")
    assert len(stored) == 3
    assert all(token not in str(stored) for token in tokens.values())
    # The same register again: nobody twice.
    await admin.send("/registro")
    await admin.send_file("positivi.csv", REGISTER.encode("utf-8"), "text/csv")
    await admin.expect("3 già in isolamento")


async def test_sign_in_refuses_a_forwarded_contact_and_locks_after_three_failures(
    harness: Harness, admin: ChatUser
):
    tokens = await load_register(admin)
    citizen = harness.user(501, "Mario")
    await citizen.send(f"/start {tokens['ROSSI MARIO']}")
    await citizen.expect("Condividi il mio numero")
    # Someone else's card (forwarded): refused, whatever the number.
    await citizen.forward_contact("+393331112222", owner_user_id=777)
    await citizen.expect("non è il tuo numero")
    await citizen.share_contact("393331112222")
    await citizen.expect("codice fiscale")
    await citizen.send(ANNA_CF)  # a valid code, not this person's
    await citizen.expect("non corrispondono")
    await citizen.send(PAOLO_CF)
    message = await citizen.expect("non corrispondono")
    assert "telefono" not in (message.text or "").lower()  # never which half was wrong
    await citizen.send(GIULIA_CF)
    await citizen.expect("Troppi tentativi")
    # Locked: even the right pair is not looked at for 30 minutes.
    await citizen.send(f"/start {tokens['ROSSI MARIO']}")
    await citizen.expect("Troppi tentativi")
    harness.clock.advance(minutes=31)
    await sign_in(citizen, tokens["ROSSI MARIO"], "393331112222", MARIO_CF.lower())
    await citizen.expect("Isolamento dal 12/11 – giorno 5")
    await citizen.expect("prenotabile dal 22/11")
    # The messages with the number and the codice fiscale are gone from the chat.
    assert not any(MARIO_CF in (text or "").upper() for _, text in citizen.transcript[-3:] if _ == "user")
    # The link is single-use: a stranger who found it gets nothing.
    stranger = harness.user(999, "Sconosciuto")
    await stranger.send(f"/start {tokens['ROSSI MARIO']}")
    await stranger.expect("non è valido")
    await stranger.send("📝 Diario")
    await stranger.expect("ha ricevuto il link via SMS")


async def test_a_wrong_phone_fails_like_a_wrong_code(harness: Harness, admin: ChatUser):
    tokens = await load_register(admin)
    citizen = harness.user(502, "Mario")
    await citizen.send(f"/start {tokens['ROSSI MARIO']}")
    await citizen.share_contact("393339999999")
    await citizen.send(MARIO_CF)
    await citizen.expect("non corrispondono")


async def test_a_parent_switches_between_two_children(harness: Harness, admin: ChatUser):
    tokens = await load_register(admin)
    parent = harness.user(503, "Mamma")
    await sign_in(parent, tokens["ROSSI GIULIA"], "+393334445555", GIULIA_CF)
    await sign_in(parent, tokens["ROSSI LUCA"], "+393334445555", LUCA_CF)
    await parent.expect("Stai operando per: <b>L.R., 10 anni</b>".replace("<b>", "").replace("</b>", ""))
    await parent.tap("Passa a G.R., 12 anni")
    await parent.expect("Ora stai operando per G.R., 12 anni")
    await parent.expect("Isolamento dal 12/11")
    await parent.send("🧪 Tampone")
    await parent.expect("dal 22/11")
