"""Allontanamenti (issue 17), end to end: the real application over HTTP against the
emulator. The daily question is run as the JobQueue would (`reminders.senthome.ask_outcomes`)
with the clock moved, instead of waiting for real time."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sqlite3
from datetime import UTC, datetime, timedelta

import openpyxl  # type: ignore[import-untyped]
import pytest
from telegram import BotCommandScopeChat

from bot.context import BotApplication
from domain.outbox import OutboxStatus
from domain.senthome import Outcome, Symptom
from emulator.demo import seed_demo_absences
from emulator.driver import ChatUser
from reminders.senthome import ask_outcomes
from tests.e2e.steps import (
    CLASSMATES,
    PLESSO_MILANO,
    PLESSO_MILANO_2,
    STUDENT_CF,
    TEACHER_CONTACT_CF,
    Tap,
    answers,
    joined_referent,
)
from tests.harness import ADMIN_REGIONAL, ADMIN_VALPADANA, ROME, Harness, MutableClock

MARIA = 300
LUIGI = 301
OTHER_CF = next(iter(CLASSMATES))  # Rossi Mario, 01/01/2015


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, MARIA)


def app(harness: Harness) -> BotApplication:
    assert harness.application is not None
    return harness.application


async def start_report(referent: ChatUser, role: str = "Alunno") -> None:
    """/allontanamento, who was sent home: up to the class."""
    await referent.send("/allontanamento")
    await referent.expect("Chi è stato allontanato?")
    await referent.tap(role)
    await referent.expect("Classe (obbligatoria)")


async def report_person(
    referent: ChatUser,
    role: str = "Alunno",
    *,
    class_name: str = "3",
    surname: str = "Bianchi",
    name: str = "Luca",
    codice_fiscale: str = STUDENT_CF,
    phone: str = "347 1234567",
) -> None:
    """The person sent home (section B, living in Milano, one phone): up to the day."""
    await start_report(referent, role)
    phone_question = "Telefono della famiglia" if role == "Alunno" else "Telefono della persona"
    await answers(
        referent,
        (class_name, "Sezione (obbligatoria)"),
        ("B", "Cognome:"),
        (surname, "Nome:"),
        (name, "Codice fiscale"),
        (codice_fiscale, "Comune di domicilio"),
        ("Milano", phone_question),
        (phone, "secondo telefono"),
        (Tap("Salta"), "Quando è stato allontanato?"),
    )


async def report(
    referent: ChatUser,
    *,
    codice_fiscale: str = STUDENT_CF,
    surname: str = "Bianchi",
    name: str = "Luca",
    class_name: str = "3",
) -> str:
    """A pupil sent home today at 09:00 with fever and cough; returns the reply text."""
    await report_person(
        referent, class_name=class_name, surname=surname, name=name, codice_fiscale=codice_fiscale
    )
    await answers(
        referent,
        (Tap("Oggi"), "A che ora?"),
        ("09:00", "Sintomi (elenco ISS)"),
        (Tap("Febbre"), "Scelti: Febbre"),
        (Tap("Tosse"), "Tosse"),
        (Tap("Avanti"), "Temperatura"),
        (Tap("Salta"), "A chi è stato affidato?"),
        (Tap("Genitore"), "controlla i dati"),
    )
    await referent.tap("Invia all'ATS")
    sent = await referent.expect("Codice ricevuta")
    await referent.expect("pediatra")
    return sent.text or ""


async def open_outcome_question(harness: Harness, clock: MutableClock, referent: ChatUser) -> None:
    """The next school day at 08:00 the referent is asked the outcome and opens the question."""
    clock.set(datetime(2026, 11, 18, 8, 0, tzinfo=ROME))
    await ask_outcomes(app(harness))
    await referent.tap("L.B. 3 B")


async def export_sent_home(user: ChatUser) -> None:
    """/esporta of the sent-home reports of the last 30 days, as an Excel file."""
    await user.send("/esporta")
    await user.expect("Cosa vuoi esportare?")
    for label in ("Allontanamenti", "Ultimi 30 giorni", "Excel"):
        await user.tap(label)


def outbox(harness: Harness) -> list[tuple[str, int, str]]:
    """The sent-home outbox as stored: (kind, admin, status)."""
    with contextlib.closing(sqlite3.connect(harness.settings.database_path)) as conn:
        return conn.execute(
            "SELECT kind, admin_user_id, status FROM sent_home_outbox ORDER BY id"
        ).fetchall()


async def outbox_settled(harness: Harness) -> None:
    for _ in range(60):
        items = outbox(harness)
        if items and all(status != OutboxStatus.PENDING.value for _, _, status in items):
            return
        await asyncio.sleep(0.05)


async def test_report_with_every_field_refusals_receipt_and_ats_notice(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    await start_report(referent)
    await answers(
        referent,
        ("x" * 30, "Classe (obbligatoria)"),
        ("3", "Sezione (obbligatoria)"),
        ("B" * 41, "Sezione (obbligatoria)"),
        ("B", "Cognome:"),
        ("123", "Cognome:"),
        ("Bianchi", "Nome:"),
        ("!!", "Nome:"),
        ("Luca", "Codice fiscale"),
        ("BNCLCU15C02F205X", "Codice fiscale (16"),  # wrong check character
    )
    await referent.send(STUDENT_CF)
    shown = await referent.expect("Dal codice fiscale")
    assert "02/03/2015" in (shown.text or "") and "M" in (shown.text or "")
    await referent.expect("Comune di domicilio")
    await answers(
        referent,
        ("Xqzwvtrpl", "Comune di domicilio"),
        ("Milano", "Telefono della famiglia"),
        ("12", "Telefono della famiglia"),
        ("347 1234567", "secondo telefono"),
        ("02 1234567", "Quando è stato allontanato?"),
        ("18/11/2026", "Quando è stato allontanato?"),  # tomorrow
    )
    await referent.send("01/10/2026")
    refused = await referent.expect("troppo lontano")
    assert "01/10/2026" in (refused.text or "")
    await answers(
        referent,
        (Tap("Ieri 16/11"), "A che ora?"),
        ("25:00", "non è un'ora"),
        ("10.15", "Sintomi (elenco ISS)"),
    )
    await referent.tap("Avanti")
    await referent.expect_answer("almeno un sintomo")
    await answers(
        referent,
        (Tap("Febbre"), "Scelti: Febbre"),
        (Tap("Mal di gola"), "Mal di gola"),
        (Tap("Avanti"), "Temperatura"),
        ("45", "non è una temperatura valida"),
        ("37,9", "A chi è stato affidato?"),
    )
    await referent.tap("Delegato")
    review = await referent.expect("controlla i dati")
    text = review.text or ""
    for shown_value in ("3 B", "BIANCHI", STUDENT_CF, "16/11/2026 10:15", "37,9", "Delegato"):
        assert shown_value.casefold() in text.casefold(), shown_value
    await referent.tap("Invia all'ATS")
    sent = await referent.expect("inviato all'ATS")
    assert "Codice ricevuta" in (sent.text or "")
    family = await referent.expect("pediatra")
    assert "senza prenotazione" in (family.text or "")
    assert "Febbre" not in (family.text or "")

    (row,) = await harness.svc.sent_home.of_plessi([PLESSO_MILANO], datetime(2026, 11, 1).date())
    saved = await harness.svc.sent_home.get(row.id)
    assert saved is not None
    assert saved.data.symptoms == (Symptom.FEVER, Symptom.SORE_THROAT)
    assert saved.data.temperature == 37.9 and saved.data.time == "10:15"
    assert saved.data.phone2 is not None

    notice = await admin.expect("Nuovo allontanamento")
    body = notice.text or ""
    assert "L.B." in body and "3 B" in body and "Scuola Primaria Via dei Tigli" in body
    for secret in ("Febbre", "gola", "Bianchi", "BIANCHI", STUDENT_CF, "37"):
        assert secret not in body
    await outbox_settled(harness)
    assert [(kind, admin) for kind, admin, _ in outbox(harness)] == [("new", 100)]
    await harness.user(ADMIN_VALPADANA).expect_no_reply()
    await harness.user(ADMIN_REGIONAL).expect_no_reply()


async def test_staff_are_not_asked_who_took_them_home(harness: Harness, referent: ChatUser) -> None:
    await report_person(
        referent,
        "Docente",
        surname="Colombo",
        name="Elena",
        codice_fiscale=TEACHER_CONTACT_CF,
        phone="347 7654321",
    )
    await answers(
        referent,
        (Tap("Oggi"), "A che ora?"),
        ("09:10", "Sintomi (elenco ISS)"),
        (Tap("Brividi"), "Scelti: Brividi"),
        (Tap("Avanti"), "Temperatura"),
    )
    await referent.send("38")
    review = await referent.expect("controlla i dati")
    assert "Affidato a" not in str(referent.buttons)
    assert "Docente" in (review.text or "")
    await referent.tap("Invia all'ATS")
    await referent.expect("inviato all'ATS")


async def test_correction_within_24_hours_then_locked(
    harness: Harness, clock: MutableClock, referent: ChatUser
) -> None:
    await report(referent)
    await referent.tap("Rettifica")
    await referent.expect("Rettifica dell'allontanamento")
    await referent.tap("✏️ Classe")
    await referent.expect("Classe (obbligatoria)")
    await referent.send("4")
    review = await referent.expect("Rettifica dell'allontanamento")
    assert "4 B" in (review.text or "")
    await referent.tap("Salva la rettifica")
    saved = await referent.expect("Rettifica salvata")
    assert "versione 2" in (saved.text or "")
    (row,) = await harness.svc.sent_home.of_plessi([PLESSO_MILANO], clock().date())
    assert row.class_name == "4"
    assert await harness.svc.sent_home.versions(row.id) == [(1, "correction")]

    clock.advance(hours=25)
    await referent.tap_stale("✏️ Rettifica")
    await referent.expect("non è più modificabile")

    # The database refuses it too, whatever path: a write 25 hours on.
    conn = sqlite3.connect(harness.settings.database_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="locked"):
            conn.execute(
                "UPDATE sent_home SET data = data, class_key = '5B', updated_at = ? WHERE id = ?",
                (clock().astimezone(UTC).isoformat(), row.id),
            )
        with pytest.raises(sqlite3.IntegrityError, match="locked"):
            conn.execute("DELETE FROM sent_home WHERE id = ?", (row.id,))
    finally:
        conn.close()


async def test_same_person_within_48_hours_updates_the_report(
    harness: Harness, clock: MutableClock, admin: ChatUser, referent: ChatUser
) -> None:
    await report(referent)
    clock.advance(hours=24)  # Wednesday 09:30
    text = await report(referent)
    assert "aggiornato" in text and "17/11/2026" in text
    rows = await harness.svc.sent_home.of_plessi([PLESSO_MILANO], clock().date() - timedelta(9))
    assert len(rows) == 1
    assert await harness.svc.sent_home.versions(rows[0].id) == [(1, "resent")]
    await admin.expect("Allontanamento aggiornato")
    clock.advance(hours=49)  # Friday: a new sending home, a new report
    text = await report(referent)
    assert "aggiornato" not in text
    rows = await harness.svc.sent_home.of_plessi([PLESSO_MILANO], clock().date() - timedelta(9))
    assert len(rows) == 2


async def test_outcome_question_on_school_days_for_ten_school_days(
    harness: Harness, clock: MutableClock, referent: ChatUser
) -> None:
    await report(referent)
    assert await ask_outcomes(app(harness)) == 0  # the same day: not yet
    clock.set(datetime(2026, 11, 18, 8, 0, tzinfo=ROME))
    assert await ask_outcomes(app(harness)) == 1
    question = await referent.expect("com'è andata?")
    assert "L.B., classe 3 B" in (question.text or "")
    assert "Febbre" not in (question.text or "") and "Bianchi" not in (question.text or "")
    assert await ask_outcomes(app(harness)) == 0  # once a day
    asked = 1
    day = datetime(2026, 11, 19, 8, 0, tzinfo=ROME)
    while day.date() <= datetime(2026, 12, 4).date():
        clock.set(day)
        sent = await ask_outcomes(app(harness))
        if day.weekday() >= 5:
            assert sent == 0, day
        asked += sent
        day += timedelta(days=1)
    # Wed 18 … Tue 1 Dec: ten school days; Wed 2 Dec on, nothing more.
    assert asked == 10
    await referent.send("/allontanamenti")
    listed = await referent.expect("Allontanamenti degli ultimi 30 giorni")
    assert "senza esito" in (listed.text or "")


async def test_still_absent_then_back(
    harness: Harness, clock: MutableClock, referent: ChatUser
) -> None:
    await report(referent)
    await open_outcome_question(harness, clock, referent)
    await referent.expect("Esito per L.B.")
    await referent.tap("Ancora assente")
    await referent.expect("Esito registrato")
    clock.set(datetime(2026, 11, 19, 8, 0, tzinfo=ROME))
    assert await ask_outcomes(app(harness)) == 1  # still asked
    await referent.tap("L.B. 3 B")
    await referent.tap("Rientrato, non COVID")
    await referent.expect("Esito registrato")
    clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=ROME))
    assert await ask_outcomes(app(harness)) == 0
    (row,) = await harness.svc.sent_home.of_plessi([PLESSO_MILANO], clock().date() - timedelta(9))
    assert row.outcome is Outcome.BACK_NOT_COVID


async def test_positive_opens_a_prefilled_case_linked_to_the_report(
    harness: Harness, clock: MutableClock, referent: ChatUser
) -> None:
    await report(referent)
    await open_outcome_question(harness, clock, referent)
    await referent.tap("Positivo")
    await referent.expect("Apro il nuovo caso")
    # The referent's own data come from their profile (issue 22): the first thing missing.
    await referent.expect("Data del tampone positivo")
    await referent.tap("Non nota")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    review = await referent.expect("controlla i dati")
    text = review.text or ""
    assert "BIANCHI" in text.upper() and "17/11/2026" in text and STUDENT_CF in text
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    (row,) = await harness.svc.sent_home.of_plessi([PLESSO_MILANO], clock().date() - timedelta(9))
    assert row.outcome is Outcome.POSITIVE and row.case_id is not None
    case = await harness.svc.cases.get(row.case_id)
    assert case is not None
    assert case.data.last_attendance.isoformat() == "2026-11-17"
    assert (case.data.class_name, case.data.section) == ("3", "B")


async def test_cluster_alert_once(harness: Harness, admin: ChatUser, referent: ChatUser) -> None:
    await report(referent)
    await admin.expect("Nuovo allontanamento")
    await report(referent, codice_fiscale=OTHER_CF, surname="Rossi", name="Mario")
    alert = await admin.expect("Possibile focolaio")
    assert "2 allontanamenti" in (alert.text or "") and "3 B" in (alert.text or "")
    await report(referent, codice_fiscale=TEACHER_CONTACT_CF, surname="Colombo", name="Elena")
    await outbox_settled(harness)
    kinds = [kind for kind, _, _ in outbox(harness)]
    assert kinds.count("cluster") == 1 and kinds.count("new") == 3


async def test_ats_list_and_nobody_else_sees_the_reports(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    await report(referent)
    other = await joined_referent(harness, admin, LUIGI, PLESSO_MILANO_2, name="Luigi Verdi")
    await other.send("/allontanamenti")
    await other.expect("Nessun allontanamento")
    await referent.send("/allontanamenti")
    mine = await referent.expect("Allontanamenti degli ultimi 30 giorni")
    assert "BIANCHI" in (mine.text or "") and "in attesa di esito" in (mine.text or "")

    await admin.send("/allontanamenti")
    listed = await admin.expect("pagina 1/1")
    assert "L.B." in (listed.text or "") and "17/11/2026" in (listed.text or "")
    await admin.tap("1")
    full = await admin.expect("Allontanamento 1")
    assert "Febbre" in (full.text or "") and STUDENT_CF in (full.text or "")

    valpadana = harness.user(ADMIN_VALPADANA, "Carla")
    await valpadana.send("/allontanamenti")
    await valpadana.expect("Nessun allontanamento")


async def test_restart_mid_form_resumes(harness: Harness, referent: ChatUser) -> None:
    await start_report(referent)
    await referent.send("3")
    await referent.expect("Sezione (obbligatoria)")
    await harness.restart_bot()
    await referent.send("B")
    await referent.expect("Cognome:")


async def test_report_shows_the_sent_home_rate_per_thousand_enrolled(
    harness: Harness, clock: MutableClock, admin: ChatUser
) -> None:
    clock.set(datetime(2026, 11, 19, 11, 0, tzinfo=ROME))  # Thursday, a recording day
    assert await seed_demo_absences(harness.svc, actor=0, outbreak_plesso=PLESSO_MILANO) > 0
    referent = await joined_referent(harness, admin, MARIA)
    await report(referent)
    day = clock().date()
    enrolled = sum(
        o.enrolled or 0 for o in await harness.svc.ats.observations("ATS-MILANO", day, day)
    )
    assert enrolled > 0
    await admin.send("/report")
    message = await admin.expect("Allerta assenze")
    text = message.text or ""
    expected = f"{1000 / enrolled:.1f}".replace(".", ",")
    assert f"il giovedì 19/11/2026: 1, {expected} ogni 1.000 iscritti" in text, text
    assert f"({enrolled} iscritti)" in text


async def test_status_counts_reports_without_outcome(
    harness: Harness, clock: MutableClock, admin: ChatUser, referent: ChatUser
) -> None:
    await report(referent)
    await admin.send("/stato")
    status = await admin.expect("Allontanamenti senza esito: 1")
    assert "Bianchi" not in (status.text or "")
    await open_outcome_question(harness, clock, referent)
    await referent.tap("Rientrato con attestazione")
    await referent.expect("Esito registrato")
    await admin.send("/stato")
    await admin.expect("Allontanamenti senza esito: 0")


async def test_export_has_the_reports_in_full(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    await report(referent)
    await export_sent_home(admin)
    message = await admin.document(timeout=15)
    assert message.document is not None
    assert "allontanamenti" in message.document.filename
    sheet = openpyxl.load_workbook(io.BytesIO(message.document.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Id", "Plesso", "ATS", "Ruolo")
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Cognome"] == "BIANCHI" and row["Codice fiscale"] == STUDENT_CF
    assert row["Sintomi"] == "Febbre ≥37,5 °C, Tosse" and row["Ruolo"] == "Alunno"
    assert row["Affidato a"] == "Genitore" and row["ATS"] == "ATS-MILANO"

    valpadana = harness.user(ADMIN_VALPADANA, "Carla")
    await export_sent_home(valpadana)
    await valpadana.expect("Nessun allontanamento")


async def test_a_positive_whose_case_form_was_left_can_open_it_again(
    harness: Harness, clock: MutableClock, referent: ChatUser
) -> None:
    await report(referent)
    await open_outcome_question(harness, clock, referent)
    await referent.tap("Positivo")
    await referent.expect("Data del tampone positivo")
    await referent.send("/annulla")
    await referent.expect("Vuoi davvero annullare?")  # the pre-filled form holds answers
    await referent.tap("Sì")
    await referent.expect("annullat")
    await referent.send("/allontanamenti")
    listed = await referent.expect("Allontanamenti degli ultimi 30 giorni")
    assert "positivo" in (listed.text or "")
    await referent.tap("1")
    await referent.expect("Allontanamento 1")
    await referent.tap("Positivo → apri il caso")
    await referent.expect("Data del tampone positivo")


async def test_the_commands_are_in_the_menus_once(harness: Harness, admin: ChatUser) -> None:
    await admin.send("/start")
    await admin.expect("Comandi per gli operatori ATS")
    default = [c for c, _ in harness.emulator.commands(None)]
    assert "allontanamento" in default and "allontanamenti" in default
    admin_menu = [c for c, _ in harness.emulator.commands(BotCommandScopeChat(100))]
    assert admin_menu.count("allontanamenti") == 1


async def test_the_outcome_question_is_scheduled_daily_at_eight(harness: Harness) -> None:
    queue = app(harness).job_queue
    assert queue is not None
    (job,) = queue.get_jobs_by_name("senthome:question")
    fire = job.next_t
    assert fire is not None
    local = fire.astimezone(ROME)
    assert (local.hour, local.minute) == (8, 0)
