"""Names and free text with markup characters are shown as typed: every value put into a
formatted message is escaped (the emulator, like Telegram, refuses broken HTML)."""

from __future__ import annotations

from tests.reliability.figures import FIGURES
from tests.reliability.steps import case_form
from tests.reliability.world import REFERENT_A, ErrorLog, World

TRICKY_NAME = 'Scuola "Il <Sole>" & *Luna* _2_ `3` &amp; </b>'
HEADER = "codice_meccanografico,denominazione,comune,indirizzo,tipo_scuola,sentinella,ats\n"


async def test_a_plesso_name_with_markup_is_shown_as_written(
    world: World, errors: ErrorLog
) -> None:
    harness = world.harness
    admin = harness.user(100, "Anna")
    await admin.send("/scuole")
    await admin.expect("Plessi caricati")
    row = (
        f'MIEE8AB01T,"{TRICKY_NAME.replace(chr(34), chr(34) * 2)}",Milano,"Via <1> & 2",'
        "primaria,si,ATS-MILANO\n"
    )
    await admin.send_file("plessi.csv", (HEADER + row).encode())
    await admin.expect("Caricamento completato")
    referent = harness.user(REFERENT_A, "Orsola")
    await referent.send("/start")
    welcome = await referent.expect("Sei referente COVID")
    assert TRICKY_NAME in welcome.content
    await referent.expect("Comandi per i referenti")
    await referent.send("/casi")
    listing = await referent.expect("Casi segnalati")
    assert TRICKY_NAME in listing.content
    assert errors.unhandled == []
    FIGURES.records += 2


async def test_free_text_with_markup_goes_through_the_case_form(
    world: World, errors: ErrorLog
) -> None:
    referent = world.chat()
    await case_form(referent, until="Sezione (obbligatoria)")
    # A section is letters only now: the refusal quotes the answer exactly as typed.
    await referent.send("<b>&amp;</b> *_`")
    refused = await referent.expect("non è una sezione")
    assert "<b>&amp;</b> *_`" in refused.content
    await case_form(referent, after="Sezione (obbligatoria)")
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    assert errors.unhandled == []
    FIGURES.records += 1
