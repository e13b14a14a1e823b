"""bot.replies: a refusal from Telegram (a tap answered too late, buttons already gone) is
expected and ignored; any other error is a bug and must surface."""

from __future__ import annotations

from typing import Any, cast

import pytest
from telegram import Update
from telegram.error import BadRequest

from bot.replies import answer_tap, close_buttons


class _Query:
    """A tapped button whose Telegram calls fail with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.message = object()
        self.calls = 0

    async def answer(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        raise self.error

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        raise self.error


class _Update:
    def __init__(self, query: _Query) -> None:
        self.callback_query = query


def _tap(error: Exception) -> tuple[Update, _Query]:
    query = _Query(error)
    return cast(Update, _Update(query)), query


async def test_telegram_refusals_are_ignored() -> None:
    update, query = _tap(BadRequest("Query is too old and response timeout expired"))
    await answer_tap(update)
    update, query = _tap(BadRequest("Message is not modified"))
    await close_buttons(update)
    assert query.calls == 1


async def test_a_bug_while_answering_a_tap_is_not_hidden() -> None:
    update, _ = _tap(TypeError("answer() got an unexpected keyword argument"))
    with pytest.raises(TypeError):
        await answer_tap(update)


async def test_a_bug_while_closing_buttons_is_not_hidden() -> None:
    update, _ = _tap(AttributeError("'NoneType' object has no attribute 'chat_id'"))
    with pytest.raises(AttributeError):
        await close_buttons(update)
