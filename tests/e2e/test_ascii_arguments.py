"""Numbers in commands are ASCII digits only: `/caso ²` or `/registro referente ³` is an
unknown number to the user, never an "error" (issue 15, item 9)."""

from __future__ import annotations

from bot.catalog import common
from emulator.driver import ChatUser
from tests.e2e.steps import joined_referent
from tests.harness import Harness

MARIA = 300


async def test_superscript_and_foreign_digits_are_not_numbers(
    harness: Harness, admin: ChatUser
) -> None:
    maria = await joined_referent(harness, admin, MARIA)
    for text in ("/caso ²", "/caso ١"):
        await admin.send(text)
        reply = await admin.expect("Caso non trovato")
        assert common.UNEXPECTED_ERROR not in (reply.text or "")
        await maria.send(text)
        await maria.expect("Caso non trovato")
    await admin.send("/registro ²")
    await admin.expect("Non ho capito: ²")
    await admin.send("/registro referente ³")
    await admin.expect("Non ho capito: referente ³")
    await admin.send("/registro referente ١")
    await admin.expect("Non ho capito: referente ١")
