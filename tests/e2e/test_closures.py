"""/chiusure: the ATS sets school closures; no absences are expected on those days."""

from __future__ import annotations

from datetime import date, datetime

from domain.enrolment import Enrolment
from emulator.driver import ChatUser
from tests.e2e.steps import SENTINEL, referent_of
from tests.harness import ADMIN_REGIONAL, ADMIN_VALPADANA, ROME, Harness


async def add_closure(
    admin: ChatUser, start: str, end: str, note: str | None, plesso: str | None = None
) -> None:
    await admin.send("/chiusure")
    await admin.expect("Chiusure delle scuole")
    await admin.tap("Aggiungi")
    await admin.expect("tutta l'ATS ATS-MILANO o per un solo plesso")
    if plesso is None:
        await admin.tap("Tutta l'ATS")
    else:
        await admin.tap("Un solo plesso")
        await admin.expect("codice meccanografico")
        await admin.send(plesso)
    await admin.expect("Primo giorno")
    await admin.send(start)
    await admin.expect("Ultimo giorno")
    await admin.send(end)
    await admin.expect("Una nota")
    if note is None:
        await admin.tap("Nessuna nota")
    else:
        await admin.send(note)
    await admin.expect("Controlla la chiusura")
    await admin.tap("Conferma")
    await admin.expect("Chiusura salvata")


async def test_admin_adds_the_christmas_break_and_referents_are_not_asked(
    harness: Harness, admin: ChatUser
) -> None:
    await admin.send("/chiusure")
    await admin.expect("Nessuna chiusura in corso o in programma")
    await add_closure(admin, "23/12/2026", "6/1/2027", "Vacanze di Natale")
    listing = await admin.expect("Chiusure delle scuole – ATS-MILANO")
    assert listing.text is not None
    assert "1. 23/12/2026 – 06/01/2027, tutta l'ATS – Vacanze di Natale" in listing.text
    assert any("Rimuovi 1 (23/12–06/01)" in label for label in admin.buttons())
    [closure] = await harness.svc.closures.active("ATS-MILANO")
    assert (closure.start, closure.end, closure.plesso_code) == (
        date(2026, 12, 23),
        date(2027, 1, 6),
        None,
    )
    entry = (await harness.svc.audit.for_entity("closure", str(closure.id)))[0]
    assert entry.action == "closure.create"

    referent = await referent_of(admin, harness.user(320), SENTINEL)
    enrolment = Enrolment(plesso_code=SENTINEL, pupils=290, classes=14, valid_from=date(2026, 9, 1))
    await harness.svc.enrolments.add(enrolment, actor=320, now=harness.clock())
    harness.clock.set(datetime(2026, 12, 29, 10, 0, tzinfo=ROME))  # a Tuesday in the break
    await referent.send("/assenze")
    await referent.expect("La prossima rilevazione è giovedì 07/01/2027")
    assert await harness.svc.absences.missing_plessi("ATS-MILANO", date(2026, 12, 29)) == []


async def test_a_closure_of_one_plesso_typed_by_code(harness: Harness, admin: ChatUser) -> None:
    await admin.send("/chiusure")
    await admin.tap("Aggiungi")
    await admin.tap("Un solo plesso")
    await admin.expect("codice meccanografico")
    await admin.send("CREE81001A")  # a plesso of ATS Val Padana
    await admin.expect("Non trovo il plesso CREE81001A tra quelli dell'ATS ATS-MILANO")
    await admin.send("XX")
    await admin.expect("10 caratteri")
    await admin.send("mieE8ab01t")
    await admin.expect("Primo giorno")
    await admin.send("17/11/2026")
    await admin.expect("Ultimo giorno")
    await admin.send("16/11/2026")
    await admin.expect("non può finire (16/11/2026) prima di iniziare (17/11/2026)")
    await admin.send("31/12/2027")
    await admin.expect("al massimo 366")
    await admin.send("oggi")
    await admin.expect("Una nota")
    await admin.send("Elezioni")
    summary = await admin.expect("Controlla la chiusura")
    assert summary.text is not None
    assert "Scuola Primaria Via dei Tigli (MIEE8AB01T)" in summary.text
    assert "Dal 17/11/2026 al 17/11/2026" in summary.text
    await admin.tap("Conferma")
    listing = await admin.expect("Chiusure delle scuole")
    assert listing.text is not None
    assert "17/11/2026, plesso MIEE8AB01T – Elezioni" in listing.text
    calendar = await harness.svc.closures.calendar("ATS-MILANO")
    assert not calendar.is_recording_day(date(2026, 11, 17), SENTINEL)
    assert calendar.is_recording_day(date(2026, 11, 17), "MIAA8AB01P")


async def test_removing_asks_first_and_is_audited(harness: Harness, admin: ChatUser) -> None:
    await add_closure(admin, "23/12/2026", "06/01/2027", None)
    await admin.tap("Rimuovi 1")
    await admin.expect("Rimuovere la chiusura 23/12/2026 – 06/01/2027, tutta l'ATS?")
    await admin.tap("No")
    await admin.expect("La chiusura resta")
    assert len(await harness.svc.closures.active("ATS-MILANO")) == 1
    await admin.send("/chiusure")
    await admin.tap("Rimuovi 1")
    await admin.expect("Rimuovere la chiusura")
    await admin.tap("Sì")
    await admin.expect("Chiusura rimossa")
    await admin.expect("Nessuna chiusura")
    assert await harness.svc.closures.active("ATS-MILANO") == []
    await admin.tap_stale("Sì")
    await admin.expect_answer("non c'è più")
    audit = await harness.svc.audit.for_entity("closure", "1")
    assert [e.action for e in audit] == ["closure.delete", "closure.create"]


async def test_discarding_saves_nothing(harness: Harness, admin: ChatUser) -> None:
    await admin.send("/chiusure")
    await admin.tap("Aggiungi")
    await admin.tap("Tutta l'ATS")
    await admin.send("1/6/2027")
    await admin.send("30/6/2027")
    await admin.expect("Una nota")
    await admin.tap("Nessuna nota")
    await admin.expect("Controlla la chiusura")
    await admin.tap("Annulla")
    await admin.expect("Chiusura non salvata")
    assert await harness.svc.closures.active("ATS-MILANO") == []


async def test_each_ats_sees_its_own_and_the_region_picks(
    harness: Harness, admin: ChatUser
) -> None:
    await add_closure(admin, "23/12/2026", "06/01/2027", "Natale")
    valpadana = harness.user(ADMIN_VALPADANA)
    await valpadana.send("/chiusure")
    listing = await valpadana.expect("ATS-VALPADANA")
    assert listing.text is not None
    assert "Natale" not in listing.text and "Nessuna chiusura" in listing.text
    region = harness.user(ADMIN_REGIONAL)
    await region.send("/chiusure")
    await region.expect("Di quale ATS")
    assert region.buttons() == ["ATS-MILANO", "ATS-VALPADANA"]
    await region.tap("ATS-MILANO")
    listing = await region.expect("Chiusure delle scuole – ATS-MILANO")
    assert listing.text is not None
    assert "Natale" in listing.text
    await region.send("/chiusure ats-valpadana")
    await region.expect("Chiusure delle scuole – ATS-VALPADANA")
    await region.send("/chiusure ATS-NESSUNA")
    await region.expect("Non trovo l'ATS ATS-NESSUNA")


async def test_referents_cannot_set_closures(harness: Harness, admin: ChatUser) -> None:
    referent = await referent_of(admin, harness.user(321), SENTINEL)
    await referent.send("/chiusure")
    await referent.expect("riservato agli operatori ATS")
