"""bot.replies: a refusal from Telegram (a tap answered too late, buttons already gone) is
expected and ignored; any other error is a bug and must surface."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.replies import answer_tap, close_buttons, edit_texts, send_text
from domain.text import utf16_length


class _Query:
    """A tapped button whose Telegram calls fail with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.message = SimpleNamespace(chat=SimpleNamespace(id=1), message_id=2)
        self.calls = 0

    async def answer(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        raise self.error

    def get_bot(self) -> _Query:
        return self  # the keyboard is closed through the bot (an unparsed call)

    async def do_api_request(self, *args: Any, **kwargs: Any) -> None:
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


# --- one send path: nothing over Telegram's 4,096 characters ----------------------------------


class _Bot:
    """Records the unparsed sendMessage and editMessageText calls; refuses a text over 4,096."""

    def __init__(self, edit_error: Exception | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.edited: list[int] = []
        self.edit_error = edit_error

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any]) -> Any:
        assert utf16_length(api_kwargs["text"]) <= 4096
        if method == "sendMessage":
            self.sent.append(api_kwargs)
            return {"message_id": len(self.sent), "chat": {"id": api_kwargs["chat_id"]}}
        assert method == "editMessageText"
        if self.edit_error is not None:
            raise self.edit_error
        self.edited.append(api_kwargs["message_id"])
        return True


async def test_a_long_push_goes_in_pieces_with_the_keyboard_on_the_last() -> None:
    bot = _Bot()
    text = "\n".join(f"<b>Plesso {n:03d}</b> – " + "x" * 140 for n in range(100))
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ok", callback_data="ok")]])
    last = await send_text(cast(Bot, bot), 7, text, keyboard)
    assert len(bot.sent) == 4  # 16,200 characters
    assert [call.get("reply_markup") for call in bot.sent] == [None] * 3 + [keyboard]
    assert (last.chat_id, last.message_id) == (7, 4)
    assert "".join(call["text"].replace("\n", "") for call in bot.sent) == text.replace("\n", "")


async def test_a_short_push_is_one_message_unchanged() -> None:
    bot = _Bot()
    await send_text(cast(Bot, bot), 7, "<b>ciao</b>")
    assert [call["text"] for call in bot.sent] == ["<b>ciao</b>"]


async def test_editing_old_messages_ignores_telegram_refusals_only() -> None:
    bot = _Bot()
    assert await edit_texts(cast(Bot, bot), 7, [3, 4], "RS…2S") == 2
    assert bot.edited == [3, 4]
    too_old = _Bot(BadRequest("Message can't be edited"))
    assert await edit_texts(cast(Bot, too_old), 7, [3], "RS…2S") == 0
    with pytest.raises(TypeError):
        await edit_texts(cast(Bot, _Bot(TypeError("bug"))), 7, [3], "RS…2S")
