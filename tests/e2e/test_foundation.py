"""Admins load schools and invite referents; referents join; strangers are kept out."""

from __future__ import annotations

from datetime import timedelta

from telegram import BotCommandScopeChat

from domain.invitations import hash_invitation_code
from emulator.driver import ChatUser
from tests.e2e.steps import PLESSO_MILANO, PLESSO_MILANO_2, invite, join
from tests.harness import ADMIN_MILANO, ADMIN_VALPADANA, Harness

GOOD_AND_BAD_CSV = (
    "\ufeffcodice_meccanografico;denominazione;comune;indirizzo;tipo_scuola;sentinella;ats\n"
    "MIEE99901A;Scuola Primaria Nuova;Milano;Via Nuova 1;primaria;si;ATS-MILANO\n"
    "MIEE99902B;Scuola Senza Comune;Paperopoli;Via X;primaria;no;ATS-MILANO\n"
    "BADCODE;Scuola Codice Errato;Milano;Via Y;primaria;no;ATS-MILANO\n"
    "CREE99903C;Scuola di Cremona;Cremona;Via Z;primaria;si;ATS-VALPADANA\n"
).encode()


async def test_admin_loads_schools_and_sees_refused_rows(harness: Harness, admin: ChatUser) -> None:
    await admin.send("/scuole")
    await admin.expect("Plessi caricati")
    await admin.send_file("plessi.csv", GOOD_AND_BAD_CSV, mime_type="text/csv")
    result = await admin.expect("Caricamento completato")
    assert "Aggiunti: 1" in (result.text or "")
    assert result.text is not None
    assert "riga 3" in result.text and "riga 4" in result.text and "riga 5" in result.text
    assert "ATS-VALPADANA" in result.text
    assert await harness.svc.plessi.get("MIEE99901A") is not None
    assert await harness.svc.plessi.get("CREE99903C") is None
    await admin.send("/scuole")
    counts = await admin.expect("Plessi caricati")
    assert "ATS-MILANO" in (counts.text or "")


async def test_admin_loads_an_excel_unicode_text_file(harness: Harness, admin: ChatUser) -> None:
    # Excel's «Salva con nome → Testo Unicode (*.txt)» renamed .csv: UTF-16 LE with its
    # byte-order mark, cells separated by tabs. Read as Windows-1252 it was all "ÿþc\x00o…".
    utf16 = GOOD_AND_BAD_CSV.decode("utf-8").replace(";", "\t").replace("\n", "\r\n")
    await admin.send("/scuole")
    await admin.expect("Plessi caricati")
    await admin.send_file("plessi.csv", utf16.encode("utf-16-le"), mime_type="text/csv")
    result = await admin.expect("Caricamento completato")
    assert "Aggiunti: 1" in (result.text or "")
    plesso = await harness.svc.plessi.get("MIEE99901A")
    assert plesso is not None and plesso.name == "Scuola Primaria Nuova"


async def test_file_with_broken_encoding_is_refused_whole(
    harness: Harness, admin: ChatUser
) -> None:
    before = await harness.svc.plessi.counts(None)
    await admin.send("/scuole")
    await admin.expect("CSV")
    latin1 = GOOD_AND_BAD_CSV.decode("utf-8-sig").replace("Cremona", "Crèmona").encode("latin-1")
    await admin.send_file("plessi.csv", latin1)
    await admin.expect("File rifiutato")
    assert await harness.svc.plessi.counts(None) == before
    await admin.send_file("plessi.csv", b"nome,cognome\nA,B\n")
    await admin.expect("File rifiutato")
    assert await harness.svc.plessi.counts(None) == before


async def test_text_instead_of_file_asks_again(admin: ChatUser) -> None:
    await admin.send("/scuole")
    await admin.expect("CSV")
    await admin.send_sticker()
    await admin.expect("Mi serve un file")


async def test_referent_joins_through_the_deep_link(harness: Harness, admin: ChatUser) -> None:
    code = await invite(admin)
    referent = harness.user(200, "Maria")
    await join(referent, code)
    stored = await harness.svc.referents.by_user(200)
    assert stored is not None
    assert stored.full_name == "MARIA ROSSI"
    assert stored.phone == "+393331234567"
    assert stored.plessi == (PLESSO_MILANO,)
    await referent.send("/aiuto")
    await referent.expect("Comandi per i referenti")


async def test_code_typed_after_start_and_wrong_answers_asked_again(
    harness: Harness, admin: ChatUser
) -> None:
    code = await invite(admin)
    referent = harness.user(201, "Luca")
    await referent.send("/start")
    await referent.expect("codice di invito")
    await referent.send(code.lower())
    await referent.expect("nome e cognome")
    await referent.send("Luca")
    await referent.expect("nome e cognome")
    await referent.send("Luca Bianchi")
    await referent.expect("telefono")
    await referent.send("12")
    await referent.expect("telefono")
    await referent.send("+39 02 1234 5678")
    await referent.expect("e-mail")
    await referent.send("non-una-mail")
    await referent.expect("e-mail")
    await referent.send("luca@example.it")
    await referent.expect("Controlla i tuoi dati")
    await referent.send("ok")
    await referent.expect("pulsanti")
    await referent.tap("Conferma")
    await referent.expect("Ora sei referente")


async def test_non_text_at_a_text_step_asks_the_same_question(
    harness: Harness, admin: ChatUser
) -> None:
    code = await invite(admin)
    referent = harness.user(202)
    await referent.send(f"/start {code}")
    await referent.expect("nome e cognome")
    await referent.send_sticker()
    await referent.expect("risposta scritta")
    await referent.expect("nome e cognome")
    await referent.send_photo()
    await referent.expect("nome e cognome")


async def test_restart_mid_conversation_resumes_at_the_same_step(
    harness: Harness, admin: ChatUser
) -> None:
    code = await invite(admin)
    referent = harness.user(203)
    await referent.send(f"/start {code}")
    await referent.expect("nome e cognome")
    await referent.send("Giulia Verdi")
    await referent.expect("telefono")
    await harness.restart_bot()
    await referent.send("3331234567")
    await referent.expect("e-mail")
    await referent.send("giulia@example.it")
    summary = await referent.expect("Controlla i tuoi dati")
    assert "Giulia Verdi" in (summary.text or "")
    await referent.tap("Conferma")
    await referent.expect("Ora sei referente")


async def test_wrong_codes_lock_out_for_an_hour(harness: Harness, admin: ChatUser) -> None:
    code = await invite(admin)
    intruder = harness.user(204)
    for attempt in range(4):
        await intruder.send(f"/start WRONGCODE{attempt:03d}")
        await intruder.expect("non è valido")
    await intruder.send("/start ZZZZZZZZZZZZ")
    await intruder.expect("Troppi codici errati")
    await intruder.send(f"/start {code}")
    await intruder.expect("Troppi codici errati")
    assert await harness.svc.referents.by_user(204) is None
    harness.clock.advance(minutes=61)
    await join(intruder, code)


async def test_used_and_expired_invitations(harness: Harness, admin: ChatUser) -> None:
    code = await invite(admin)
    await join(harness.user(205), code)
    late = harness.user(206)
    await late.send(f"/start {code}")
    await late.expect("già stato usato")
    second = await invite(admin)
    harness.clock.advance(days=8)
    await late.send(f"/start {second}")
    await late.expect("scaduto")


async def test_stranger_gets_one_short_answer(stranger: ChatUser) -> None:
    await stranger.send("ciao")
    await stranger.expect("Non sei registrato")
    await stranger.send("/scuole")
    await stranger.expect("Non sei registrato")
    await stranger.send("/invita MIEE8AB01T")
    await stranger.expect("Non sei registrato")


async def test_referent_cannot_use_admin_commands(harness: Harness, admin: ChatUser) -> None:
    referent = harness.user(207)
    await join(referent, await invite(admin))
    await referent.send("/scuole")
    await referent.expect("riservato agli operatori ATS")
    await referent.send("/revoca")
    await referent.expect("riservato agli operatori ATS")


async def test_admin_of_another_ats_cannot_invite_here(harness: Harness) -> None:
    other = harness.user(ADMIN_VALPADANA)
    await other.send(f"/invita {PLESSO_MILANO}")
    await other.expect("Non trovo il plesso")


async def test_cancel_mid_flow_then_nothing_in_progress(harness: Harness, admin: ChatUser) -> None:
    code = await invite(admin)
    referent = harness.user(208)
    await referent.send(f"/start {code}")
    await referent.expect("nome e cognome")
    await referent.send("/annulla")
    # The code is an answer already given: /annulla asks first (issue 22).
    await referent.expect("Vuoi davvero annullare?")
    await referent.tap("Sì")
    await referent.expect("Operazione annullata")
    await referent.send("/annulla")
    await referent.expect("nessuna operazione in corso")
    await referent.send("Mario Neri")
    await referent.expect("Non sei registrato")


async def test_admin_lists_and_revokes_a_referent(harness: Harness, admin: ChatUser) -> None:
    referent = harness.user(209)
    await join(referent, await invite(admin), name="Paola Gialli")
    await admin.send("/referenti")
    listing = await admin.expect("PAOLA GIALLI")
    assert PLESSO_MILANO in (listing.text or "")
    await admin.send("/revoca")
    await admin.expect("Di chi vuoi revocare")
    await admin.tap("PAOLA GIALLI")
    await admin.expect("Revocare a")
    await admin.tap("Sì")
    await admin.expect("Accesso revocato")
    await referent.expect("revocato")
    await referent.send("/aiuto")
    await referent.expect("accesso a Sentinella è stato revocato")
    stored = await harness.svc.referents.by_user(209)
    assert stored is not None and stored.plessi == ()


async def test_revoked_referent_is_stopped_mid_conversation(
    harness: Harness, admin: ChatUser
) -> None:
    referent = harness.user(210)
    await join(referent, await invite(admin))
    second_code = await invite(admin, PLESSO_MILANO_2)
    await referent.send("/nuovocaso")
    await referent.expect("Classe (obbligatoria)")
    await referent.send("3B")
    await referent.expect("Ruolo del caso")
    await admin.send("/revoca")
    await admin.tap("MARIA ROSSI")
    await admin.tap("Sì")
    await admin.expect("Accesso revocato")
    await referent.expect("revocato")
    # The very next message, an answer in the middle of the case form, is refused.
    await referent.send("Bianchi")
    await referent.expect("accesso a Sentinella è stato revocato")
    await referent.tap_stale("Studente")
    await referent.expect("accesso a Sentinella è stato revocato")
    assert await harness.svc.conversations.states("case") == {}
    assert await harness.svc.conversations.load("case", (210, 210)) == {}
    # A new invitation brings them back, with nothing of the abandoned form.
    await referent.send(f"/start {second_code}")
    await referent.expect("anche per")
    await referent.send("3")
    await referent.expect("Non ho capito")


async def test_command_menus_per_role(harness: Harness, admin: ChatUser) -> None:
    await admin.send("/start")
    await admin.expect("operatore ATS")
    await admin.expect("Comandi per gli operatori ATS")  # sent after the menu is set
    default = [c for c, _ in harness.emulator.commands(None)]
    assert "annulla" in default and "scuole" not in default
    admin_menu = [c for c, _ in harness.emulator.commands(BotCommandScopeChat(ADMIN_MILANO))]
    assert "scuole" in admin_menu and "invita" in admin_menu


async def test_stale_button_after_the_flow_ended(harness: Harness, admin: ChatUser) -> None:
    referent = harness.user(211)
    await join(referent, await invite(admin))
    await referent.tap_stale("Conferma")
    await referent.expect_no_reply()
    assert await harness.svc.referents.by_user(211) is not None


async def test_clock_is_the_tests(harness: Harness, admin: ChatUser) -> None:
    harness.clock.advance(days=1)
    code = await invite(admin)
    invitation = await harness.svc.invitations.by_hash(hash_invitation_code(code))
    assert invitation is not None
    assert invitation.expires_at == harness.clock() + timedelta(days=7)


async def test_impatient_answers_are_applied_in_order(harness: Harness, admin: ChatUser) -> None:
    code = await invite(admin)
    referent = harness.user(212)
    # Everything typed at once, without waiting for the questions.
    await referent.send(f"/start {code}")
    await referent.send("Anna Blu")
    await referent.send("3339876543")
    await referent.send("anna.blu@example.it")
    summary = await referent.expect("Controlla i tuoi dati")
    text = summary.text or ""
    assert "Anna Blu" in text and "+39 333 987 6543" in text and "anna.blu@example.it" in text
