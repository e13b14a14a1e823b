"""bot.routing.Router: the same handler takes every update as python-telegram-bot's own walk
through the registered handlers would pick, only fewer are asked."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.flows import FlowHandler
from bot.routing import Router, unrouted
from conversations import registered_handlers

BOT = cast(Bot, SimpleNamespace(username="SentinellaTestBot", id=1, defaults=None))
USER = {"id": 42, "is_bot": False, "first_name": "Anna"}
CHAT = {"id": 42, "type": "private"}


class _NoConversation:
    """A conversation store in which nobody is in a flow: only entry points are asked."""

    def step(self, flow: str, key: object) -> None:
        return None


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    handlers = registered_handlers()
    for handler in handlers:
        if isinstance(handler, FlowHandler):
            handler.store = cast(Any, _NoConversation())
    return handlers


HANDLERS = _handlers()
ROUTER = Router(HANDLERS)


def _first_match(update: Update) -> BaseHandler[Any, Any, Any] | None:
    """What python-telegram-bot's Application does for one group: the first that takes it."""
    for handler in HANDLERS:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler
    return None


def _routed(update: Update) -> BaseHandler[Any, Any, Any] | None:
    match = ROUTER.check_update(update)
    return match.handler if match is not None else None


def _message(text: str, update_id: int = 1) -> Update:
    message: dict[str, Any] = {
        "message_id": 5,
        "date": 0,
        "chat": CHAT,
        "from": USER,
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0]) if text.split() else 1
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    update = Update.de_json({"update_id": update_id, "message": message}, BOT)
    assert update is not None
    return update


def _tap(data: str) -> Update:
    query = {
        "id": "q1",
        "from": USER,
        "chat_instance": "c",
        "data": data,
        "message": {"message_id": 5, "date": 0, "chat": CHAT, "text": "Scegli"},
    }
    update = Update.de_json({"update_id": 1, "callback_query": query}, BOT)
    assert update is not None
    return update


def _every_command() -> list[str]:
    found: set[str] = set()
    for handler in unrouted([ROUTER]):
        handlers = [handler]
        if isinstance(handler, FlowHandler):
            handlers = list(handler.entry_points)
        for each in handlers:
            if isinstance(each, CommandHandler):
                found |= set(each.commands)
    return sorted(found)


def _every_pattern() -> list[str]:
    patterns = []
    for handler in HANDLERS:
        if isinstance(handler, CallbackQueryHandler) and handler.pattern is not None:
            patterns.append(str(getattr(handler.pattern, "pattern", handler.pattern)))
    return patterns


def test_every_command_goes_to_the_same_handler() -> None:
    for command in _every_command():
        for text in (f"/{command}", f"/{command} 12", f"/{command.upper()}@SentinellaTestBot x"):
            update = _message(text)
            assert _routed(update) is _first_match(update), text


def test_every_button_family_goes_to_the_same_handler() -> None:
    for pattern in _every_pattern():
        prefix = pattern.lstrip("^").split("(")[0].split("|")[0].split("$")[0]
        for data in (prefix, f"{prefix}:1", f"{prefix}:7:x", f"{prefix}x:1", prefix[:-1]):
            update = _tap(data)
            assert _routed(update) is _first_match(update), data


def test_fewer_handlers_are_asked() -> None:
    assert len(ROUTER.candidates(_message("42"))) < len(HANDLERS) / 4
    assert len(ROUTER.candidates(_tap("cs:view:3"))) < len(HANDLERS) / 4
    assert list(unrouted([ROUTER])) == HANDLERS


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=64))
def test_any_button_data_goes_to_the_same_handler(data: str) -> None:
    update = _tap(data)
    assert _routed(update) is _first_match(update)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda text: text.strip() != ""))
def test_any_typed_text_goes_to_the_same_handler(text: str) -> None:
    for typed in (text, "/" + text):
        update = _message(typed)
        assert _routed(update) is _first_match(update)
