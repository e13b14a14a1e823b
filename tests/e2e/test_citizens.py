"""Citizens in isolation (issue 19), end to end: the register, the sign-in, the menu, the
diary, the household members and the ATS desk, played as the people would."""

from __future__ import annotations

import csv
import io
import re
import sqlite3

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
    await admin.send("/positivi")
    await admin.expect("registro dei positivi")
    await admin.send_file("positivi.csv", content.encode("utf-8"), "text/csv")
    await admin.expect("Registro caricato")
    document = await admin.document()
    assert document.document is not None
    rows = list(
        csv.reader(io.StringIO(document.document.content.decode("utf-8-sig")), delimiter=";")
    )
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


def db_rows(
    harness: Harness, sql: str, params: tuple[object, ...] = ()
) -> list[tuple[object, ...]]:
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
    await admin.send("/positivi")
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
    assert not any(
        MARIO_CF in (text or "").upper() for _, text in citizen.transcript[-3:] if _ == "user"
    )
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
    # Given up half-way: the codice fiscale and the number do not stay in the chat.
    await citizen.send("/annulla")
    await citizen.expect("Vuoi davvero annullare?")  # the sign-in holds the shared number
    await citizen.tap("Sì")
    await citizen.expect("annullata")
    left = [str(m) for m in harness.emulator.user_messages(502)]
    assert not any(MARIO_CF in text or "393339999999" in text for text in left), left


async def test_a_parent_switches_between_two_children(harness: Harness, admin: ChatUser):
    tokens = await load_register(admin)
    parent = harness.user(503, "Mamma")
    await sign_in(parent, tokens["ROSSI GIULIA"], "+393334445555", GIULIA_CF)
    await sign_in(parent, tokens["ROSSI LUCA"], "+393334445555", LUCA_CF)
    await parent.expect(
        "Stai operando per: <b>L.R., 10 anni</b>".replace("<b>", "").replace("</b>", "")
    )
    await parent.tap("Passa a G.R., 12 anni")
    await parent.expect("Ora stai operando per G.R., 12 anni")
    await parent.expect("Isolamento dal 12/11")
    await parent.send("🧪 Tampone")
    await parent.expect("dal 22/11")


async def signed_in_mario(harness: Harness, admin: ChatUser, user_id: int = 510) -> ChatUser:
    tokens = await load_register(admin)
    citizen = harness.user(user_id, "Mario")
    await sign_in(citizen, tokens["ROSSI MARIO"], "+393331112222", MARIO_CF)
    return citizen


async def test_a_diary_day_without_symptoms_and_one_with_a_red_flag(
    harness: Harness, admin: ChatUser
):
    citizen = await signed_in_mario(harness, admin)
    await citizen.send("📝 Diario")
    await citizen.expect("Come stai oggi?")
    await citizen.tap("Nessun sintomo")
    await citizen.tap("Salva")
    await citizen.expect("Diario di 17/11/2026 salvato")
    # The next day: symptoms, first time → since when, temperature, a red flag.
    harness.clock.advance(days=1)
    await citizen.send("📝 Diario")
    await citizen.tap("Ho sintomi")
    await citizen.tap("Tosse")
    await citizen.tap("Olfatto")
    await citizen.tap("Avanti")
    await citizen.expect("Da quando hai i sintomi?")
    await citizen.send("20/11/2026")  # the future: refused
    await citizen.expect("non può essere nel futuro")
    await citizen.send("ieri")
    await citizen.expect("temperatura")
    await citizen.send("45")
    await citizen.expect("non è una temperatura")
    await citizen.send("38,2")
    await citizen.expect("Hai uno di questi segni?")
    await citizen.tap("Dolore al petto")
    await citizen.expect("Chiama subito il 112")  # at once, before saving
    await citizen.tap("Avanti")
    await citizen.expect("temperatura 38,2 °C")
    await citizen.tap("Salva")
    await citizen.expect("Chiama subito il 112")
    # The ATS's admin is told at once; the regional admin too; another ATS's is not.
    await admin.expect("Segnale di allarme")
    regional = harness.user(ADMIN_REGIONAL, "Regione")
    await regional.expect("Segnale di allarme")
    rows = db_rows(
        harness, "SELECT day, symptoms, temperature, red_flags FROM diary_entries ORDER BY day"
    )
    assert rows == [
        ("2026-11-17", "", None, ""),
        ("2026-11-18", "tosse,olfatto", 38.2, "petto"),
    ]
    assert db_rows(harness, "SELECT onset FROM citizens WHERE codice_fiscale = ?", (MARIO_CF,)) == [
        ("2026-11-17",)
    ]
    # The desk: red flag first; the grid shows D0..today.
    await admin.send("/isolamenti")
    listing = await admin.expect("Isolamenti")
    assert (listing.text or "").index("Segnali di allarme") < (listing.text or "").index(
        "ROSSI MARIO"
    )
    await admin.tap("ROSSI")
    detail = await admin.expect("Diario")
    assert "RS…5K" in (detail.text or "") and MARIO_CF not in (detail.text or "")
    assert "⚪⚪⚪⚪⚪🟢🔴" in (detail.text or "")
    # The same grid as a picture, sent before the text (whose buttons stay last).
    picture = next(m for m in reversed(admin.messages) if m.photo is not None)
    assert picture.photo is not None and picture.photo.startswith(b"\x89PNG")
    assert "Giorni dell'isolamento #1" in (picture.caption or "")
    assert MARIO_CF not in (picture.caption or "") and "ROSSI" not in (picture.caption or "")
    await admin.tap("Allarme gestito")
    await admin.expect("segnato come gestito")


async def test_only_today_and_yesterday_and_a_restart_mid_diary(harness: Harness, admin: ChatUser):
    citizen = await signed_in_mario(harness, admin)
    await citizen.send("/diario")
    await citizen.tap("Scrivi o correggi ieri")
    await citizen.expect("Come stavi ieri?")
    await citizen.tap("Ho sintomi")
    await citizen.tap("Mal di gola")
    # The bot dies mid-diary and comes back: the answers are still there.
    await harness.restart_bot()
    await citizen.tap("Avanti")
    await citizen.expect("Da quando hai i sintomi?")
    await citizen.send("ieri")
    await citizen.tap("Salta")
    await citizen.tap("Avanti")
    await citizen.expect("Mal di gola")
    # Two days later the review of that day can no longer be saved.
    harness.clock.advance(days=2)
    await citizen.tap("Salva")
    await citizen.expect("solo oggi e ieri")
    assert db_rows(harness, "SELECT COUNT(*) FROM diary_entries") == [(0,)]


async def test_household_members_added_refused_and_locked(harness: Harness, admin: ChatUser):
    tokens = await load_register(admin)
    citizen = harness.user(520, "Mario")
    await sign_in(citizen, tokens["ROSSI MARIO"], "+393331112222", MARIO_CF)

    async def add(
        cf: str, surname: str = "Bianchi", name: str = "Anna", last: str | None = None
    ) -> None:
        await citizen.send("🏠 Conviventi")
        await citizen.tap("Aggiungi un convivente")
        await citizen.send(surname)
        await citizen.send(name)
        await citizen.expect("Codice fiscale")
        await citizen.send(cf)
        await citizen.expect("Cellulare")
        await citizen.tap("Salta")
        if last is None:
            await citizen.tap("Vive ancora con me")
        else:
            await citizen.expect("ultimo contatto")
            await citizen.send(last)
        await citizen.tap("No")
        await citizen.expect("Frequenta una scuola")
        await citizen.send("MIEE8AB01T 3a")
        await citizen.tap("Salva")

    await add(ANNA_CF)
    await citizen.expect("Convivente aggiunto")
    listing = await citizen.expect("Conviventi di M.R.")
    assert "BN…5N" in (listing.text or "") and "MIEE8AB01T 3A" in (listing.text or "")
    # Corrected from the list: one answer changed, the others kept.
    await citizen.tap("Modifica BIANCHI")
    await citizen.expect("Controlla")
    await citizen.tap("Cambia cellulare")
    await citizen.send("333 999 0000")
    await citizen.expect("Controlla")
    await citizen.tap("Salva")
    await citizen.expect("Convivente aggiornato")
    assert db_rows(harness, "SELECT surname, phone, school FROM household_members") == [
        ("BIANCHI", "+393339990000", "MIEE8AB01T 3A")
    ]
    # The same codice fiscale again: refused at once, at its step.
    await citizen.send("🏠 Conviventi")
    await citizen.tap("Aggiungi un convivente")
    await citizen.send("Bianchi")
    await citizen.send("Anna")
    await citizen.send(ANNA_CF)
    await citizen.expect("già nell'elenco")
    await citizen.send(MARIO_CF)  # the positive person themselves
    await citizen.expect("già nell'elenco")
    await citizen.send("/annulla")
    await citizen.expect("Vuoi davvero annullare?")  # surname and name typed already
    await citizen.tap("Sì")
    await add(GIULIA_CF, "Rossi", "Giulia", last="15/11/2026")  # in the register herself
    await citizen.expect("riceverà un proprio messaggio")
    await citizen.expect("Conviventi di M.R.")  # the list comes after the deletion
    assert db_rows(harness, "SELECT COUNT(*) FROM household_members") == [(2,)]
    # The codice fiscale messages are gone from the chat, also those of the add cancelled
    # half-way (deleted as soon as read); the saved members' other answers too.
    left = [m.get("text", "") for m in harness.emulator.user_messages(520)]
    assert not {ANNA_CF, GIULIA_CF, MARIO_CF, "Giulia", "15/11/2026"} & set(left)
    # The ATS takes them in charge: read-only.
    await admin.send("/isolamento 1")
    await admin.expect("quarantena fino al 29/11/2026")
    await admin.tap("Prendi in carico i conviventi")
    await admin.expect("presi in carico")
    await citizen.send("🏠 Conviventi")
    locked = await citizen.expect("preso in carico")
    assert "BIANCHI ANNA" in (locked.text or "") and not locked.buttons
    await citizen.tap_stale("Elimina BIANCHI")
    await citizen.expect_answer("non si può più eliminare")
    await citizen.tap_stale("Modifica BIANCHI")
    await citizen.expect_answer("né modificare")
    assert db_rows(harness, "SELECT COUNT(*) FROM household_members") == [(2,)]


async def test_the_ats_closes_an_isolation_and_links_a_chat_by_hand(
    harness: Harness, admin: ChatUser
):
    citizen = await signed_in_mario(harness, admin)
    # Another ATS's admin does not see the person.
    other = harness.user(102, "Valpadana")
    await other.send("/isolamento 1")
    await other.expect("Non trovo questa persona")
    # A parent whose phone is not the laboratory's: linked by hand, with the code they read.
    parent = harness.user(530, "Papà")
    await parent.send("/collega 2 530")  # not an admin: refused
    await parent.expect("Non sei registrato")
    await admin.send("/collega 2 530")
    await admin.expect("Chat collegata all'isolamento #2")
    await parent.send("/start")
    await parent.expect("Isolamento dal 12/11")
    await admin.send("/isolamento 1")
    await admin.tap("Chiudi l'isolamento")
    await admin.expect("Isolamento #1 chiuso")
    await citizen.expect("ha chiuso l'isolamento di M.R.")
    await citizen.send("📝 Diario")
    await citizen.expect("L'isolamento è concluso")
    audit = db_rows(harness, "SELECT action FROM audit_log WHERE entity = 'citizen' ORDER BY id")
    assert ("citizen.close",) in audit and ("citizen.link",) in audit


async def test_a_week_of_diary_with_the_reminders_and_the_nudge(harness: Harness, admin: ChatUser):
    from datetime import datetime

    from reminders import citizens as citizen_reminders
    from tests.harness import ROME

    assert harness.application is not None
    application = harness.application

    async def remind() -> int:
        return await citizen_reminders.run_due(application)

    citizen = await signed_in_mario(harness, admin)
    # 09:30, past the default 08:00 and nothing written: the prompt, once.
    assert await remind() == 1
    await citizen.expect("È l'ora del diario di oggi per M.R.")
    assert await remind() == 0
    harness.clock.advance(hours=3, minutes=59)
    assert await remind() == 0
    harness.clock.advance(minutes=1)
    assert await remind() == 1
    await citizen.expect("Non hai ancora scritto il diario")
    assert await remind() == 0
    # 24 hours without an entry: "non risponde" for the ATS.
    harness.clock.advance(hours=21)  # Wednesday 10:30
    await admin.send("/isolamenti")
    await admin.expect("Non rispondono")
    # A week: written each morning, so no nudge; the hour moved to 12:00 on Friday.
    for day in range(18, 25):
        harness.clock.set(datetime(2026, 11, day, 7, 0, tzinfo=ROME))
        assert await remind() == 0  # before the hour
        harness.clock.set(datetime(2026, 11, day, 8, 0, tzinfo=ROME))
        expected = 1 if day in (18, 19, 20) else 0  # from Saturday 21 the hour is 12:00
        assert await remind() == expected, day
        await citizen.send("📝 Diario")
        await citizen.tap("Nessun sintomo")
        await citizen.tap("Salva")
        await citizen.expect("salvato")
        harness.clock.set(datetime(2026, 11, day, 16, 0, tzinfo=ROME))
        assert await remind() == 0
        if day == 20:
            await citizen.send("/orario")
            await citizen.tap("12:00")
            await citizen.expect("Promemoria alle 12:00")
    # /pausa on Tuesday 24: nothing on Wednesday 25, not even at noon.
    await citizen.send("/pausa")
    await citizen.expect("niente promemoria fino a 25/11/2026")
    harness.clock.set(datetime(2026, 11, 25, 12, 30, tzinfo=ROME))
    assert await remind() == 0
    # Thursday 26 at noon: the prompt again; the ATS closes the isolation: none after.
    harness.clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=ROME))
    assert await remind() == 1
    await admin.send("/isolamento 1")
    await admin.tap("Chiudi l'isolamento")
    await admin.expect("chiuso")
    harness.clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=ROME))
    assert await remind() == 0
    assert db_rows(harness, "SELECT COUNT(*) FROM diary_entries") == [(7,)]


async def test_the_console_demo_citizen(harness: Harness, admin: ChatUser):
    from emulator.demo import seed_demo_citizen

    citizen_id = await seed_demo_citizen(harness.svc, ADMIN_MILANO, 3001)
    assert citizen_id and await seed_demo_citizen(harness.svc, ADMIN_MILANO, 3001) == 0
    citizen = harness.user(3001, "Cittadino")
    await citizen.send("/start")
    await citizen.expect("Isolamento dal 12/11 – giorno 5")
    await citizen.send("📘 Istruzioni")
    await citizen.expect("116117")
    await citizen.send("ciao, come funziona?")  # anything else: their menu, not "registrati"
    await citizen.expect("Isolamento dal 12/11")
    await citizen.send("/aiuto")
    await citizen.expect("/pausa")
    await admin.send("/aiuto")
    await admin.expect("/isolamenti")
    await admin.send("/isolamenti")
    await admin.expect("ROSSI MARIO")


async def test_the_ats_corrects_dates_writes_and_exports(harness: Harness, admin: ChatUser):
    citizen = await signed_in_mario(harness, admin)
    await admin.send("/d0 1 14/11/2026 11/11/2026")
    await admin.expect("Date dell'isolamento #1 corrette")
    await admin.send("/d0 1 30/11/2026")
    await admin.expect("non può essere nel futuro")
    await citizen.send("/start")
    await citizen.expect("Isolamento dal 14/11 – giorno 3")
    await citizen.expect("prenotabile dal 21/11")  # 10 days from the onset of 11/11
    await admin.send("/scrivi 1 Domani alle 10 la chiamiamo per il tampone.")
    await admin.expect("Messaggio inviato alla persona #1")
    await citizen.expect("Domani alle 10 la chiamiamo")
    other = harness.user(102, "Valpadana")
    await other.send("/scrivi 1 <b>ciao</b>")
    await other.expect("Non trovo questa persona")
    await admin.send("/isolamenti")
    await admin.tap("Esporta")
    document = await admin.document()
    assert document.document is not None and document.document.content.startswith(b"PK")
    assert "3 persone" in (document.caption or "")
    audit = db_rows(harness, "SELECT action, details FROM audit_log WHERE action LIKE 'export.%'")
    assert audit and audit[0][0] == "export.isolations" and MARIO_CF not in str(audit)


async def test_the_desk_filters_by_comune(harness: Harness, admin: ChatUser):
    register = "\n".join(
        [
            HEADER + ";comune",
            f"{MARIO_CF};Rossi;Mario;10/04/1985;333 111 2222;12/11/2026;;Milano",
            f"{ANNA_CF};Bianchi;Anna;12/12/1980;333 777 8888;13/11/2026;;Lodi (LO)",
            f"{PAOLO_CF};Verdi;Paolo;01/01/1979;333 777 9999;13/11/2026;;Atlantide",
        ]
    )
    await load_register(admin, register)
    report = admin.messages[-2].text or ""
    assert "riga 4" in report and "Atlantide" in report
    await admin.send("/isolamenti Lodi")
    listing = await admin.expect("Isolamenti")
    assert "BIANCHI ANNA" in (listing.text or "") and "ROSSI" not in (listing.text or "")
    assert "Lodi (LO)" in (listing.text or "")
    await admin.send("/isolamenti Atlantide")
    await admin.expect("non risulta tra i comuni")
    await admin.send("/isolamenti Bergamo")
    await admin.expect("Nessuna persona in isolamento in questo comune")
    await admin.send("/isolamento 1")
    await admin.expect("comune Milano (MI)")


async def test_a_red_flag_that_reached_no_admin_is_pushed_again(harness: Harness, admin: ChatUser):
    from reminders import citizens as citizen_reminders

    citizen = await signed_in_mario(harness, admin)
    regional = harness.user(ADMIN_REGIONAL, "Regione")
    await admin.block()
    await regional.block()
    await citizen.send("📝 Diario")
    await citizen.tap("Ho sintomi")
    await citizen.tap("Avanti")
    await citizen.send("oggi")
    await citizen.tap("Salta")
    await citizen.tap("Labbra bluastre")
    await citizen.tap("Avanti")
    await citizen.tap("Salva")
    await citizen.expect("salvato")
    assert db_rows(harness, "SELECT pushed_at FROM citizen_alerts") == [(None,)]
    await admin.unblock()
    await regional.unblock()
    assert harness.application is not None
    assert await citizen_reminders.push_alerts(harness.application) == 2
    await admin.expect("Segnale di allarme")
    await regional.expect("Segnale di allarme")
    assert await citizen_reminders.push_alerts(harness.application) == 0  # never twice
