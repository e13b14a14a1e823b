"""Never lose what was typed (issue 22): another command sets a form aside, its command or
/start offers it back, /annulla and «Annulla» ask first, /aiuto repeats the question."""

from __future__ import annotations

import pytest

from emulator.driver import ChatUser
from tests.e2e.steps import joined_referent, start_case_data
from tests.harness import Harness


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, 2201)


async def up_to_name(referent: ChatUser) -> None:
    """A case form with the class, the section, the role and the surname answered."""
    await start_case_data(referent)
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    await referent.send("Bianchi")
    await referent.expect("Nome del caso")


async def stored_flows(harness: Harness, user_id: int) -> list[tuple[str, bool]]:
    rows = await harness.svc.db.fetchall(
        "SELECT flow, paused_at FROM conversations WHERE user_id = ? ORDER BY flow", (user_id,)
    )
    return [(str(row["flow"]), row["paused_at"] is not None) for row in rows]


async def test_another_command_keeps_the_draft_and_riprendi_goes_on(
    harness: Harness, referent: ChatUser
) -> None:
    await up_to_name(referent)
    await referent.send("/casi")
    await referent.expect("Nessun caso")
    # The draft is kept, set aside; a message is not read as the name.
    assert await stored_flows(harness, 2201) == [("case", True)]
    await referent.send("Luca")
    await referent.expect("bozza in sospeso")
    await referent.send("/nuovocaso")
    offer = await referent.expect("Hai una bozza in sospeso di «Nuovo caso»")
    assert "Bozza del " in (offer.text or "") and " risposte su " in (offer.text or "")
    assert referent.buttons() == ["▶ Riprendi", "🔄 Ricomincia"]
    await referent.tap("Riprendi")
    await referent.expect("Nome del caso")
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")
    assert await stored_flows(harness, 2201) == [("case", False)]


async def test_ricomincia_runs_the_command_afresh(harness: Harness, referent: ChatUser) -> None:
    await up_to_name(referent)
    await referent.send("/nuovocaso")
    await referent.expect("Hai una bozza in sospeso")
    await referent.tap("Ricomincia")
    await referent.expect("Classe (obbligatoria)")
    data = await harness.svc.db.fetchone(
        "SELECT data, paused_at FROM conversations WHERE user_id = 2201"
    )
    assert data is not None and data["paused_at"] is None and "Bianchi" not in data["data"]


async def test_a_button_that_starts_the_form_offers_the_draft_too(
    harness: Harness, referent: ChatUser
) -> None:
    await up_to_name(referent)
    await referent.send("/casi")
    await referent.expect("Nessun caso")
    await referent.tap("Nuovo caso")
    await referent.expect("Hai una bozza in sospeso di «Nuovo caso»")
    assert await stored_flows(harness, 2201) == [("case", True)]
    await referent.tap("Ricomincia")
    await referent.expect("Classe (obbligatoria)")
    assert await stored_flows(harness, 2201) == [("case", False)]


async def test_start_offers_the_draft_and_an_old_one_is_dropped_with_a_word(
    harness: Harness, referent: ChatUser
) -> None:
    await up_to_name(referent)
    await referent.send("/start")
    await referent.expect("Hai una bozza in sospeso di «Nuovo caso»")
    assert referent.buttons() == ["▶ Riprendi", "🗑 Elimina la bozza"]
    harness.clock.advance(days=4)  # DRAFT_MAX_AGE_DAYS is 3
    await referent.send("/nuovocaso")
    await referent.expect("era ferma da più di 3 giorni: l'ho eliminata")
    await referent.expect("Classe (obbligatoria)")
    assert await stored_flows(harness, 2201) == [("case", False)]


async def test_elimina_la_bozza(harness: Harness, referent: ChatUser) -> None:
    await up_to_name(referent)
    await referent.send("/start")
    await referent.expect("Hai una bozza in sospeso")
    await referent.tap("Elimina la bozza")
    await referent.expect("Bozza eliminata")
    assert await stored_flows(harness, 2201) == []


async def test_annulla_asks_first_when_there_are_answers(
    harness: Harness, referent: ChatUser
) -> None:
    await up_to_name(referent)
    await referent.send("/annulla")
    await referent.expect("Vuoi davvero annullare? Quanto hai scritto finora andrà perso.")
    await referent.tap("No")
    await referent.expect("Nome del caso")
    await referent.send("/annulla")
    await referent.expect("Vuoi davvero annullare?")
    await referent.tap("Sì")
    await referent.expect("annullat")
    assert await stored_flows(harness, 2201) == []
    await referent.send("/annulla")
    await referent.expect("Non c'è nessuna operazione in corso")


async def test_aiuto_answers_then_repeats_the_question(referent: ChatUser) -> None:
    await up_to_name(referent)
    await referent.send("/aiuto")
    await referent.expect("Comandi per i referenti")
    await referent.expect("Nome del caso")
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")


async def test_a_paused_draft_survives_a_restart(harness: Harness, referent: ChatUser) -> None:
    await up_to_name(referent)
    await referent.send("/casi")
    await referent.expect("Nessun caso")
    await harness.restart_bot()
    await referent.send("/nuovocaso")
    await referent.expect("Hai una bozza in sospeso")
    await referent.tap("Riprendi")
    await referent.expect("Nome del caso")


async def test_revocation_still_discards_a_paused_draft(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    await up_to_name(referent)
    await referent.send("/casi")
    await referent.expect("Nessun caso")
    assert await stored_flows(harness, 2201) == [("case", True)]
    await admin.send("/revoca")
    await admin.expect("Di chi vuoi revocare")
    await admin.tap("MARIA ROSSI")
    await admin.expect("Revocare a")
    await admin.tap("Sì")
    await admin.expect("Accesso revocato")
    await referent.expect("revocato")
    await referent.send("/nuovocaso")
    await referent.expect("accesso a Sentinella è stato revocato")
    assert await stored_flows(harness, 2201) == []
