"""The registered handlers as one handler that only asks those that can take the update.

python-telegram-bot asks every handler of a group, in order, until one takes the update:
with 139 handlers an update was checked against about a hundred of them (flows, commands,
buttons of other features) before its own, 7% of the bot's CPU under load
(benchmarks/load.py, cProfile). `Router` keeps the same order and the same first-match rule,
but reads the update's command or button prefix once and asks only the handlers that could
match it: a `CommandHandler` only for its commands, a `CallbackQueryHandler` only for the
prefix its pattern begins with (bot.callbacks' `prefix:verb` shapes), a flow only when the
chat is in it or one of its entry points could take the update, every other handler
(message handlers) always, in its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast, runtime_checkable

from telegram import MessageEntity, Update
from telegram.ext import Application, BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext

AnyHandler = BaseHandler[Any, Any, Any]

# A pattern that begins with a literal prefix followed by ":", "(:" or the end: "^cs:view…",
# "^rv(:…)*$", "^fl:". Alternatives ("^a:x…|^a:y…") must all begin so.
_PREFIXED = re.compile(r"\^([A-Za-z0-9_]+)(?::|\(:|\$)")

# The kinds of update, by what can take them.
_OTHER = ("other", "")


@runtime_checkable
class Engageable(Protocol):
    """A handler that holds a conversation (bot.flows.FlowHandler): it takes an update of a
    chat that is in it, whatever the update, and otherwise only through its entry points."""

    entry_points: tuple[AnyHandler, ...]

    def engaged_at(self, chat_id: int, user_id: int) -> bool:
        """Whether the conversation of this chat and user is in the flow (at some step)."""
        ...


@dataclass(frozen=True)
class _Routes:
    """How each kind of update is routed to the handlers."""

    commands: dict[int, frozenset[str]]
    prefixes: dict[int, frozenset[str]]
    any_button: frozenset[int]
    always: frozenset[int]

    @classmethod
    def of(cls, handlers: Sequence[AnyHandler]) -> _Routes:
        commands: dict[int, frozenset[str]] = {}
        prefixes: dict[int, frozenset[str]] = {}
        any_button: set[int] = set()
        always: set[int] = set()
        for index, handler in enumerate(handlers):
            if isinstance(handler, CommandHandler):
                commands[index] = frozenset(handler.commands)
            elif isinstance(handler, CallbackQueryHandler):
                found = _pattern_prefixes(handler.pattern)
                if found is None:
                    any_button.add(index)
                else:
                    prefixes[index] = found
            else:
                always.add(index)
        return cls(commands, prefixes, frozenset(any_button), frozenset(always))

    def takers(self, key: tuple[str, str]) -> frozenset[int]:
        """The handlers that could take an update of `key`."""
        kind, name = key
        chosen = set(self.always)
        if kind == "command":
            chosen.update(i for i, names in self.commands.items() if name in names)
        elif kind == "button":
            chosen.update(self.any_button)
            chosen.update(i for i, names in self.prefixes.items() if name in names)
        return frozenset(chosen)

    def keys(self) -> set[tuple[str, str]]:
        known = {("command", c) for names in self.commands.values() for c in names}
        return known | {("button", p) for names in self.prefixes.values() for p in names}


@dataclass(frozen=True)
class _Candidate:
    handler: AnyHandler
    # A flow none of whose entry points could take the update: asked only when the chat is
    # in it.
    only_if_engaged: bool
    # The flow's own question, when it is a flow (bound once: asked for most messages).
    engaged_at: Callable[[int, int], bool] | None = None


@dataclass(frozen=True)
class RouterMatch:
    """Which handler of the router takes the update, with that handler's own check."""

    handler: AnyHandler
    check: object


async def _not_called(update: Update, context: BotContext) -> None:
    raise RuntimeError("a Router dispatches to its own handlers")


class Router(BaseHandler[Update, BotContext, None]):
    """`handlers` as one handler: the first of them (in order) whose check takes the update
    handles it, as python-telegram-bot's own group would; only the plausible ones are asked."""

    def __init__(self, handlers: Sequence[AnyHandler]) -> None:
        super().__init__(_not_called)
        self.handlers: tuple[AnyHandler, ...] = tuple(handlers)
        self._routes = _Routes.of(self.handlers)
        self._entries = {
            index: _Routes.of(handler.entry_points)
            for index, handler in enumerate(self.handlers)
            if isinstance(handler, Engageable)
        }
        keys = set(self._routes.keys())
        for entries in self._entries.values():
            keys |= entries.keys()
        # The handlers to ask, by kind of update; an unknown command or prefix (a forged
        # button) gets the handlers that take any.
        self._candidates = {key: self._select(key) for key in (*keys, _OTHER)}
        self._unknown_command = self._select(("command", ""))
        self._unknown_button = self._select(("button", ""))
        self._everything = tuple(_Candidate(handler, False) for handler in self.handlers)

    def _select(self, key: tuple[str, str]) -> tuple[_Candidate, ...]:
        chosen = []
        for index in sorted(self._routes.takers(key)):
            handler = self.handlers[index]
            entries = self._entries.get(index)
            if entries is None:
                chosen.append(_Candidate(handler, False))
                continue
            # A flow (its entries are known: no protocol check, slow, for each kind of update).
            flow = cast(Engageable, handler)
            chosen.append(_Candidate(handler, not entries.takers(key), flow.engaged_at))
        return tuple(chosen)

    def candidates(self, update: Update) -> tuple[_Candidate, ...]:
        """The handlers that could take `update`, in their registration order."""
        query = update.callback_query
        if query is not None and not (isinstance(query.data, str) and query.data):
            # No data (a game's button): every CallbackQueryHandler takes it, python-telegram-
            # bot says, whatever its pattern.
            return self._everything
        key = _key(update)
        found = self._candidates.get(key)
        if found is not None:
            return found
        return self._unknown_button if key[0] == "button" else self._unknown_command

    def check_update(self, update: object) -> RouterMatch | None:
        if not isinstance(update, Update):
            return None
        # Read once for every flow asked whether the chat is in it (a dozen a message).
        chat, user = update.effective_chat, update.effective_user
        for candidate in self.candidates(update):
            if candidate.only_if_engaged and (
                chat is None
                or user is None
                or candidate.engaged_at is None
                or not candidate.engaged_at(chat.id, user.id)
            ):
                continue
            handler = candidate.handler
            check = handler.check_update(update)
            if check is not None and check is not False:
                return RouterMatch(handler, check)
        return None

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        check_result: object,
        context: BotContext,
    ) -> None:
        if not isinstance(check_result, RouterMatch):
            raise TypeError(f"not a RouterMatch: {check_result!r}")
        await check_result.handler.handle_update(update, application, check_result.check, context)


def _key(update: Update) -> tuple[str, str]:
    query = update.callback_query
    if query is not None:
        return ("button", str(query.data).split(":", 1)[0])
    message = update.effective_message
    if message is None or not message.text or not message.entities:
        return _OTHER
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return _OTHER
    # As CommandHandler reads it: "/Casi@SentinellaBot args" is the command "casi".
    return ("command", message.text[1 : first.length].split("@", 1)[0].lower())


def _pattern_prefixes(pattern: object) -> frozenset[str] | None:
    """The first segments of callback data `pattern` can match; None when it is not one of
    the prefixed shapes (then the handler is asked for every button)."""
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    if pattern.flags & re.IGNORECASE:
        return None
    prefixes: set[str] = set()
    for alternative in pattern.pattern.split("|"):
        match = _PREFIXED.match(alternative)
        if match is None:
            return None
        prefixes.add(match.group(1))
    return frozenset(prefixes)


def unrouted(handlers: Iterable[AnyHandler]) -> Iterator[AnyHandler]:
    """`handlers` with every Router opened: the handlers as registered."""
    for handler in handlers:
        if isinstance(handler, Router):
            yield from handler.handlers
        else:
            yield handler
