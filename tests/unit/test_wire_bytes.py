"""The hot path's shortcuts send what python-telegram-bot would have sent, byte for byte.

`bot.keyboards.Keyboard` makes its own dict, `bot.request.form_encoded` replaces
`urllib.parse.urlencode`, `_json_parameters` replaces `RequestData.json_parameters`, and
the replies pass the link-preview options as JSON: each is checked here against PTB's own
way, on the request body the transport writes.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.request import RequestData

from bot import replies
from bot.keyboards import Keyboard, column, inline
from bot.request import _json_parameters, call_unparsed, form_encoded
from tests.unit.recording_request import CHAT, RecordingRequest

TOKEN = "123456:UNIT-TOKEN-abcdefghijklmnopqrstuvwxyz"

_labels = st.text(min_size=1, max_size=30)
_data = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N", "P")), min_size=1, max_size=40
)
_rows = st.lists(st.lists(st.tuples(_labels, _data), min_size=1, max_size=4), max_size=5)


def _plain(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def _body(**parameters: Any) -> tuple[bytes, bytes]:
    """The body of sendMessage(parameters) through call_unparsed: as python-telegram-bot's
    transports encode it (json_parameters, urlencode) and as ours does."""
    recorder = RecordingRequest()
    await call_unparsed(Bot(TOKEN, request=recorder), "sendMessage", **parameters)
    (data,) = recorder.calls
    return urlencode(data.json_parameters).encode(), form_encoded(_json_parameters(data))


@given(_rows)
def test_a_keyboard_makes_the_dict_ptb_makes_of_it(rows: list[list[tuple[str, str]]]) -> None:
    keyboard = inline(rows)
    assert json.dumps(keyboard.to_dict()) == json.dumps(_plain(rows).to_dict())
    assert keyboard.to_dict(recursive=False) == _plain(rows).to_dict(recursive=False)
    assert keyboard == _plain(rows)
    assert isinstance(keyboard, InlineKeyboardMarkup)


async def test_a_reply_body_is_the_same_bytes_as_with_ptbs_own_objects() -> None:
    rows = [
        [("Scuola dell’infanzia", "ab:pl:MIAA12")],
        [("⬅️ Indietro", "ab:back"), ("Sì & no = 100%", "x:a=1&b=2")],
    ]
    text = "✓ Tipo scuola: <b>Scuola primaria</b>\n\nQuanti <i>assenti</i>? + 😷 \"ok\" 'sì'"
    before, _ = await _body(
        chat_id=CHAT,
        text=text,
        parse_mode="HTML",
        reply_markup=_plain(rows),
        link_preview_options={"is_disabled": True},
    )
    as_ptb, ours = await _body(
        chat_id=CHAT,
        text=text,
        parse_mode="HTML",
        reply_markup=inline(rows),
        link_preview_options=replies._NO_PREVIEW,
    )
    assert before == as_ptb == ours
    assert b"reply_markup=%7B%22inline_keyboard%22" in ours


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=6))
def test_form_encoding_is_urlencodes(parameters: dict[str, str]) -> None:
    assert form_encoded(parameters) == urlencode(parameters).encode()


def test_form_encoding_refuses_what_urlencode_refuses() -> None:
    with pytest.raises(UnicodeEncodeError):
        urlencode({"text": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        form_encoded({"text": "\ud800"})


def test_buttons_are_shared_and_keyboards_are_not() -> None:
    first, second = column([("Ieri", "ab:day:1")]), column([("Ieri", "ab:day:1")])
    assert first is not second
    assert first.inline_keyboard[0][0] is second.inline_keyboard[0][0]
    assert isinstance(first, Keyboard)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@given(st.dictionaries(st.sampled_from(["chat_id", "message_id", "text", "x"]), _json_values))
def test_the_parameters_are_dumped_as_ptb_dumps_them(parameters: dict[str, Any]) -> None:
    async def call() -> RequestData:
        recorder = RecordingRequest()
        await call_unparsed(Bot(TOKEN, request=recorder), "sendMessage", **parameters)
        return recorder.calls[0]

    data = asyncio.run(call())
    assert _json_parameters(data) == data.json_parameters
