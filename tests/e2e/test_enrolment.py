"""/iscritti: a referent records pupils aged 6-19 and classes, for every plesso."""

from __future__ import annotations

from datetime import date

import pytest

from emulator.driver import ChatUser
from tests.e2e.steps import NOT_SENTINEL, SENTINEL, referent_of
from tests.harness import Harness


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await referent_of(admin, harness.user(300, "Maria"), SENTINEL)


async def record(referent: ChatUser, pupils: str, classes: str) -> None:
    await referent.send("/iscritti")
    await referent.expect("Quanti alunni")
    await referent.send(pupils)
    await referent.expect("Quante classi")
    await referent.send(classes)


async def test_first_enrolment_is_in_force_from_the_start_of_the_school_year(
    harness: Harness, referent: ChatUser
) -> None:
    await referent.send("/iscritti")
    await referent.expect("Non c'è ancora il numero di iscritti")
    await referent.expect("6-19 anni")
    await referent.send("290")
    await referent.expect("Quante classi")
    await referent.send("14")
    saved = await referent.expect("Salvato")
    assert saved.text is not None
    assert "290 alunni" in saved.text and "14 classi" in saved.text
    assert "dal 01/09/2026 (anno scolastico 2026/27)" in saved.text
    history = await harness.svc.enrolments.history(SENTINEL)
    assert [(e.pupils, e.classes, e.valid_from) for e in history] == [(290, 14, date(2026, 9, 1))]


async def test_a_correction_keeps_the_history_and_is_audited(
    harness: Harness, referent: ChatUser
) -> None:
    await record(referent, "290", "14")
    await referent.expect("Salvato")
    await referent.send("/iscritti")
    current = await referent.expect("In vigore")
    assert current.text is not None
    assert "290 alunni" in current.text and "14 classi" in current.text
    await referent.expect("Quanti alunni")
    await referent.send("296")
    await referent.expect("Quante classi")
    await referent.send("14")
    saved = await referent.expect("Salvato")
    assert saved.text is not None
    assert "296 alunni" in saved.text and "dal 17/11/2026" in saved.text
    history = await harness.svc.enrolments.history(SENTINEL)
    assert [e.pupils for e in history] == [290, 296]
    entry = (await harness.svc.audit.for_entity("plesso", SENTINEL))[0]
    assert entry.action == "enrolment.record"
    assert (entry.details["old_pupils"], entry.details["pupils"]) == (290, 296)


async def test_a_change_above_30_percent_asks_for_confirmation(
    harness: Harness, referent: ChatUser
) -> None:
    await record(referent, "290", "14")
    await referent.expect("Salvato")
    await record(referent, "400", "16")
    question = await referent.expect("oltre il 30%")
    assert question.text is not None
    assert "da 290 a 400 (+38%)" in question.text
    await referent.tap("Correggi")
    await referent.expect("Quanti alunni")
    await referent.send("300")
    await referent.expect("Quante classi")
    await referent.send("14")
    await referent.expect("Salvato: 300")
    await record(referent, "150", "10")
    await referent.expect("oltre il 30%")
    await referent.send("sì")
    await referent.expect("pulsanti")
    await referent.tap("Conferma")
    await referent.expect("Salvato: 150")
    assert [e.pupils for e in await harness.svc.enrolments.history(SENTINEL)] == [
        290,
        300,
        150,
    ]


async def test_impossible_figures_are_refused_and_unlikely_ones_warned(
    harness: Harness, referent: ChatUser
) -> None:
    await referent.send("/iscritti")
    await referent.expect("Quanti alunni")
    for typed, answer in (("tre", "in cifre"), ("1,5", "senza virgola"), ("0", "almeno 1")):
        await referent.send(typed)
        await referent.expect(answer)  # "0" too: refused at once, classes not asked
        await referent.expect("Quanti alunni")
    await referent.send("20")
    await referent.expect("Quante classi")
    await referent.send("0")
    await referent.expect("classi deve essere almeno 1")
    await referent.expect("Quante classi")  # the pupils kept
    await referent.send("30")
    await referent.expect("non possono essere più degli iscritti (20)")
    await referent.expect("Quanti alunni")
    await referent.send("610")
    await referent.expect("Quante classi")
    await referent.send("10")
    await referent.expect("61,0 alunni per classe: non è possibile")
    await referent.send("1.200")  # thousands dot accepted
    await referent.expect("Quante classi")
    await referent.send("30")
    warning = await referent.expect("Attenzione")
    assert warning.text is not None
    assert "40,0 alunni per classe, più di 35" in warning.text
    await referent.tap("Conferma")
    await referent.expect("Salvato: 1.200")
    assert len(await harness.svc.enrolments.history(SENTINEL)) == 1


async def test_every_plesso_records_enrolment_missing_ones_offered_first(
    harness: Harness, admin: ChatUser
) -> None:
    referent = await referent_of(admin, harness.user(301), SENTINEL, NOT_SENTINEL)
    await record_for(referent, "Tigli", "290", "14")
    await referent.send("/iscritti")
    await referent.expect("Per quale plesso")
    labels = referent.buttons()
    assert labels[0].startswith("⏳") and "Parco Nord" in labels[0]
    assert labels[1].startswith("✅") and "Tigli" in labels[1]
    await referent.tap("Parco Nord")
    await referent.expect("Non c'è ancora")
    await referent.send("500")
    await referent.send("22")
    await referent.expect("Salvato: 500")
    assert len(await harness.svc.enrolments.history(NOT_SENTINEL)) == 1


async def record_for(referent: ChatUser, plesso: str, pupils: str, classes: str) -> None:
    await referent.send("/iscritti")
    await referent.expect("Per quale plesso")
    await referent.tap(plesso)
    await referent.expect("Quanti alunni")
    await referent.send(pupils)
    await referent.expect("Quante classi")
    await referent.send(classes)
    await referent.expect("Salvato")


async def test_cancel_leaves_nothing_saved(harness: Harness, referent: ChatUser) -> None:
    await referent.send("/iscritti")
    await referent.expect("Quanti alunni")
    await referent.send("290")
    await referent.send("/annulla")
    await referent.expect("Vuoi davvero annullare?")  # issue 22: answers are not dropped at once
    await referent.tap("Sì")
    await referent.expect("Operazione annullata")
    assert await harness.svc.enrolments.history(SENTINEL) == []


async def test_admins_and_strangers_cannot_record_enrolment(
    admin: ChatUser, stranger: ChatUser
) -> None:
    await admin.send("/iscritti")
    await admin.expect("referenti COVID")
    await stranger.send("/iscritti")
    await stranger.expect("Non sei registrato")
