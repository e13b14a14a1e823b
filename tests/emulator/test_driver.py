"""ChatUser against a real PTB application polling the emulator: what a person sees and does."""

from __future__ import annotations

from typing import Any, TypeAlias

import pytest
from telegram.ext import Application

from emulator.driver import ChatUser
from emulator.server import BotApiEmulator

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
def mario(emulator: BotApiEmulator, echo_bot: App) -> ChatUser:
    return ChatUser(emulator, 1001, first_name="Mario")


async def test_expect_sees_the_reply_to_the_last_message(mario: ChatUser) -> None:
    await mario.send("ciao")
    reply = await mario.expect("eco: CIAO")
    assert reply.text == "Eco: ciao"
    assert mario.last_message() is reply


async def test_an_old_message_never_satisfies_a_new_expectation(mario: ChatUser) -> None:
    await mario.send("ciao")
    await mario.expect("Eco: ciao")
    await mario.send("/silenzio")
    with pytest.raises(AssertionError, match="got no bot message containing 'Eco: ciao'") as caught:
        await mario.expect("Eco: ciao", timeout=0.3)
    assert "bot: Eco: ciao" in str(caught.value)  # the report shows what the person saw


async def test_deep_link_payload_and_tap_edit_cycle(
    mario: ChatUser, emulator: BotApiEmulator
) -> None:
    await mario.send("/start INVITO42")
    await mario.expect("Payload: INVITO42")
    assert mario.buttons() == ["Salva", "Annulla", "Sito"]
    await mario.tap("salva")
    edited = await mario.expect("Hai scelto: save")
    assert edited.edit_count == 1 and edited.reply_markup == []
    answer = await mario.expect_answer("Fatto")
    assert answer.data == "save"
    assert emulator.unanswered_callbacks() == []


async def test_tap_waits_for_the_buttons_it_asked_for(mario: ChatUser) -> None:
    await mario.send("/start")
    await mario.tap("Annulla")  # no expect in between: tap waits like a person would
    await mario.expect("Hai scelto: cancel")


async def test_tap_uses_the_newest_message_and_tap_stale_an_older_one(
    mario: ChatUser, emulator: BotApiEmulator
) -> None:
    await mario.send("/start")
    await mario.expect("Scegli")
    await mario.send("/start")
    await mario.expect("Scegli")
    older, newer = mario.messages
    await mario.tap("Salva")
    await mario.expect("Hai scelto: save")
    assert (emulator.message(1001, newer.message_id) or newer).text == "Hai scelto: save"
    await mario.tap_stale("Annulla")
    await mario.expect("Hai scelto: cancel")
    assert (emulator.message(1001, older.message_id) or older).text == "Hai scelto: cancel"
    # both keyboards are gone: a stale screen still shows the old ones, and can press them
    await mario.tap_stale("Salva")
    await mario.expect_answer("Fatto: save")


async def test_tap_lists_the_visible_buttons_when_the_label_is_missing(mario: ChatUser) -> None:
    await mario.send("/start")
    await mario.expect("Scegli")
    with pytest.raises(AssertionError, match="no button containing 'Elimina'") as caught:
        await mario.tap("Elimina", timeout=0.2)
    assert "Salva | Annulla | Sito" in str(caught.value)
    with pytest.raises(AssertionError, match="opens the link"):
        await mario.tap("Sito")


async def test_expect_no_reply(mario: ChatUser) -> None:
    await mario.send("/silenzio")
    await mario.expect_no_reply(within=0.2)
    await mario.send("rispondi")
    with pytest.raises(AssertionError, match="Eco: rispondi"):
        await mario.expect_no_reply(within=1)


async def test_documents_both_ways(mario: ChatUser) -> None:
    await mario.send("/doc")
    report = await mario.document()
    assert report.document is not None and report.document.filename == "report.csv"
    assert report.document.content.startswith(b"plesso;casi")
    assert report.caption == "Ecco il report"
    await mario.send_file("elenco.csv", b"a;b\n1;2\n")
    await mario.expect("Ricevuto elenco.csv: 8 byte")


async def test_non_text_messages_and_transcript(mario: ChatUser) -> None:
    await mario.send_sticker()
    await mario.expect("mi serve un testo")
    await mario.send("ciao")
    await mario.expect("Eco: ciao")
    assert mario.transcript == [
        ("user", "(sticker 👍)"),
        ("bot", "Bello lo sticker, ma mi serve un testo"),
        ("user", "ciao"),
        ("bot", "Eco: ciao"),
    ]


async def test_duplicate_update_is_processed_twice(
    mario: ChatUser, emulator: BotApiEmulator
) -> None:
    await mario.send("una volta sola?")
    await mario.expect("Eco: una volta sola?")
    update_id = 1  # the first update this emulator ever queued
    before = len(mario.messages)
    emulator.redeliver(update_id)
    await emulator.wait_for(lambda: len(mario.messages) > before, 2)
    assert [m.text for m in mario.messages[-2:]] == ["Eco: una volta sola?"] * 2
