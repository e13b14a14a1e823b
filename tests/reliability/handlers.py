"""What the application answers to, read from the application itself: every handler (top
level, conversation entry points, states and fallbacks), its commands, its callback-data
pattern, and the role its callback requires. A handler added later shows up here by itself.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # type: ignore[import-not-found]  # no stub
import re._parser as sre_parser  # type: ignore[import-not-found]  # no stub
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
)

from bot.flows import FlowHandler
from bot.routing import unrouted

_UNSET = object()


@dataclass(frozen=True)
class Registered:
    handler: BaseHandler[Any, Any, Any]
    group: int
    where: str  # "top", "entry:<flow>", "state:<flow>:<step>", "fallback:<flow>"

    @property
    def callback(self) -> Any:
        return self.handler.callback

    @property
    def name(self) -> str:
        return f"{self.where}/{getattr(self.callback, '__name__', repr(self.callback))}"

    @property
    def in_state(self) -> bool:
        """Reachable only from within a conversation step."""
        return self.where.startswith(("state:", "fallback:"))

    @property
    def required_role(self) -> object:
        """`bot.access.requires(role)` / `bot.access.public` mark the callback; _UNSET if not."""
        return getattr(self.callback, "required_role", _UNSET)

    @property
    def guarded(self) -> bool:
        return self.required_role is not _UNSET


def registered(application: Application[Any, Any, Any, Any, Any, Any]) -> list[Registered]:
    found: list[Registered] = []
    for group in sorted(application.handlers):
        for handler in unrouted(application.handlers[group]):
            found.extend(_walk(handler, group, "top"))
    return found


def _walk(handler: BaseHandler[Any, Any, Any], group: int, where: str) -> Iterator[Registered]:
    if isinstance(handler, FlowHandler):
        name = handler.name
        for entry in handler.entry_points:
            yield from _walk(entry, group, f"entry:{name}")
        for step, handlers in handler.states.items():
            for state_handler in handlers:
                yield from _walk(state_handler, group, f"state:{name}:{step}")
        return
    yield Registered(handler, group, where)


def commands(entry: Registered) -> frozenset[str]:
    handler = entry.handler
    return frozenset(handler.commands) if isinstance(handler, CommandHandler) else frozenset()


def callback_pattern(entry: Registered) -> re.Pattern[str] | None:
    """The pattern of a CallbackQueryHandler that filters by data (None: it takes any)."""
    handler = entry.handler
    if not isinstance(handler, CallbackQueryHandler):
        return None
    pattern = handler.pattern
    if isinstance(pattern, str):
        return re.compile(pattern)
    if isinstance(pattern, re.Pattern):
        return pattern
    return None  # None (any data), a type or a callable: not a data pattern


def literal_prefix(pattern: re.Pattern[str]) -> str:
    """The text every match of `pattern` starts with: `^cs:view(:[…])*$` -> "cs:view"."""
    prefix: list[str] = []
    for op, arg in sre_parser.parse(pattern.pattern):
        if op is sre_constants.AT:
            continue
        if op is sre_constants.LITERAL:
            prefix.append(chr(arg))
            continue
        break
    return "".join(prefix)


def data_for(pattern: re.Pattern[str], argument_sets: Sequence[Sequence[object]]) -> list[str]:
    """Callback data that match `pattern`: its prefix, alone and with each argument set."""
    prefix = literal_prefix(pattern)
    candidates = [prefix] + [
        ":".join([prefix, *(str(a) for a in arguments)]) for arguments in argument_sets if arguments
    ]
    matching = [data for data in dict.fromkeys(candidates) if pattern.match(data)]
    return matching
