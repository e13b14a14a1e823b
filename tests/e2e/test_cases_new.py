"""/nuovocaso end to end: a referent reports a case, one question at a time, then Salva."""

from __future__ import annotations

from datetime import date

import pytest

from bot.catalog import common
from domain.cases import CaseStatus
from domain.people import Role
from domain.schools import SchoolType
from emulator.driver import ChatUser
from storage.db import DatabaseUnavailable
from tests.e2e.steps import (
    PLESSO_MILANO,
    PLESSO_MILANO_2,
    STUDENT_CF,
    joined_referent,
    report_case,
    start_case_data,
)
from tests.harness import Harness

TEACHER_CF = "VRDGLI80E50E648Y"  # Giulia Verdi, born 10/05/1980 in Lodi
OTHER_PUPIL_CF = "NRESRA12P61F205C"  # Sara Neri, born 21/09/2012 in Milano
PLESSO_INFANZIA = "MIAA8AB01P"


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    """A referent of one plesso (Scuola Primaria Via dei Tigli, Milano)."""
    return await joined_referent(harness, admin, 300)


async def up_to_codice_fiscale(referent: ChatUser, role: str = "Studente") -> None:
    await start_case_data(referent)
    await referent.tap(role)
    await referent.expect("Cognome del caso")
    await referent.send("Bianchi")
    await referent.expect("Nome del caso")
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")


async def from_comune_to_review(referent: ChatUser) -> None:
    await referent.send("milano")
    await referent.expect("Telefono 1 del caso")
    await referent.send("3471234567")
    await referent.expect("Ultimo giorno di frequenza")
    await referent.tap("Ieri")
    await referent.expect("Data del tampone positivo (se nota)")
    await referent.tap("Non nota")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    await referent.expect("controlla i dati")


async def test_full_case_with_every_optional_field(harness: Harness, admin: ChatUser) -> None:
    referent = await joined_referent(harness, admin, 301, PLESSO_MILANO, PLESSO_MILANO_2)
    await referent.send("/nuovocaso")
    await referent.expect("Quale plesso frequenta il caso?")
    await referent.tap("Parco Nord")
    # The plesso's school type is the registry's: not asked; the tapped question keeps the
    # answer.
    asked = await referent.expect("Classe (obbligatoria)")
    assert "✓ Plesso: Scuola Secondaria di I grado Parco Nord" in (asked.text or "")
    await referent.send("2c")  # class and section in one answer
    await referent.expect("Ruolo del caso")
    await referent.tap("Docente")
    await referent.expect("Cognome del caso")
    await referent.send("  verdi ")
    await referent.expect("Nome del caso")
    await referent.send("giulia")
    await referent.expect("Codice fiscale del caso")
    await referent.send(TEACHER_CF.lower())
    await referent.expect("Comune di domicilio: scrivi")  # the birth date is the code's
    await referent.send("LODI")
    await referent.expect("Scegli il comune")
    assert referent.buttons()[0] == "Lodi (LO)"
    await referent.tap("Lodi (LO)")
    await referent.expect("Telefono 1 del caso")
    await referent.send("+39 347 765 4321 / 333-111 2223")
    await referent.expect("Ultimo giorno di frequenza")
    await referent.send("13/11/26")
    await referent.expect("Data del tampone positivo (se nota)")
    await referent.send("14-11-2026")
    await referent.expect("inizio dei sintomi")
    await referent.send("12/11/2026")
    review = await referent.expect("controlla i dati")
    assert "MARIA ROSSI" in (review.text or "")  # the referent's profile
    # The referent of this case is someone else: changed in the review.
    for label, question, answer in (
        ("✏️ Referente", "Cognome e nome del referente", "Luca   Bianchi"),
        ("✏️ Telefono referente", "Telefono del referente", "02 1234 5678"),
        ("✏️ E-mail referente", "E-mail del referente", "luca.bianchi@scuola.example.it"),
    ):
        await referent.tap(label)
        await referent.expect(question)
        await referent.send(answer)
        review = await referent.expect("controlla i dati")
    text = review.text or ""
    for shown in (
        "Scuola Secondaria di I grado Parco Nord (MIMM8AB01V)",
        "Classe: 2",
        "Sezione: C",
        "LUCA BIANCHI",
        "+39 02 1234 5678",
        "Ruolo: Docente",
        "Cognome: VERDI",
        "Nome: GIULIA",
        TEACHER_CF,
        "10/05/1980",
        "Lodi (LO)",
        "+39 347 765 4321",
        "+39 333 111 2223",
        "13/11/2026",
        "14/11/2026",
        "12/11/2026",
    ):
        assert shown in text, shown
    assert (await harness.svc.cases.page(PLESSO_MILANO_2, 1)).total == 0  # nothing before Salva
    harness.clock.advance(minutes=5)
    await referent.tap("Salva")
    saved = await referent.expect("inserito correttamente")
    assert "caso 1" in (saved.text or "")

    case = await harness.svc.cases.get(1)
    assert case is not None and case.status is CaseStatus.OPEN
    data = case.data
    assert data.plesso_code == PLESSO_MILANO_2
    assert data.school_type is SchoolType.SECONDARIA_1
    assert (data.class_name, data.section) == ("2", "C")
    assert (data.referent_name, data.referent_phone, data.referent_email) == (
        "LUCA BIANCHI",
        "+390212345678",
        "luca.bianchi@scuola.example.it",
    )
    assert data.role is Role.TEACHER
    assert (data.surname, data.name, data.codice_fiscale) == ("VERDI", "GIULIA", TEACHER_CF)
    assert data.birth_date == date(1980, 5, 10)
    assert (data.comune.code, data.comune.name, data.comune.province) == ("E648", "Lodi", "LO")
    assert (data.phone1, data.phone2) == ("+393477654321", "+393331112223")
    assert data.last_attendance == date(2026, 11, 13)
    assert data.swab_date == date(2026, 11, 14)
    assert data.onset_date == date(2026, 11, 12)
    history = await harness.svc.audit.for_entity("case", "1")
    assert [entry.action for entry in history] == ["case.create"]
    # The referent's own profile is unchanged: the new data are the case's.
    stored = await harness.svc.referents.by_user(301)
    assert stored is not None and stored.full_name == "MARIA ROSSI"

    # Next time, the plesso used last comes first.
    await referent.send("/nuovocaso")
    await referent.expect("Quale plesso")
    assert "Parco Nord" in referent.buttons()[0]


async def test_case_with_no_optional_field(harness: Harness, referent: ChatUser) -> None:
    case_id = await report_case(referent)
    # One plesso: taken without asking.
    assert any("Nuovo caso per il plesso" in text for _, text in referent.transcript)
    assert not any("Quale plesso" in text for _, text in referent.transcript)
    case = await harness.svc.cases.get(case_id)
    assert case is not None
    assert case.data.plesso_code == PLESSO_MILANO
    assert (case.data.phone2, case.data.swab_date, case.data.onset_date) == (None, None, None)
    assert case.data.last_attendance == date(2026, 11, 16)
    assert case.created_by == 300


async def test_zero_six_section_goes_in_class_and_section(
    harness: Harness, admin: ChatUser
) -> None:
    referent = await joined_referent(harness, admin, 302, PLESSO_INFANZIA)
    await referent.send("/nuovocaso")
    await referent.expect("bolla")  # the school type is the registry's
    await referent.send("Girasoli")
    await referent.expect("Ruolo del caso")  # no separate question for the section
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    await referent.send("Neri")
    await referent.expect("Nome del caso")
    await referent.send("Sara")
    await referent.expect("Codice fiscale del caso")
    await referent.send(OTHER_PUPIL_CF)
    await referent.expect("Comune di domicilio: scrivi")
    await from_comune_to_review(referent)
    review_text = referent.last_message().text or ""
    assert "Classe: Girasoli" in review_text and "Sezione: Girasoli" in review_text
    await referent.tap("Annulla")
    await referent.expect("Vuoi davvero annullare?")  # issue 22: answers are not dropped at once
    await referent.tap("Sì")
    await referent.expect("nessun caso è stato salvato")
    assert (await harness.svc.cases.page(PLESSO_INFANZIA, 1)).total == 0


# --- validation: a wrong answer, then the right one ---------------------------------------------


async def test_school_and_name_answers_are_checked(referent: ChatUser) -> None:
    await referent.send("/nuovocaso")
    await referent.expect("Classe (obbligatoria)")
    await referent.send("x" * 21)
    await referent.expect("al massimo 20 caratteri")
    await referent.expect("Classe (obbligatoria)")
    for wrong in ("🎉", "###", "6"):  # a primary school has classes 1 to 5
        await referent.send(wrong)
        await referent.expect("non è una classe di questa scuola")
    await referent.send("3")
    await referent.expect("Sezione (obbligatoria)")
    await referent.send_sticker()
    await referent.expect("risposta scritta")
    await referent.expect("Sezione (obbligatoria)")
    for wrong in ("🎉", "###"):
        await referent.send(wrong)
        await referent.expect("non è una sezione")
    await referent.send("B")
    await referent.expect("Ruolo del caso")
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    await referent.send("Bianchi2")
    await referent.expect("togli")
    await referent.expect("Cognome del caso")
    await referent.send("Bianchi")
    await referent.expect("Nome del caso")
    await referent.send("<Luca>")
    await referent.expect("togli")
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")


async def test_codice_fiscale_and_birth_date_are_checked(
    harness: Harness, referent: ChatUser
) -> None:
    await up_to_codice_fiscale(referent)
    await referent.send("BNCLCU15C02")
    await referent.expect("16 caratteri (ne hai scritti 11)")
    await referent.send("BNCLCU15C02F205A")
    await referent.expect("carattere, di controllo, non torna")
    await referent.expect("Codice fiscale del caso")
    await referent.send(" bnclcu15c02f205o ")
    await referent.expect("Comune di domicilio: scrivi")  # the birth date is the code's
    await from_comune_to_review(referent)
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    case = await harness.svc.cases.get(1)
    assert case is not None and case.data.codice_fiscale == STUDENT_CF


async def test_omocodia_code_is_accepted(harness: Harness, referent: ChatUser) -> None:
    await up_to_codice_fiscale(referent)
    # The same person with omocodia: the last digit of the place code replaced (5 -> R).
    from codicefiscale import codicefiscale as cf_lib

    body = STUDENT_CF[:14] + "R"
    omocode = body + cf_lib.encode_cin(body)
    await referent.send(omocode)
    await referent.expect("Comune di domicilio: scrivi")
    await from_comune_to_review(referent)
    review = await referent.expect("controlla i dati")
    assert "02/03/2015" in (review.text or "")


async def test_birth_date_implausible_for_the_role(referent: ChatUser) -> None:
    await up_to_codice_fiscale(referent, role="Docente")
    await referent.send(STUDENT_CF)
    problem = await referent.expect("avrebbe 11 anni")
    assert "docente" in (problem.text or "")
    assert "02/03/2015" not in " ".join(referent.buttons())  # nothing to accept
    await referent.send("02/03/2015")
    await referent.expect("avrebbe 11 anni")
    await referent.tap("✏️ Ruolo")
    await referent.expect("Ruolo del caso")
    await referent.tap("Studente")
    await referent.expect("dal codice fiscale risulta il")  # asked again: the role changed
    await referent.tap("02/03/2015")
    await referent.expect("Comune di domicilio: scrivi")


async def test_comune_phones_and_dates_are_checked(harness: Harness, referent: ChatUser) -> None:
    await up_to_codice_fiscale(referent)
    await referent.send(STUDENT_CF)
    await referent.expect("Comune di domicilio: scrivi")  # the birth date is the code's
    await referent.send("Paperopoli")
    await referent.expect("Nessun comune trovato per «Paperopoli»")
    await referent.send("m")
    await referent.expect("almeno 2 lettere")
    await referent.send("MILAN")
    await referent.expect("Scegli il comune")
    assert referent.buttons()[0] == "Milano (MI)"
    assert len(referent.buttons()) <= 8
    await referent.tap("Milano (MI)")
    await referent.expect("Telefono 1 del caso")
    await referent.send("12345")
    await referent.expect("non è un numero di telefono valido")
    await referent.send("347 123 4567, telefono")
    await referent.expect("non è un numero di telefono valido")
    await referent.send("347 123 4567, 0039 02 1234567")  # two numbers: Telefono 1 and 2
    await referent.expect("Ultimo giorno di frequenza")
    assert referent.buttons()[:3] == ["Oggi 17/11", "Ieri 16/11", "dom 15/11"]
    await referent.send("18/11/2026")
    await referent.expect("non può essere nel futuro: hai scritto 18/11/2026, oggi è 17/11/2026")
    await referent.send("il giorno prima")
    await referent.expect("non è una data valida")
    await referent.send("oggi")
    await referent.expect("Data del tampone positivo (se nota)")
    await referent.tap("sab 14/11")
    await referent.expect("inizio dei sintomi")
    # A day button of the earlier question (still on screen: that answer was typed).
    await referent.tap_stale("ven 13/11")
    await referent.expect_answer("non è più attivo")
    await referent.send("01/12/2026")
    await referent.expect("non può essere nel futuro")
    await referent.send("ieri")
    await referent.expect("controlla i dati")
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    case = await harness.svc.cases.get(1)
    assert case is not None
    assert case.data.phone2 == "+39021234567"
    assert case.data.last_attendance == date(2026, 11, 17)
    assert case.data.swab_date == date(2026, 11, 14)
    assert case.data.onset_date == date(2026, 11, 16)


async def test_same_codice_fiscale_in_30_days_is_warned(
    harness: Harness, referent: ChatUser
) -> None:
    first = await report_case(referent)
    await up_to_codice_fiscale(referent)
    await referent.send(STUDENT_CF)
    warning = await referent.expect("già stato segnalato")
    assert f"caso {first}" in (warning.text or "")
    await referent.tap("Annulla")
    await referent.expect("Segnalazione annullata")
    assert (await harness.svc.cases.page(PLESSO_MILANO, 1)).total == 1

    await up_to_codice_fiscale(referent)
    await referent.send(STUDENT_CF)
    await referent.expect("già stato segnalato")
    await referent.tap("Continua comunque")
    await referent.expect("Comune di domicilio: scrivi")
    await from_comune_to_review(referent)
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    assert (await harness.svc.cases.page(PLESSO_MILANO, 1)).total == 2

    # A month later the same code is a new case, without warning.
    harness.clock.advance(days=31)
    await up_to_codice_fiscale(referent)
    await referent.send(STUDENT_CF)
    await referent.expect("Comune di domicilio: scrivi")  # no warning


async def test_same_codice_fiscale_in_another_plesso_is_not_warned(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    await report_case(referent)
    other = await joined_referent(harness, admin, 303, PLESSO_MILANO_2, first_name="Paolo")
    await other.send("/nuovocaso")
    await other.expect("Classe (obbligatoria)")
    await other.send("1")
    await other.expect("Sezione (obbligatoria)")
    await other.send("A")
    await other.expect("Ruolo del caso")
    await other.tap("Studente")
    await other.expect("Cognome del caso")
    await other.send("Bianchi")
    await other.expect("Nome del caso")
    await other.send("Luca")
    await other.expect("Codice fiscale del caso")
    await other.send(STUDENT_CF)
    await other.expect("Comune di domicilio: scrivi")  # no warning


# --- interruptions ------------------------------------------------------------------------------


async def test_annulla_mid_way_saves_nothing(harness: Harness, referent: ChatUser) -> None:
    await up_to_codice_fiscale(referent)
    await referent.send("/annulla")
    await referent.expect("Vuoi davvero annullare?")  # issue 22: answers are not dropped at once
    await referent.tap("Sì")
    await referent.expect("nessun caso è stato salvato")
    assert (await harness.svc.cases.page(PLESSO_MILANO, 1)).total == 0
    await referent.tap_stale("Studente")
    await referent.expect_answer("non è più attivo")
    await referent.send(STUDENT_CF)
    await referent.expect("Non ho capito")
    await referent.send("/nuovocaso")
    await referent.expect("Classe (obbligatoria)")  # starts afresh


async def test_a_busy_database_between_the_case_and_its_plesso_mark_saves_nothing(
    harness: Harness, referent: ChatUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case and the plesso's "used last" mark are one transaction (issue 14, defect 8):
    "non salvato" must mean that no case was saved, and Salva again saves it once."""
    await up_to_codice_fiscale(referent)
    await referent.send(STUDENT_CF)
    await referent.expect("Comune di domicilio")
    await from_comune_to_review(referent)
    referents = harness.svc.referents
    touch_plesso = referents.touch_plesso

    async def busy(*args: object, **kwargs: object) -> None:
        raise DatabaseUnavailable("database is locked")

    monkeypatch.setattr(referents, "touch_plesso", busy)
    await referent.tap("Salva")
    await referent.expect(common.DATABASE_BUSY)
    await referent.expect("controlla i dati")  # the review again, with its buttons
    assert (await harness.svc.cases.page(PLESSO_MILANO, 1)).total == 0
    monkeypatch.setattr(referents, "touch_plesso", touch_plesso)
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")  # no duplicate warning: one case
    assert (await harness.svc.cases.page(PLESSO_MILANO, 1)).total == 1


async def test_restart_mid_way_loses_nothing(harness: Harness, referent: ChatUser) -> None:
    await up_to_codice_fiscale(referent)
    await harness.restart_bot()
    await referent.send(STUDENT_CF)
    await referent.expect("Comune di domicilio: scrivi")
    await from_comune_to_review(referent)
    await referent.tap("✏️ Cognome")
    await referent.expect("Cognome del caso")
    await harness.restart_bot()
    await referent.send("Bianco")
    review = await referent.expect("controlla i dati")
    assert "Cognome: BIANCO" in (review.text or "")
    assert "Nome: LUCA" in (review.text or "") and "Classe: 3" in (review.text or "")
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    case = await harness.svc.cases.get(1)
    assert case is not None and (case.data.surname, case.data.name) == ("BIANCO", "LUCA")


async def test_review_changes_one_field_and_comes_back(
    harness: Harness, referent: ChatUser
) -> None:
    await up_to_codice_fiscale(referent)
    await referent.send(STUDENT_CF)
    await referent.expect("Comune di domicilio: scrivi")
    await from_comune_to_review(referent)
    await referent.send("salva")
    await referent.expect("Tocca uno dei pulsanti")
    await referent.tap("✏️ Data del tampone")
    await referent.expect("Data del tampone positivo (se nota)")
    await referent.tap("Ieri")
    review = await referent.expect("controlla i dati")
    assert "Data del tampone positivo: 16/11/2026" in (review.text or "")
    # A new code with another birth date takes that date, then the review.
    await referent.tap("✏️ Codice fiscale")
    await referent.expect("Codice fiscale del caso")
    await referent.send(OTHER_PUPIL_CF)
    # Another child's code (NERI SARA) for BIANCHI LUCA: asked before it is taken.
    await referent.expect("non corrisponde al cognome")
    await referent.tap("Il codice è giusto")
    review = await referent.expect("controlla i dati")  # its birth date taken
    assert OTHER_PUPIL_CF in (review.text or "") and "21/09/2012" in (review.text or "")
    await referent.tap("Salva")
    # A pupil of 14 in a primary school: possible, asked to confirm.
    await referent.expect("un'età insolita per il tipo di scuola")
    await referent.tap("Sì, salva così")
    await referent.expect("inserito correttamente")
    case = await harness.svc.cases.get(1)
    assert case is not None
    assert case.data.birth_date == date(2012, 9, 21)
    assert case.data.swab_date == date(2026, 11, 16)


async def test_save_on_the_next_day_checks_again(harness: Harness, referent: ChatUser) -> None:
    await up_to_codice_fiscale(referent)
    await referent.send(STUDENT_CF)
    await referent.expect("Comune di domicilio: scrivi")
    await from_comune_to_review(referent)
    harness.clock.advance(days=1)
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    case = await harness.svc.cases.get(1)
    assert case is not None and case.data.last_attendance == date(2026, 11, 16)
    assert case.created_at.date() == date(2026, 11, 18)
