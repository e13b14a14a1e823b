"""reply_markup validated the way Telegram validates it, and normalised the way it echoes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from emulator.errors import ApiError, bad_request
from emulator.models import Button, JsonDict, Keyboard

MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100

# Exactly one of these turns a label into a usable inline button.
_ACTION_FIELDS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL = re.compile(r"(?i)(https?|tg)://\S+")


@dataclass(frozen=True)
class ParsedMarkup:
    inline: Keyboard
    inline_json: JsonDict | None  # what Telegram echoes back in the Message
    reply_keyboard: list[list[str]] | None
    removes_keyboard: bool = False


NO_MARKUP = ParsedMarkup([], None, None)


def parse_reply_markup(raw: Any) -> ParsedMarkup:
    if raw is None:
        return NO_MARKUP
    if not isinstance(raw, dict):
        raise _unparsable()
    if "inline_keyboard" in raw:
        return _parse_inline(raw["inline_keyboard"])
    if "keyboard" in raw:
        return ParsedMarkup([], None, _parse_reply_keyboard(raw["keyboard"]))
    if raw.get("remove_keyboard"):
        return ParsedMarkup([], None, None, removes_keyboard=True)
    if raw.get("force_reply"):
        return NO_MARKUP
    raise _unparsable()


def _unparsable() -> ApiError:
    return bad_request("can't parse reply keyboard markup JSON object")


def _parse_inline(rows: Any) -> ParsedMarkup:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    keyboard: Keyboard = []
    echoed: list[list[JsonDict]] = []
    for row in rows:
        parsed = [_parse_button(button) for button in row]
        if parsed:
            keyboard.append([button for button, _ in parsed])
            echoed.append([payload for _, payload in parsed])
    if not keyboard:
        return NO_MARKUP
    return ParsedMarkup(keyboard, {"inline_keyboard": echoed}, None)


def _parse_button(raw: Any) -> tuple[Button, JsonDict]:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise _wrong_type("text")
    action = next((name for name in _ACTION_FIELDS if raw.get(name) is not None), None)
    if action is None:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    value = raw[action]
    if action == "callback_data":
        _check_callback_data(value)
    elif action == "url" and not (isinstance(value, str) and _URL.fullmatch(value)):
        raise bad_request("BUTTON_URL_INVALID")
    data = value if action in ("callback_data", "url") else ""
    return Button(raw["text"], data), {"text": raw["text"], action: value}


def _wrong_type(field: str) -> ApiError:
    reason = f'Field "{field}" must be of type String'
    return bad_request(f"can't parse inline keyboard button: {reason}")


def _check_callback_data(value: Any) -> None:
    if not isinstance(value, str):
        raise _wrong_type("callback_data")
    size = len(value.encode())
    if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")


def _parse_reply_keyboard(rows: Any) -> list[list[str]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _unparsable()
    keyboard: list[list[str]] = []
    for row in rows:
        labels = [button if isinstance(button, str) else _reply_label(button) for button in row]
        keyboard.append(labels)
    return keyboard


def _reply_label(button: Any) -> str:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise _unparsable()
    return str(button["text"])
