"""Issue 15, item 7: once a case or a contact is saved, the bot's own reviews in the chat are
edited to masked text, so the chat keeps no full codice fiscale after the case is purged
(Telegram lets a bot edit its messages in a private chat for 48 hours: done at the save)."""

from __future__ import annotations

import pytest

from domain.codice_fiscale import mask_codice_fiscale
from emulator.driver import ChatUser
from tests.e2e.steps import (
    STUDENT_CF,
    add_classmate,
    contact_details,
    joined_referent,
    report_case,
    start_case_data,
    start_contact,
)
from tests.harness import Harness

MARIA = 300
CLASSMATE_CF = "VRDNNA15E52E648D"  # not in the help's example


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, MARIA)


def bot_texts(referent: ChatUser) -> list[str]:
    """What the chat shows of the bot now (edits applied, deleted messages gone)."""
    return [message.content for message in referent.messages]


async def test_the_case_review_is_masked_once_saved(referent: ChatUser) -> None:
    case_id = await report_case(referent)
    await referent.expect(f"Caso {case_id} salvato")
    texts = bot_texts(referent)
    assert not [text for text in texts if STUDENT_CF in text]
    (review,) = [text for text in texts if f"Caso {case_id} salvato" in text]
    assert mask_codice_fiscale(STUDENT_CF) in review and "BIANCHI" in review
    assert not any("Salva" in button for button in _buttons(referent, review))


async def test_every_review_shown_before_a_fix_is_masked_too(referent: ChatUser) -> None:
    await start_case_data(referent)
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    await referent.send("Bianchi")
    await referent.expect("Nome del caso")
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")
    await referent.send(STUDENT_CF)  # the birth date is the code's (issue 22)
    await referent.expect("Comune di domicilio: scrivi")
    await referent.send("Milano")  # the one comune called so: taken
    await referent.expect("Telefono 1 del caso")
    await referent.send("347 1234567")
    await referent.expect("Ultimo giorno di frequenza")
    await referent.tap("Ieri")
    await referent.expect("Data del tampone positivo (se nota)")
    await referent.tap("Non nota")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    await referent.expect("controlla i dati")
    await referent.tap("✏️ Telefono 1")
    await referent.expect("Telefono 1 del caso")
    await referent.send("347 7654321")
    await referent.expect("+39 347 765 4321")  # phones shown grouped (issue 22)
    assert sum(STUDENT_CF in text for text in bot_texts(referent)) == 2
    await referent.tap("Salva")
    await referent.expect("salvato")
    # The reviews are rewritten together, alongside the receipt: the first one seen
    # rewritten is not the last one.
    await referent.emulator.wait_for(
        lambda: not [text for text in bot_texts(referent) if STUDENT_CF in text],
        5.0,
        chat_id=referent.user_id,
    )
    texts = bot_texts(referent)
    assert not [text for text in texts if STUDENT_CF in text]
    assert sum("salvato</b>" in text or " salvato " in text for text in texts) >= 2


async def test_the_contact_review_and_card_are_masked_once_saved(referent: ChatUser) -> None:
    case_id = await report_case(referent)
    await add_classmate(referent, case_id, CLASSMATE_CF)
    await referent.expect("salvato")
    assert not [text for text in bot_texts(referent) if CLASSMATE_CF in text]
    assert any(mask_codice_fiscale(CLASSMATE_CF) in text for text in bot_texts(referent))


async def test_a_contact_typed_again_and_saved_leaves_no_full_code(referent: ChatUser) -> None:
    case_id = await report_case(referent)
    await start_contact(referent, case_id)
    await contact_details(referent, CLASSMATE_CF, "Verdi", "Anna")
    await referent.tap("Ieri")
    await referent.expect("controlla i dati")
    assert any(CLASSMATE_CF in text for text in bot_texts(referent))  # shown while typing
    await referent.tap("Salva")
    await referent.expect("aggiunto al caso")
    await referent.expect("salvato")
    assert not [text for text in bot_texts(referent) if CLASSMATE_CF in text]


def _buttons(referent: ChatUser, content: str) -> list[str]:
    for message in referent.messages:
        if message.content == content:
            return [button.text for button in message.buttons]
    return []


async def test_an_edited_case_leaves_no_full_code_in_the_chat(referent: ChatUser) -> None:
    case_id = await report_case(referent)
    await referent.send("/casi")
    await referent.expect("Casi segnalati")
    await referent.tap(f"Modifica caso {case_id}")
    await referent.expect(f"Modifica caso {case_id}")
    await referent.tap("✏️ Telefono 1")
    await referent.expect("Telefono 1 del caso")
    await referent.send("340 9876543")
    await referent.expect("+39 340 987 6543")
    assert any(STUDENT_CF in text for text in bot_texts(referent))  # the reviews, for now
    await referent.tap("Salva")
    await referent.expect(f"Caso {case_id} aggiornato")
    view = await referent.expect(f"Caso {case_id} – aperto")
    assert mask_codice_fiscale(STUDENT_CF) in view.content and "+39 340 987 6543" in view.content
    await referent.expect("salvato")
    assert not [text for text in bot_texts(referent) if STUDENT_CF in text]
