"""bot.routing.Router: the same handler takes every update as python-telegram-bot's own walk
through the registered handlers would pick, only fewer are asked."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.flows import FlowHandler
from bot.routing import Router, _pattern_prefixes, unrouted
from conversations import registered_handlers

BOT = cast(Bot, SimpleNamespace(username="SentinellaTestBot", id=1, defaults=None))
USER = {"id": 42, "is_bot": False, "first_name": "Anna"}
CHAT = {"id": 42, "type": "private"}


class _Conversations:
    """A conversation store in which the chat is in at most one flow, at its first step
    that has handlers (None: in no flow, only entry points are asked)."""

    def __init__(self) -> None:
        self.flow: str | None = None
        self.at: int | None = None

    def step(self, flow: str, key: object) -> int | None:
        return self.at if flow == self.flow else None


STORE = _Conversations()


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    handlers = registered_handlers()
    for handler in handlers:
        if isinstance(handler, FlowHandler):
            handler.store = cast(Any, STORE)
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
    _engage(None)
    for update in (_message("42"), _tap("cs:view:3")):
        asked = [c for c in ROUTER.candidates(update) if not c.only_if_engaged]
        assert len(asked) < 10
    assert list(unrouted([ROUTER])) == HANDLERS


FLOWS = {h.name: h for h in HANDLERS if isinstance(h, FlowHandler)}
ENGAGED = st.sampled_from([None, *sorted(FLOWS)])


def _engage(flow: str | None) -> None:
    """The chat in `flow`, at its first step with handlers of its own."""
    STORE.flow = flow
    STORE.at = min(FLOWS[flow].states, default=None) if flow is not None else None


@settings(max_examples=400, deadline=None)
@given(st.text(min_size=0, max_size=64), ENGAGED)
def test_any_button_data_goes_to_the_same_handler(data: str, flow: str | None) -> None:
    _engage(flow)
    update = _tap(data)
    assert _routed(update) is _first_match(update)


@settings(max_examples=400, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda text: text.strip() != ""), ENGAGED)
def test_any_typed_text_goes_to_the_same_handler(text: str, flow: str | None) -> None:
    _engage(flow)
    for typed in (text, "/" + text):
        update = _message(typed)
        assert _routed(update) is _first_match(update)


def test_a_chat_in_a_flow_reaches_its_step_handlers() -> None:
    _engage("absences")
    try:
        update = _message("42")
        assert _routed(update) is FLOWS["absences"] is _first_match(update)
    finally:
        _engage(None)


def test_only_whole_first_segments_are_taken_for_prefixes() -> None:
    def prefixes(pattern: str) -> frozenset[str] | None:
        return _pattern_prefixes(re.compile(pattern))

    assert prefixes(r"^cs:view(:[0-9]+)*$") == frozenset({"cs"})
    assert prefixes(r"^rv(:[A-Za-z0-9_.-]{1,40})*$") == frozenset({"rv"})
    assert prefixes(r"^rvl:pg(:x)*$|^rvl:pf(:x)*$") == frozenset({"rvl"})
    # "csx" is a first segment this pattern takes: no prefix to route it by.
    assert prefixes(r"^cs(?:x|y):1$") is None
    assert prefixes(r"^a:(x|y)$") is None
    assert prefixes(r"view") is None
    assert prefixes(r"(?i)^cs:view") is None
