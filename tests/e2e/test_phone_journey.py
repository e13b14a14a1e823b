"""A referent's phone (issue #22): a whole case in few actions, answers that stay visible."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.cases import CaseStatus
from domain.schools import SchoolType
from emulator.driver import ChatUser
from tests.e2e.steps import (
    PLESSO_MILANO,
    SENTINEL,
    SENTINEL_2,
    STUDENT_CF,
    add_classmate,
    joined_referent,
    referent_of,
    report_case,
    start_case_data,
)
from tests.harness import Harness

DEMO_CLASS = Path(__file__).resolve().parents[2] / "emulator" / "demo" / "classe_3B.csv"
MAX_ACTIONS = 15


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    """A referent of one plesso (Scuola Primaria Via dei Tigli, Milano)."""
    return await joined_referent(harness, admin, 320)


def actions_since(referent: ChatUser, start: int) -> int:
    """What the person typed, tapped or sent since the `start`-th line of the transcript."""
    return sum(1 for who, _ in referent.transcript[start:] if who == "user")


async def test_a_case_with_a_class_of_25_from_a_file_takes_at_most_15_actions(
    harness: Harness, referent: ChatUser
) -> None:
    start = len(referent.transcript)
    await referent.send("/nuovocaso")
    await referent.expect("Classe (obbligatoria)")  # plesso and school type known
    await referent.send("3B")
    await referent.expect("Ruolo del caso")  # the referent's data are the profile's
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    await referent.send("Bianchi")
    await referent.expect("Nome del caso")
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")
    await referent.send(STUDENT_CF)
    await referent.expect("Comune di domicilio")  # the birth date is the code's
    await referent.send("Milano")
    await referent.expect("Telefono 1 del caso")  # one comune called so: taken
    await referent.send("347 1234567")
    await referent.expect("Ultimo giorno di frequenza")
    await referent.tap("Ieri")
    await referent.expect("Data del tampone positivo")
    await referent.tap("Non nota")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    review = await referent.expect("controlla i dati")
    for shown in ("MARIA ROSSI", "maria.rossi@scuola.example.it", "02/03/2015", "Milano (MI)"):
        assert shown in (review.text or ""), shown
    await referent.tap("Salva")
    await referent.expect("Incolla un elenco")  # the class list, asked at once
    await referent.send_file("classe_3B.csv", DEMO_CLASS.read_bytes(), "text/csv")
    await referent.expect("Aggiungo 25 contatti")
    await referent.tap("Conferma e chiudi il caso")
    question = await referent.expect("Confermi la chiusura")
    # The file had no comune: what the ATS would get empty is listed before Sì.
    warning = question.text or ""
    assert "25 contatti hanno dati da completare" in warning
    assert "ROSSI TOMMASO: comune di domicilio" in warning
    assert "… e altri 15" in warning
    await referent.tap("Sì, chiudi e invia")
    await referent.expect("è stato chiuso e inviato all'ATS")

    assert actions_since(referent, start) <= MAX_ACTIONS  # 15 (was 24)
    case = await harness.svc.cases.get(1)
    assert case is not None and case.status is CaseStatus.CLOSED
    data = case.data
    assert (data.plesso_code, data.school_type) == (PLESSO_MILANO, SchoolType.PRIMARIA)
    assert (data.class_name, data.section) == ("3", "B")
    assert (data.referent_name, data.referent_phone, data.referent_email) == (
        "MARIA ROSSI",
        "+393331234567",
        "maria.rossi@scuola.example.it",
    )
    assert data.birth_date == date(2015, 3, 2)
    assert data.comune is not None and data.comune.name == "Milano"
    assert data.phone1 == "+393471234567"
    contacts = await harness.svc.contacts.page(1, 1, size=100)
    assert len(contacts.items) == 25
    assert {(c.data.class_name, c.data.section) for c in contacts.items} == {("3", "B")}


async def test_the_class_file_offers_to_close_the_case(
    harness: Harness, referent: ChatUser
) -> None:
    """ "Conferma" alone: the done message offers «Chiudi e invia il caso all'ATS» there."""
    await start_case_data(referent)
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    for answer in ("Bianchi", "Luca", STUDENT_CF, "Milano", "347 1234567"):
        await referent.send(answer)
    await referent.expect("Ultimo giorno di frequenza")
    await referent.tap("Ieri")
    await referent.tap("Non nota")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    await referent.expect("controlla i dati")
    await referent.tap("Salva")
    await referent.expect("Incolla un elenco")
    await referent.send_file("classe_3B.csv", DEMO_CLASS.read_bytes(), "text/csv")
    await referent.tap("Conferma: aggiungi 25 contatti")
    await referent.expect("Aggiunti 25 contatti")
    await referent.tap("Chiudi e invia il caso all'ATS")
    await referent.expect("Confermi la chiusura")


async def test_a_tap_turns_the_question_into_the_answer_and_the_next_question(
    harness: Harness, referent: ChatUser
) -> None:
    await start_case_data(referent)
    question = referent.last_message()
    assert "Ruolo del caso" in (question.text or "")
    before = harness.emulator.stats.calls.copy()
    await referent.tap("Studente")
    asked = await referent.expect("Cognome del caso")
    # The tapped message itself: the answer recorded, then the next question.
    assert asked.message_id == question.message_id
    assert (asked.text or "").startswith("✓ Ruolo: Studente")
    calls = harness.emulator.stats.calls - before
    del calls["getUpdates"]
    # One edit and the tap's answer: no separate "remove the keyboard" nor a new message
    # (was 3: editMessageReplyMarkup, answerCallbackQuery, sendMessage).
    assert dict(calls) == {"editMessageText": 1, "answerCallbackQuery": 1}
    await referent.send("Bianchi")
    await referent.expect("Nome del caso")
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")
    await referent.send(STUDENT_CF)
    await referent.send("Milano")
    await referent.send("347 1234567")
    day_question = await referent.expect("Ultimo giorno di frequenza")
    await referent.tap("Ieri")
    asked = await referent.expect("Data del tampone positivo")
    assert asked.message_id == day_question.message_id
    assert "✓ Ultimo giorno di frequenza: 16/11/2026" in (asked.text or "")
    await referent.tap("Non nota")
    asked = await referent.expect("inizio dei sintomi")
    assert "✓ Data del tampone positivo: non indicato" in (asked.text or "")


async def test_profilo_changes_what_every_new_case_takes(
    harness: Harness, referent: ChatUser
) -> None:
    await referent.send("/profilo")
    shown = await referent.expect("Il tuo profilo")
    assert "Maria Rossi" in (shown.text or "")  # as a person writes it, not in capitals
    await referent.tap("✏️ Telefono")
    await referent.expect("numero di telefono")
    await referent.send("123")
    await referent.expect("non è un numero di telefono valido")
    await referent.send("02 1234 5678")
    await referent.expect("Profilo aggiornato")
    stored = await harness.svc.referents.by_user(320)
    assert stored is not None and stored.phone == "+390212345678"
    await referent.tap("✏️ E-mail")
    await referent.send("maria.rossi@altra.example.it")
    await referent.expect("Profilo aggiornato")
    await start_case_data(referent)
    await referent.tap("Studente")
    for answer in ("Bianchi", "Luca", STUDENT_CF, "Milano", "347 1234567"):
        await referent.send(answer)
    await referent.expect("Ultimo giorno di frequenza")
    await referent.tap("Ieri")
    await referent.tap("Non nota")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    review = await referent.expect("controlla i dati")
    assert "+39 02 1234 5678" in (review.text or "")
    assert "maria.rossi@altra.example.it" in (review.text or "")


async def test_a_code_that_does_not_match_the_names_is_asked_then_flagged(
    harness: Harness, referent: ChatUser
) -> None:
    """NERI SARA with LUCA BIANCHI's code: which part disagrees, correct or confirm."""
    await start_case_data(referent)
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    await referent.send("Neri")
    await referent.expect("Nome del caso")
    await referent.send("Sara")
    await referent.expect("Codice fiscale del caso")
    await referent.send(STUDENT_CF)
    warning = await referent.expect("non corrisponde")
    text = warning.text or ""
    assert "al cognome («NERI» darebbe NRE, il codice ha BNC)" in text
    assert "al nome («SARA» darebbe SRA, il codice ha LCU)" in text
    await referent.tap("✏️ Cognome")
    await referent.expect("Cognome del caso")
    await referent.send("Bianchi")
    warning = await referent.expect("non corrisponde")  # the name still disagrees
    assert "cognome" not in (warning.text or "") and "al nome" in (warning.text or "")
    await referent.tap("Il codice è giusto")
    await referent.expect("Comune di domicilio")
    await referent.send("Milano")
    await referent.send("347 1234567")
    await referent.expect("Ultimo giorno di frequenza")
    await referent.tap("Ieri")
    await referent.tap("Non nota")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    review = await referent.expect("controlla i dati")
    assert "segnalato all'ATS" in (review.text or "")
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    case = await harness.svc.cases.get(1)
    assert case is not None and case.data.cf_mismatch_confirmed
    assert (case.data.surname, case.data.name) == ("BIANCHI", "SARA")


async def test_assenze_on_a_monday_says_it_is_not_a_recording_day_before_the_plesso(
    harness: Harness, admin: ChatUser
) -> None:
    referent = await referent_of(admin, harness.user(321, "Anna"), SENTINEL, SENTINEL_2)
    await referent.send("/assenze 16/11")  # a Monday (today is Tuesday 17/11/2026)
    refused = await referent.expect("non è un giorno di rilevazione")
    assert "non si può più registrare" not in (refused.text or "")
    assert not any("Per quale plesso" in text for _, text in referent.transcript)


async def test_unlikely_answers_are_asked_to_confirm_on_save(
    harness: Harness, referent: ChatUser
) -> None:
    """A last day on a Sunday and a swab 40 days before it: possible, asked, not refused."""
    await start_case_data(referent)
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    for answer in ("Bianchi", "Luca", STUDENT_CF, "Milano", "347 1234567"):
        await referent.send(answer)
    await referent.expect("Ultimo giorno di frequenza")
    await referent.send("15/11/2026")  # a Sunday
    await referent.expect("Data del tampone positivo")
    await referent.send("06/10/2026")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    await referent.expect("controlla i dati")
    await referent.tap("Salva")
    asked = await referent.expect("qualcosa sembra insolito")
    text = asked.text or ""
    assert "l'ultimo giorno di frequenza (15/11/2026) è una domenica" in text
    assert "il tampone positivo (06/10/2026) è di più di 30 giorni prima" in text
    assert await harness.svc.cases.get(1) is None  # nothing saved yet
    await referent.tap("✏️ Ultimo giorno di frequenza")
    await referent.expect("Ultimo giorno di frequenza")
    await referent.send("13/11/2026")  # a Friday
    await referent.expect("controlla i dati")
    await referent.tap("Salva")
    await referent.expect("qualcosa sembra insolito")  # the swab is still 38 days before
    await referent.tap("Sì, salva così")
    await referent.expect("inserito correttamente")
    case = await harness.svc.cases.get(1)
    assert case is not None and case.data.swab_date == date(2026, 10, 6)


async def test_contacts_are_numbered_within_their_case(
    harness: Harness, referent: ChatUser
) -> None:
    first = await report_case(referent)
    await add_classmate(referent, first, "VRDNNA15E52E648D")
    await add_classmate(referent, first, "NREPLA15B20F205S")
    second = await report_case(
        referent, surname="Rossi", name="Mario", codice_fiscale="RSSMRA15A01F205J"
    )
    await add_classmate(referent, second, "GLLSRA15C43F205W")
    saved = referent.last_message()
    assert f"Contatto 1 aggiunto al caso {second}" in (saved.text or "")  # not "Contatto 3"
    contacts = await harness.svc.contacts.page(second, 1, size=10)
    assert [(c.id, c.number) for c in contacts.items] == [(3, 1)]
