"""Swab booking (issue 20), end to end: the ATS loads its points and slots, a person in
isolation books the recovery swab from the day the rules allow it, cancels and moves it,
the ATS posts the result and the isolation closes, a day is closed and its holders told."""

from __future__ import annotations

import asyncio
import re

from emulator.driver import ChatUser
from tests.e2e.steps import referent_of
from tests.e2e.test_citizens import (
    GIULIA_CF,
    MARIO_CF,
    PAOLO_CF,
    db_rows,
    load_register,
    sign_in,
    signed_in_mario,
)
from tests.harness import Harness

# The clock: Tuesday 17/11/2026 09:30. Mario's D0 is 12/11: the swab from 22/11.
SLOTS_HEADER = "punto;nome;indirizzo;comune;note;data;dalle;alle;durata;posti;tipo"
SLOTS = "\n".join(
    [
        SLOTS_HEADER,
        "NIG;Niguarda;Piazza Ospedale Maggiore 3;Milano;;18/11/2026;09:00;10:00;20;2;prenotati",
        "NIG;Niguarda;Piazza Ospedale Maggiore 3;Milano;;22/11/2026;10:00;11:00;20;1;prenotati",
        "NIG;Niguarda;Piazza Ospedale Maggiore 3;Milano;;23/11/2026;09:00;10:00;30;3;prenotati",
        "SAC;Sacco;Via G.B. Grassi 74;Milano;;22/11/2026;08:00;09:00;30;5;accesso diretto",
        "SAC;Sacco;Via G.B. Grassi 74;Milano;;31/02/2026;08:00;09:00;30;5;prenotati",  # no day
        "SAC;Sacco;Via G.B. Grassi 74;Milano;;24/11/2026;12:00;11:00;30;5;prenotati",  # reversed
        "SAC;;Via G.B. Grassi 74;Milano;;24/11/2026;08:00;09:00;30;0;boh",  # three problems
    ]
)


async def load_slots(admin: ChatUser, content: str = SLOTS) -> str:
    await admin.send("/puntitampone")
    await admin.expect("punti tampone")
    await admin.send_file("punti.csv", content.encode("utf-8"), "text/csv")
    message = await admin.expect("Punti tampone caricati")
    return message.text or ""


REFERRALS_HEADER = "codice_fiscale;cognome;nome;data_nascita;telefono;medico"
PAOLO_REFERRAL = f"{PAOLO_CF};Verdi;Paolo;01/01/1979;333 999 0000;Dott. Bianchi"


async def referral_token(admin: ChatUser, *lines: str) -> str:
    """The ATS loads the doctors' referrals (Paolo's by default): the token of the first
    link in the file it gets back."""
    await admin.send("/segnalazioni")
    await admin.expect("segnalazioni dei medici")
    content = "\n".join([REFERRALS_HEADER, *(lines or [PAOLO_REFERRAL])]) + "\n"
    await admin.send_file("segnalazioni.csv", content.encode(), "text/csv")
    document = await admin.document()
    assert document.document is not None
    found = re.search(r"\?start=(rf[A-Z0-9]+)", document.document.content.decode("utf-8-sig"))
    assert found is not None
    return found.group(1)


async def referred_patient(harness: Harness, user_id: int, token: str) -> ChatUser:
    """Paolo opens his referral's link and signs in (his own number, his codice fiscale):
    up to the red-flag question."""
    patient = harness.user(user_id, "Paolo")
    await patient.send(f"/start {token}")
    await patient.expect("Condividi il mio numero")
    await patient.share_contact("393339990000")
    await patient.expect("codice fiscale")
    await patient.send(PAOLO_CF)
    await patient.expect("hai uno di questi segni?")
    return patient


async def test_points_and_slots_loaded_with_bad_rows(harness: Harness, admin: ChatUser):
    report = await load_slots(admin)
    assert "2 punti" in report and "10 fasce" in report  # 3 + 3 + 2 + 2 (direct)
    assert "riga 6" in report and "riga 7" in report and "riga 8" in report
    assert "riga 2" not in report
    assert "prima dell'apertura" in report
    assert "manca nome" in report and "tipo «boh» sconosciuto" in report
    slots = db_rows(harness, "SELECT COUNT(*), SUM(places) FROM swab_slots")
    assert slots == [(10, 3 * 2 + 3 * 1 + 2 * 3 + 2 * 5)]
    # A referent or a citizen cannot load points.
    citizen = await signed_in_mario(harness, admin)
    await citizen.send("/puntitampone")
    await citizen.expect("Non sei registrato")


async def test_recovery_booking_opens_on_day_ten_and_is_cancelled_and_moved(
    harness: Harness, admin: ChatUser
):
    await load_slots(admin)
    citizen = await signed_in_mario(harness, admin)
    await citizen.send("🧪 Tampone")
    await citizen.expect("Potrai prenotare il tampone di guarigione dal 22/11")
    assert "18/11" not in citizen.buttons()
    # Day 10: only the eligible days with free booking places (not the direct access).
    harness.clock.advance(days=5)
    await citizen.send("🧪 Tampone")
    await citizen.expect("scegli il giorno")
    assert citizen.buttons() == ["22/11", "23/11"]
    await citizen.tap("22/11")
    await citizen.expect("scegli l'orario")
    assert citizen.buttons() == ["10:00 – Niguarda", "10:20 – Niguarda", "10:40 – Niguarda"]
    await citizen.send("🧪 Tampone")
    await citizen.tap("23/11")
    await citizen.tap("09:00 – Niguarda")
    await citizen.expect("Confermi il tampone")
    await citizen.tap("✅ Prenota")
    booked = await citizen.expect("Prenotato")
    assert "Piazza Ospedale Maggiore 3" in (booked.text or "")
    code = db_rows(harness, "SELECT code FROM swab_bookings")[0][0]
    assert f"Codice: {code}" in (booked.text or "")
    # One booking per person.
    await citizen.send("🧪 Tampone")
    await citizen.expect("Hai un tampone prenotato")
    # Moved to 09:30: the old place goes back.
    await citizen.tap("🔁 Sposta")
    await citizen.tap("23/11")
    await citizen.tap("09:30 – Niguarda")
    await citizen.tap("✅ Prenota")
    await citizen.expect("Prenotato")
    assert db_rows(
        harness,
        "SELECT s.starts_at, b.cancel_reason FROM swab_bookings b"
        " JOIN swab_slots s ON s.id = b.slot_id ORDER BY b.id",
    ) == [("2026-11-23T09:00", "moved"), ("2026-11-23T09:30", None)]
    assert db_rows(harness, "SELECT SUM(booked) FROM swab_slots") == [(1,)]
    # Cancelled: then nothing is booked.
    await citizen.send("🧪 Tampone")
    await citizen.tap("❌ Annulla prenotazione")
    await citizen.expect("annullata")
    assert db_rows(harness, "SELECT SUM(booked) FROM swab_slots") == [(0,)]
    # Within two hours of the slot: neither moved nor cancelled.
    await citizen.send("🧪 Tampone")
    await citizen.tap("22/11")
    await citizen.tap("10:40 – Niguarda")
    await citizen.tap("✅ Prenota")
    await citizen.expect("Prenotato")
    await citizen.send("🧪 Tampone")
    await citizen.tap("❌ Annulla prenotazione")
    await citizen.expect("meno di 2 ore")
    assert db_rows(harness, "SELECT COUNT(*) FROM swab_bookings WHERE cancelled_at IS NULL") == [
        (1,)
    ]


async def test_a_symptomatic_diary_moves_the_date(harness: Harness, admin: ChatUser):
    citizen = await signed_in_mario(harness, admin)
    await citizen.send("📝 Diario")
    await citizen.tap("Ho sintomi")
    await citizen.tap("Tosse")
    await citizen.tap("Avanti")
    await citizen.expect("Da quando hai i sintomi?")
    await citizen.send("15/11/2026")
    await citizen.tap("Salta")
    await citizen.tap("Avanti")
    await citizen.tap("Salva")
    await citizen.expect("salvato")
    await citizen.send("🧪 Tampone")
    # Onset 15/11 + 10 = 25/11, later than D0 + 10 = 22/11.
    await citizen.expect("prenotare il tampone di guarigione dal 25/11")


async def test_two_at_once_for_the_last_place(harness: Harness, admin: ChatUser):
    """Both see the last place of 22/11 10:00 free and tap «Prenota» at the same moment:
    one books, the other is told it was just taken and offered the next."""
    await load_slots(admin)
    tokens = await load_register(admin)
    mario = harness.user(510, "Mario")
    await sign_in(mario, tokens["ROSSI MARIO"], "+393331112222", MARIO_CF)
    giulia = harness.user(540, "Mamma")
    await sign_in(giulia, tokens["ROSSI GIULIA"], "+393334445555", GIULIA_CF)
    harness.clock.advance(days=5)
    for person in (mario, giulia):
        await person.send("🧪 Tampone")
        await person.tap("22/11")
        await person.tap("10:00 – Niguarda")
        await person.expect("Confermi")
    await asyncio.gather(mario.tap("✅ Prenota"), giulia.tap("✅ Prenota"))
    for person in (mario, giulia):
        await person.expect("Confermi")  # the buttons closed: the booking was tried
    booked_by = db_rows(harness, "SELECT booked_by FROM swab_bookings")
    assert len(booked_by) == 1
    winner, loser = (mario, giulia) if booked_by[0][0] == 510 else (giulia, mario)
    await winner.expect("Prenotato")
    await loser.expect("appena stato occupato; ecco il prossimo libero: 22/11/2026 10:20")
    await loser.tap("✅ Prenota")
    await loser.expect("Prenotato")
    assert db_rows(
        harness, "SELECT starts_at, booked, places FROM swab_slots WHERE booked > 0"
    ) == [("2026-11-22T10:00", 1, 1), ("2026-11-22T10:20", 1, 1)]


async def test_results_are_told_and_a_negative_closes_the_isolation(
    harness: Harness, admin: ChatUser
):
    await load_slots(admin)
    citizen = await signed_in_mario(harness, admin)
    harness.clock.advance(days=5)
    await citizen.send("🧪 Tampone")
    await citizen.tap("22/11")
    await citizen.tap("10:00 – Niguarda")
    await citizen.tap("✅ Prenota")
    await citizen.expect("Prenotato")
    code = db_rows(harness, "SELECT code FROM swab_bookings")[0][0]
    # A citizen cannot post results.
    await citizen.send(f"/esito {code} negativo")
    await citizen.expect("Non sei registrato")
    # Positive: repeat from the day + 7; the isolation goes on.
    await admin.send(f"/esito {code} positivo")
    await admin.expect("Esito registrato")
    await citizen.expect("POSITIVO")
    await citizen.expect("ripeti il tampone dal 29/11/2026")
    await citizen.send("🧪 Tampone")
    await citizen.expect("dal 29/11")
    # Seven days later, booked again; the negative result comes by CSV, by codice fiscale.
    harness.clock.advance(days=7)
    await load_slots(
        admin,
        SLOTS_HEADER
        + "\nNIG;Niguarda;Piazza Ospedale Maggiore 3;Milano;;30/11/2026;09:00;10:00;20;2;prenotati",
    )
    await citizen.send("🧪 Tampone")
    await citizen.tap("30/11")
    await citizen.tap("09:00 – Niguarda")
    await citizen.tap("✅ Prenota")
    await citizen.expect("Prenotato")
    await admin.send("/esiti")
    await admin.expect("CSV degli esiti")
    csv = f"codice;data;esito\n{MARIO_CF};29/11/2026;negativo\nXXXXXXXX;29/11/2026;positivo\n"
    csv += "ABCDEFGH;35/11/2026;negativo\n"
    await admin.send_file("esiti.csv", csv.encode(), "text/csv")
    report = await admin.expect("Esiti registrati: 1")
    assert "Righe senza prenotazione attiva: 3." in (report.text or "")
    assert "riga 4: " in (report.text or "")
    await citizen.expect("NEGATIVO")
    await citizen.expect("L'isolamento di M.R. è concluso")
    assert db_rows(
        harness, "SELECT closed_at IS NOT NULL FROM citizens WHERE codice_fiscale = ?", (MARIO_CF,)
    ) == [(1,)]
    await citizen.send("📝 Diario")
    await citizen.expect("L'isolamento è concluso")


async def test_the_ats_closes_a_day_and_its_holders_are_moved(harness: Harness, admin: ChatUser):
    await load_slots(admin)
    citizen = await signed_in_mario(harness, admin)
    harness.clock.advance(days=5)
    await citizen.send("🧪 Tampone")
    await citizen.tap("22/11")
    await citizen.tap("10:20 – Niguarda")
    await citizen.tap("✅ Prenota")
    await citizen.expect("Prenotato")
    await citizen.send("/chiudigiorno NIG 22/11/2026")
    await citizen.expect("Non sei registrato")
    await admin.send("/chiudigiorno NIG 22/11/2026")
    await admin.expect("1 prenotazioni annullate")
    await citizen.expect("è chiuso il 22/11/2026")
    await citizen.expect("Primo posto libero: 23/11/2026 09:00 – Niguarda")
    await citizen.send("🧪 Tampone")
    await citizen.expect("scegli il giorno")
    assert citizen.buttons() == ["23/11"]


async def test_a_school_pass_verified_once_refused_twice_and_after_48_hours(
    harness: Harness, admin: ChatUser
):
    from datetime import timedelta

    from services import swabs

    await harness.seed_schools()
    now = harness.clock()
    first = await swabs.issue_pass(harness.svc, "MIEE8AB01T", "RSSGLI14C43F205V", now)
    second = await swabs.issue_pass(harness.svc, "MIEE8AB01T", "RSSLCU16L07F205U", now)
    cremona = await swabs.issue_pass(harness.svc, "CREE81001A", "RSSMRA85D10F205K", now)
    assert first is not None and second is not None and cremona is not None
    assert len(first.code) == 6 and first.expires_at == now + timedelta(hours=48)
    # A stranger, a citizen and a referent are refused at the staff commands.
    stranger = harness.user(777, "Curioso")
    await stranger.send(f"/verifica {first.code}")
    await stranger.expect("Non sei registrato")
    citizen = await signed_in_mario(harness, admin)
    await citizen.send(f"/verifica {first.code}")
    await citizen.expect("Non sei registrato")
    referent = await referent_of(admin, harness.user(311, "Maria"))
    await referent.send(f"/verifica {first.code}")
    await referent.expect("per il personale dei punti tampone")
    await referent.send("/invitapunto ATS-MILANO")
    await referent.expect("riservato agli operatori ATS")
    # The ATS invites a member of a swab point's staff (of its own ATS only).
    await admin.send("/invitapunto ATS-VALPADANA")
    await admin.expect("Puoi invitare solo")
    await admin.send("/invitapunto ats-milano")
    invitation = await admin.expect("Invito per il personale")
    found = re.search(r"start=(sp[A-Z0-9]+)", invitation.text or "")
    assert found is not None
    staff = harness.user(800, "Operatore")
    await staff.send(f"/start {found.group(1)}")
    await staff.expect("Sei registrato come personale dei punti tampone di ATS-MILANO")
    await stranger.send(f"/start {found.group(1)}")  # single use
    await stranger.expect("non è valido")
    await staff.send(f"/verifica {first.code.lower()}")
    seen = await staff.expect("Pass valido")
    text = seen.text or ""
    assert "RS…5V" in text and "2014" in text and "RSSGLI14C43F205V" not in text
    await staff.tap("Registra accesso")
    await staff.expect("Accesso registrato")
    await staff.send(f"/verifica {first.code}")
    await staff.expect("già usato")
    await staff.send(f"/verifica {cremona.code}")
    await staff.expect("altra ATS")
    await staff.send("/verifica ZZZZZZ")
    await staff.expect("sconosciuto")
    harness.clock.advance(hours=48)
    await staff.send(f"/verifica {second.code}")
    await staff.expect("scaduto")
    assert db_rows(harness, "SELECT used_by FROM swab_passes WHERE used_at IS NOT NULL") == [(800,)]


async def test_a_referral_books_and_its_positive_result_becomes_a_case_in_the_same_chat(
    harness: Harness, admin: ChatUser
):
    import csv
    import io
    import re

    await load_slots(admin)
    await admin.send("/segnalazioni")
    await admin.expect("segnalazioni dei medici")
    referrals = (
        "codice_fiscale;cognome;nome;data_nascita;telefono;medico\n"
        f"{PAOLO_CF};Verdi;Paolo;01/01/1979;333 999 0000;Dott. Bianchi\n"
        "RSSMRA85D10F205X;Neri;Ugo;10/04/1985;333 000 1111;Dott. Bianchi\n"
    )
    await admin.send_file("segnalazioni.csv", referrals.encode(), "text/csv")
    report = await admin.expect("Segnalazioni caricate: 1")
    assert "riga 3" in (report.text or "")
    document = await admin.document()
    assert document.document is not None
    rows = list(
        csv.reader(io.StringIO(document.document.content.decode("utf-8-sig")), delimiter=";")
    )
    match = re.search(r"\?start=(rf[A-Z0-9]+)", rows[1][3])
    assert match is not None
    token = match.group(1)
    assert token not in str(db_rows(harness, "SELECT * FROM swab_referrals"))
    # Without a referral (a made-up link): whom to call instead.
    stranger = harness.user(998, "Altro")
    await stranger.send("/start rf" + "A" * 24)
    await stranger.expect("Serve la segnalazione del tuo medico. Senza medico: 116117")
    patient = await referred_patient(harness, 560, token)
    await patient.tap("No, nessuno")
    await patient.expect("Primo posto libero: 18/11/2026 09:00 – Niguarda")
    await patient.tap("Per un familiare")
    await patient.expect("un familiare ha bisogno della propria segnalazione")
    await patient.tap("✅ Prenota")
    await patient.expect("Resta a casa fino all'esito")
    code = db_rows(harness, "SELECT code FROM swab_bookings WHERE referral_id IS NOT NULL")[0][0]
    # The link was single-use.
    await stranger.send(f"/start {token}")
    await stranger.expect("Serve la segnalazione del tuo medico")
    harness.clock.advance(days=1)
    await admin.send(f"/esito {code} positivo")
    await admin.expect("Esito registrato")
    await patient.expect("POSITIVO")
    await patient.expect("Da oggi sei in isolamento")
    # A case in the register, linked to this chat: the menu works with no second sign-in.
    assert db_rows(
        harness, "SELECT d0, closed_at FROM citizens WHERE codice_fiscale = ?", (PAOLO_CF,)
    ) == [("2026-11-18", None)]
    await patient.send("🧪 Tampone")
    await patient.expect("dal 28/11")
    await patient.send("📝 Diario")
    await patient.expect("Come stai oggi?")
    # The desk: per point and day, the referral against the 24-hour target, exportable.
    await admin.send("/tamponi")
    figures = (await admin.expect("Tamponi")).text or ""
    assert "18/11 NIG: 1/6 prenotati, 0 accesso diretto, 0 assenti" in figures
    assert "22/11 SAC: 0/0 prenotati, 10 accesso diretto" in figures
    assert "0 da chiamare" in figures and "1 con esito" in figures
    assert "mediana segnalazione→tampone 23.5 h" in figures and "entro 24 ore: 1/1" in figures
    export = await admin.document()
    assert export.document is not None
    assert "NIG;2026-11-18;6;1;0;0" in export.document.content.decode("utf-8-sig")


async def test_a_referral_with_a_red_flag_is_sent_to_112(harness: Harness, admin: ChatUser):
    await load_slots(admin)
    patient = await referred_patient(harness, 561, await referral_token(admin))
    await patient.tap("Sì, almeno uno")
    await patient.expect("Chiama subito il 112")
    assert db_rows(harness, "SELECT COUNT(*) FROM swab_bookings") == [(0,)]


async def test_reminders_the_evening_before_two_hours_before_and_the_referral_nudge(
    harness: Harness, admin: ChatUser
):
    from reminders import swabs as swab_reminders

    application = harness.application
    assert application is not None

    async def remind() -> int:
        return await swab_reminders.run_due(application)

    await load_slots(admin)
    citizen = await signed_in_mario(harness, admin)
    harness.clock.advance(days=5)  # Sunday 22/11 09:30
    await citizen.send("🧪 Tampone")
    await citizen.tap("23/11")
    await citizen.tap("09:30 – Niguarda")
    await citizen.tap("✅ Prenota")
    await citizen.expect("Prenotato")
    assert await remind() == 0
    harness.clock.advance(hours=8, minutes=31)  # 18:01
    assert await remind() == 1
    await citizen.expect("domani alle 09:30 tampone a Niguarda")
    assert await remind() == 0  # never twice
    harness.clock.advance(hours=13, minutes=30)  # Monday 07:31
    assert await remind() == 1
    await citizen.expect("Tra poco, alle 09:30")
    assert await remind() == 0
    # A referral signed in but not booked: one nudge after six hours; after 24 the ATS
    # sees it to call.
    patient = await referred_patient(harness, 562, await referral_token(admin))
    harness.clock.advance(hours=5)
    assert await remind() == 0
    await admin.send("/dacontattare")
    await admin.expect("Nessuna segnalazione")
    harness.clock.advance(hours=1, minutes=1)
    assert await remind() == 1
    await patient.expect("Non hai ancora prenotato il tampone")
    assert await remind() == 0
    harness.clock.advance(hours=18)
    await admin.send("/dacontattare")
    listing = await admin.expect("Segnalazioni da chiamare")
    assert "VERDI PAOLO" in (listing.text or "")


async def test_with_two_points_the_point_comes_first(harness: Harness, admin: ChatUser):
    await load_slots(
        admin,
        SLOTS
        + "\nRHO;Rho Fiera;Via Fiera 1;Rho;;23/11/2026;14:00;15:00;30;2;prenotati"
        + "\nRHO;Rho Fiera;Via Fiera 1;Rho;;24/11/2026;14:00;15:00;30;2;prenotati",
    )
    citizen = await signed_in_mario(harness, admin)
    harness.clock.advance(days=5)
    await citizen.send("🧪 Tampone")
    await citizen.expect("scegli il punto tampone")
    assert citizen.buttons() == ["Milano – Niguarda", "Rho – Rho Fiera"]
    await citizen.tap("Rho – Rho Fiera")
    await citizen.expect("scegli il giorno")
    assert citizen.buttons() == ["23/11", "24/11"]
    await citizen.tap("23/11")
    await citizen.expect("scegli l'orario")
    assert citizen.buttons() == ["14:00 – Rho Fiera", "14:30 – Rho Fiera"]
    await citizen.tap("14:30 – Rho Fiera")
    await citizen.tap("✅ Prenota")
    booked = await citizen.expect("Prenotato")
    assert "Via Fiera 1 (Rho)" in (booked.text or "")


async def test_a_sent_home_report_issues_the_school_pass_with_its_qr(
    harness: Harness, admin: ChatUser
):
    """«🎫 Pass tampone» under a report: asked who the swab is for; a family member gets no
    pass, the pupil gets one (the code and its QR image), which the swab point checks."""
    from tests.e2e.steps import STUDENT_CF, joined_referent
    from tests.e2e.test_sent_home import report

    referent = await joined_referent(harness, admin, 300)
    await report(referent)
    await referent.send("/allontanamenti")
    await referent.expect("Allontanamenti degli ultimi 30 giorni")
    await referent.tap("1")
    await referent.expect("Allontanamento 1")
    await referent.tap("🎫 Pass tampone")
    await referent.expect("Per chi è il tampone?")
    await referent.tap("Un familiare")
    await referent.expect("Niente pass")
    assert db_rows(harness, "SELECT COUNT(*) FROM swab_passes") == [(0,)]
    await referent.tap("🎫 Pass tampone")  # the report's buttons stay
    await referent.expect("Per chi è il tampone?")
    await referent.tap("Alunno allontanato")
    sent = await referent.expect("Pass tampone")
    assert sent.photo is not None and sent.photo.startswith(b"\x89PNG\r\n\x1a\n")
    text = sent.content  # the caption: the family gets the code even without reading the QR
    assert "L.B." in text and STUDENT_CF not in text and "Bianchi" not in text
    rows = db_rows(harness, "SELECT code, codice_fiscale, ats_code FROM swab_passes")
    assert [(cf, ats) for _, cf, ats in rows] == [(STUDENT_CF, "ATS-MILANO")]
    code = str(rows[0][0])
    assert code in text
    await admin.send(f"/verifica {code}")
    await admin.expect("Pass valido")
    await admin.tap("Registra accesso")
    await admin.expect("Accesso registrato")
    assert db_rows(harness, "SELECT used_by FROM swab_passes") == [(admin.user_id,)]


async def test_the_desk_groups_a_booked_swab_then_its_pending_result(
    harness: Harness, admin: ChatUser
):
    await load_slots(admin)
    citizen = await signed_in_mario(harness, admin)
    harness.clock.advance(days=5)  # Sunday 22/11 09:30: day 10, the swab may be booked
    await citizen.send("📝 Diario")  # answering: not in the «non rispondono» group
    await citizen.tap("Nessun sintomo")
    await citizen.tap("Salva")
    await citizen.expect("salvato")

    async def desk() -> str:
        await admin.send("/isolamenti")
        return (await admin.expect("Isolamenti")).text or ""

    listing = await desk()
    assert listing.index("Tampone di guarigione prenotabile") < listing.index("ROSSI MARIO")
    await citizen.send("🧪 Tampone")
    await citizen.tap("22/11")
    await citizen.tap("10:00 – Niguarda")  # 10:00–10:20
    await citizen.tap("✅ Prenota")
    await citizen.expect("Prenotato")
    listing = await desk()
    assert listing.index("📅 Tampone prenotato") < listing.index("ROSSI MARIO")
    assert "prenotabile" not in listing and "Esito del tampone in attesa" not in listing
    harness.clock.advance(minutes=49)  # 10:19: the slot is not over yet
    assert "📅 Tampone prenotato" in await desk()
    harness.clock.advance(minutes=1)  # 10:20: over, and no result
    listing = await desk()
    assert listing.index("⏳ Esito del tampone in attesa") < listing.index("ROSSI MARIO")
    assert "Tampone prenotato" not in listing
    code = db_rows(harness, "SELECT code FROM swab_bookings")[0][0]
    await admin.send(f"/esito {code} negativo")
    await admin.expect("Esito registrato")
    listing = await desk()
    assert "ROSSI MARIO" not in listing and "Esito del tampone in attesa" not in listing
