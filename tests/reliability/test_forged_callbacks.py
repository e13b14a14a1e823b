"""Forged callback data: another plesso's case, a closed case, absurd numbers, garbage.

Each is refused the way an id that does not exist is refused: never a traceback, never
someone else's data. Tried on every callback prefix the application registers.
"""

from __future__ import annotations

from bot.catalog import cases as case_texts
from bot.catalog import common
from bot.catalog import contacts as contact_texts
from tests.reliability.figures import FIGURES
from tests.reliability.handlers import callback_pattern, literal_prefix, registered
from tests.reliability.test_authorization_matrix import (
    THEIR_OWN,
    Trigger,
    app_of,
    check,
    run_round,
)
from tests.reliability.world import ErrorLog, World, table_rows

UNKNOWN_ID = 987654
GARBAGE = (
    "9" * 13,  # more digits than any id
    "99999999999999999999999999999999999999",
    "-1",
    "0",
    "1e9",
    "'; DROP TABLE cases; --",
    "<b>1</b>",
    "١٢",  # Arabic-Indic digits: isdigit() says yes
    "x" * 70,  # past Telegram's 64 bytes
    ":",
)


async def _answer(world: World, person_key: str, data: str) -> str:
    entry = registered(app_of(world.harness))[0]
    person = world.person(person_key)
    (outcome,) = await run_round(world, Trigger(entry, "callback", data), [person])
    problems = check(outcome, world)
    assert problems == [], problems
    return outcome.text.strip()


async def test_another_plessos_case_is_answered_like_a_case_that_does_not_exist(
    world: World, errors: ErrorLog
) -> None:
    for verb in ("view", "edit"):
        unknown = await _answer(world, "referent_a", f"cs:{verb}:{UNKNOWN_ID}")
        foreign = await _answer(world, "referent_a", f"cs:{verb}:{world.case_b}")
        assert unknown == foreign == case_texts.CASE_NOT_FOUND
        # ...and the other plesso's referent, on a case of plesso A.
        assert await _answer(world, "referent_b", f"cs:{verb}:{world.case_a}") == unknown
    assert await _answer(world, "referent_b", f"cs:page:{'MIEE8AB01T'}:1") == common.STALE_BUTTON
    FIGURES.records += 7
    assert errors.unhandled == []


async def test_another_plessos_contact_is_answered_like_one_that_does_not_exist(
    world: World, errors: ErrorLog
) -> None:
    for verb in ("view", "edit", "del", "dely"):
        unknown = await _answer(world, "referent_a", f"ct:{verb}:{UNKNOWN_ID}")
        foreign = await _answer(world, "referent_a", f"ct:{verb}:{world.contact_b}")
        assert unknown == foreign == contact_texts.CONTACT_NOT_FOUND, verb
        assert await _answer(world, "referent_b", f"ct:{verb}:{world.contact_a}") == unknown
    assert await world.harness.svc.contacts.get(world.contact_b) is not None
    FIGURES.records += 13
    assert errors.unhandled == []


async def test_a_closed_case_and_its_contacts_cannot_be_changed(world: World) -> None:
    database = world.harness.settings.database_path
    before = table_rows(database, skip=THEIR_OWN)
    text = await _answer(world, "referent_a", f"cs:edit:{world.case_closed}")
    assert "non è più modificabile" in text
    for verb in ("edit", "del", "dely"):
        text = await _answer(world, "referent_a", f"ct:{verb}:{world.contact_closed}")
        assert "non è più modificabile" in text, (verb, text)
    for verb in ("add", "one"):  # new contacts for it
        text = await _answer(world, "referent_a", f"ct:{verb}:{world.case_closed}")
        assert "non è più modificabile" in text or common.STALE_BUTTON in text, (verb, text)
    assert table_rows(database, skip=THEIR_OWN) == before
    FIGURES.records += sum(len(rows) for rows in before.values())


async def test_garbage_on_every_callback_prefix_is_refused(world: World, errors: ErrorLog) -> None:
    prefixes = sorted(
        {
            literal_prefix(pattern)
            for entry in registered(app_of(world.harness))
            if (pattern := callback_pattern(entry)) is not None
        }
    )
    assert "cs:view" in prefixes
    people = [world.person("referent_a"), world.person("admin_a")]
    entry = registered(app_of(world.harness))[0]
    database = world.harness.settings.database_path
    before = table_rows(database, skip=THEIR_OWN)
    for prefix in prefixes:
        for garbage in GARBAGE:
            data = f"{prefix}:{garbage}"
            for outcome in await run_round(world, Trigger(entry, "callback", data), people):
                assert check(outcome, world) == []
    # Refused, or a harmless "nothing done" ("No" on a confirmation names nothing it keeps).
    assert table_rows(database, skip=THEIR_OWN) == before
    FIGURES.records += sum(len(rows) for rows in before.values())
    assert errors.unhandled == []
