"""Once a case (or a referent's registration) is saved, the user's messages that carried the
personal data are deleted from the chat: a lost phone shows the summary, not the raw answers.
DELETE_PERSONAL_MESSAGES=false keeps them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.steps import invite, join
from tests.harness import Harness, MutableClock
from tests.reliability.figures import FIGURES
from tests.reliability.steps import CF, case_form
from tests.reliability.world import REFERENT_A, World, build_world, idle


def _typed(harness: Harness, user_id: int) -> list[str]:
    return [m.get("text", "") for m in harness.emulator.user_messages(user_id)]


async def _report(harness: Harness) -> None:
    referent = harness.user(REFERENT_A, "Orsola")
    await case_form(referent, until="Codice fiscale del caso")
    await referent.send("RSSMRA80A01F205Y")  # a wrong check character: refused, still personal
    await referent.expect("di controllo")
    await case_form(referent, after="Codice fiscale del caso")
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    await idle(harness)  # the messages go after the answer


async def test_the_answers_are_deleted_and_the_summary_stays(world: World) -> None:
    harness = world.harness
    await _report(harness)
    typed = _typed(harness, REFERENT_A)
    for answer in ("Quattrocchi", "Paolo", CF, "RSSMRA80A01F205Y", "347 1234567", "Milano"):
        assert answer not in typed, typed
    bot_texts = " ".join(m.content for m in harness.emulator.messages(REFERENT_A) if not m.deleted)
    assert "QUATTROCCHI" in bot_texts and "inserito correttamente" in bot_texts  # the summary
    FIGURES.records += 6


async def test_an_edit_that_is_saved_deletes_its_answers_too(world: World) -> None:
    harness, referent = world.harness, world.chat()
    await referent.send(f"/caso {world.case_a}")
    await referent.tap("Modifica caso")
    await referent.tap("✏️ Cognome")
    await referent.send("Zanzottera")
    await referent.tap("Il codice è giusto")  # another surname than the code's
    await referent.tap("Salva")
    await referent.expect("aggiornato")
    await idle(harness)
    assert "Zanzottera" not in _typed(harness, REFERENT_A)


async def test_a_new_referents_own_data_are_deleted_once_registered(world: World) -> None:
    harness = world.harness
    code = await invite(harness.user(100, "Anna"))
    await join(
        harness.user(311, "Gina"),
        code,
        name="Gina Lollo",
        phone="349 1112223",
        email="gina@scuola.example.it",
    )
    await idle(harness)
    typed = _typed(harness, 311)
    assert typed == [], typed  # name, phone, e-mail and the invitation code are gone


@pytest.fixture
async def keeping(tmp_path, clock: MutableClock) -> AsyncIterator[World]:
    harness = Harness(
        tmp_path=tmp_path, clock=clock, extra_settings={"delete_personal_messages": False}
    )
    await harness.start()
    await harness.seed_schools()
    try:
        yield await build_world(harness)
    finally:
        await harness.stop()


async def test_the_setting_keeps_the_messages(keeping: World) -> None:
    await _report(keeping.harness)
    typed = _typed(keeping.harness, REFERENT_A)
    assert "Quattrocchi" in typed and CF in typed


async def test_a_long_form_with_many_refused_answers_still_deletes_every_message(
    world: World,
) -> None:
    """Defect: the re-ask fallback, shared by every step of the flow, noted a refused answer
    once per step (21 times in the case form), and the cap of 500 noted ids then dropped the
    later ones: those messages were never deleted. Each message is noted once now."""
    harness = world.harness
    referent = harness.user(REFERENT_A, "Orsola")
    await case_form(referent, until="Ruolo del caso")
    refused = [f"non ho capito {n}" for n in range(40)]  # typed where a button is expected
    for text in refused:
        await referent.send(text)
        await referent.expect("Tocca uno dei pulsanti")
    await case_form(referent, after="Ruolo del caso")
    await referent.tap("Salva")
    await referent.expect("inserito correttamente")
    await idle(harness)
    typed = _typed(harness, REFERENT_A)
    left = [text for text in refused if text in typed]
    assert left == [], left
