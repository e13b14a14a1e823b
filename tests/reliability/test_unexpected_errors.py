"""An unexpected exception in a handler: a short apology saying the saved data are safe, the
conversation stays usable (the same question again), the error is logged with its traceback.
What the log holds is checked in test_privacy_logs.py."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import common
from conversations.cases.steps import Step
from tests.reliability.figures import FIGURES
from tests.reliability.steps import CF, case_until_surname, stored_step
from tests.reliability.world import REFERENT_A, ErrorLog, World


class Boom(Exception):
    pass


def _explode(*args: object, **kwargs: object) -> object:
    raise Boom(f"lookup failed for QUATTROCCHI {CF}")


async def test_an_error_outside_a_flow_gets_an_apology_and_the_next_message_works(
    world: World, errors: ErrorLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, referent = world.harness, world.chat()
    monkeypatch.setattr(harness.svc.cases, "page", _explode)
    await referent.send("/casi")
    apology = await referent.expect("qualcosa è andato storto")
    assert apology.content == common.UNEXPECTED_ERROR
    assert "dati già salvati sono al sicuro" in apology.content
    FIGURES.faults += 1
    monkeypatch.undo()
    await referent.send("/casi")
    await referent.expect("ZANZOTTO")
    (record,) = [r for r in errors.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None and isinstance(record.exc_info[1], Boom)


async def test_an_error_in_a_flow_asks_the_same_question_again(
    world: World, errors: ErrorLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, database = world.harness, world.database
    referent = world.chat()
    await case_until_surname(referent)
    await referent.send("Quattrocchi")
    await referent.send("Paolo")
    await referent.expect("Codice fiscale del caso")
    monkeypatch.setattr(harness.svc.cases, "recent_duplicate", _explode)
    await referent.send(CF)
    await referent.expect(common.UNEXPECTED_ERROR)
    await referent.expect("Codice fiscale del caso")
    state, draft = stored_step(database, REFERENT_A)
    assert state == Step.CODICE_FISCALE and draft["draft"]["surname"] == "QUATTROCCHI"
    FIGURES.faults += 1
    monkeypatch.undo()
    await referent.send(CF)
    await referent.expect("non corrisponde al cognome")  # Paolo Neri's code for QUATTROCCHI
    assert len([r for r in errors.records if r.levelno >= logging.ERROR]) == 1


async def test_an_error_after_the_answer_was_stored_does_not_shift_the_next_answer(
    world: World, errors: ErrorLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer is stored, then asking the next question fails: the next message answers
    the next question, not the one before (python-telegram-bot never saw the new step)."""
    harness, referent = world.harness, world.chat()
    await case_until_surname(referent)
    from conversations.cases import questions as case_questions

    original = case_questions.ask
    failures = iter([Boom("asking failed")])

    async def ask_once_broken(*args: object, **kwargs: object) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        await original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(case_questions, "ask", ask_once_broken)
    await referent.send("Quattrocchi")
    await referent.expect(common.UNEXPECTED_ERROR)
    await referent.expect("Nome del caso")  # asked again, now it works
    await referent.send("Paolo")
    await referent.expect("Codice fiscale del caso")
    _, draft = stored_step(harness.settings.database_path, REFERENT_A)
    assert (draft["draft"]["surname"], draft["draft"]["name"]) == ("QUATTROCCHI", "PAOLO")
    FIGURES.faults += 1
