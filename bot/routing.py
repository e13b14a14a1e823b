"""The registered handlers as one handler that only asks those that can take the update.

python-telegram-bot asks every handler of a group, in order, until one takes the update:
with 139 handlers an update was checked against about a hundred of them (flows, commands,
buttons of other features) before its own, 7% of the bot's CPU under load
(benchmarks/load.py, cProfile). `Router` keeps the same order and the same first-match rule,
but reads the update's command or button prefix once and asks only the handlers that could
match it: a `CommandHandler` only for its commands, a `CallbackQueryHandler` only for the
prefix its pattern begins with (bot.callbacks' `prefix:verb` shapes), every other handler
(flows, message handlers) always, in its place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import MessageEntity, Update
from telegram.ext import Application, BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext

AnyHandler = BaseHandler[Any, Any, Any]

# A pattern that begins with a literal prefix followed by ":", "(:" or the end: "^cs:view…",
# "^rv(:…)*$", "^fl:". Alternatives ("^a:x…|^a:y…") must all begin so.
_PREFIXED = re.compile(r"\^([A-Za-z0-9_]+)(?::|\(:|\$|\(\?:)")

# The kinds of update, by what can take them.
_OTHER = ("other", "")


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
        self._commands: dict[int, frozenset[str]] = {}
        self._prefixes: dict[int, frozenset[str]] = {}
        always: list[int] = []
        any_button: list[int] = []
        for index, handler in enumerate(self.handlers):
            if isinstance(handler, CommandHandler):
                self._commands[index] = frozenset(handler.commands)
            elif isinstance(handler, CallbackQueryHandler):
                prefixes = _pattern_prefixes(handler.pattern)
                if prefixes is None:
                    any_button.append(index)
                else:
                    self._prefixes[index] = prefixes
            else:
                always.append(index)
        self._always = tuple(always)
        self._any_button = tuple(any_button)
        known = {("command", command) for names in self._commands.values() for command in names}
        known |= {("button", prefix) for names in self._prefixes.values() for prefix in names}
        # The handlers to ask, by kind of update; an unknown command or prefix (a forged
        # button) gets the handlers that take any.
        self._candidates = {key: self._select(key) for key in (*known, _OTHER)}
        self._unknown_command = self._select(("command", ""))
        self._unknown_button = self._select(("button", ""))

    def _select(self, key: tuple[str, str]) -> tuple[AnyHandler, ...]:
        kind, name = key
        chosen: list[int] = list(self._always)
        if kind == "command":
            chosen += [i for i, names in self._commands.items() if name in names]
        elif kind == "button":
            chosen += list(self._any_button)
            chosen += [i for i, names in self._prefixes.items() if name in names]
        return tuple(self.handlers[i] for i in sorted(chosen))

    def candidates(self, update: Update) -> tuple[AnyHandler, ...]:
        """The handlers that could take `update`, in their registration order."""
        query = update.callback_query
        if query is not None and not (isinstance(query.data, str) and query.data):
            # No data (a game's button): every CallbackQueryHandler takes it, python-telegram-
            # bot says, whatever its pattern.
            return self.handlers
        key = _key(update)
        found = self._candidates.get(key)
        if found is not None:
            return found
        return self._unknown_button if key[0] == "button" else self._unknown_command

    def check_update(self, update: object) -> RouterMatch | None:
        if not isinstance(update, Update):
            return None
        for handler in self.candidates(update):
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
