"""What every flow shares: drafts that survive restarts, the standard fallbacks,
asking the same question again, and abandoning a flow when another command starts.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Sequence
from enum import IntEnum
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.catalog import common
from bot.context import BotContext
from bot.replies import answer_tap, reply

S = TypeVar("S", bound=IntEnum)
Asker = Callable[[Update, BotContext, Any, dict[str, Any]], Awaitable[None]]
AnyHandler = BaseHandler[Update, BotContext, Any]


def conversation_key(update: Update) -> tuple[int, int]:
    """The key python-telegram-bot's ConversationHandler uses (per chat and user)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return chat.id, user.id


class Flow(Generic[S]):
    """One conversation: its name, its steps, and how to ask each step's question."""

    def __init__(
        self,
        name: str,
        steps: type[S],
        button_steps: Sequence[S] = (),
        file_steps: Sequence[S] = (),
    ) -> None:
        self.name = name
        self.steps = steps
        self.button_steps = frozenset(button_steps)
        self.file_steps = frozenset(file_steps)
        self._asker: Asker | None = None

    def asker(self, ask: Asker) -> Asker:
        """Decorator: registers the function that asks a step's question."""
        self._asker = ask
        return ask

    async def load(self, update: Update, context: BotContext) -> dict[str, Any]:
        return await context.services.conversations.load(self.name, conversation_key(update))

    async def save(
        self, update: Update, context: BotContext, step: S, data: dict[str, Any]
    ) -> S:
        """Write the answers and the next step, then (caller) ask: a crash loses nothing."""
        services = context.services
        await services.conversations.save(
            self.name, conversation_key(update), int(step), data, services.now()
        )
        return step

    async def go(
        self, update: Update, context: BotContext, step: S, data: dict[str, Any]
    ) -> S:
        """Save, then ask the question of `step`; returns `step` for the handler."""
        await self.save(update, context, step, data)
        await self.ask(update, context, step, data)
        return step

    async def ask(
        self, update: Update, context: BotContext, step: S, data: dict[str, Any]
    ) -> None:
        if self._asker is None:
            raise RuntimeError(f"flow {self.name} has no asker")
        await self._asker(update, context, step, data)

    async def current_step(self, update: Update, context: BotContext) -> S | None:
        state = await context.services.conversations.state(self.name, conversation_key(update))
        return self.steps(state) if state is not None else None

    def handler(
        self,
        entry_points: list[AnyHandler],
        states: dict[S, list[AnyHandler]],
    ) -> ConversationHandler[BotContext]:
        """The ConversationHandler, with the standard fallbacks added to every step."""
        reask = self._reask_handler()
        full_states: dict[object, list[AnyHandler]] = {
            step: [*handlers, *reask] for step, handlers in states.items()
        }
        with warnings.catch_warnings():
            # Our flows mix buttons and typed answers in one conversation per chat, which is
            # what per_message=False is for; python-telegram-bot warns about it all the same.
            warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
            return ConversationHandler(
                entry_points=entry_points,
                states=full_states,
                # /annulla and other commands are handled before any flow: see bot.access.
                fallbacks=[],
                name=self.name,
                persistent=True,
                allow_reentry=True,
            )

    def _reask_handler(self) -> list[AnyHandler]:
        async def reask(update: Update, context: BotContext) -> object:
            step = await self.current_step(update, context)
            if step is None:
                return ConversationHandler.END
            if update.callback_query is not None:
                await answer_tap(update, common.STALE_BUTTON)
                return step
            if step in self.button_steps:
                await reply(update, common.USE_BUTTONS)
            elif step in self.file_steps:
                await reply(update, common.FILE_EXPECTED)
            elif update.message is None or not update.message.text:
                await reply(update, common.TEXT_EXPECTED)
            await self.ask(update, context, step, await self.load(update, context))
            return step

        return [
            MessageHandler(~filters.COMMAND, reask),
            CallbackQueryHandler(reask),
        ]


def registered_commands(context: BotContext) -> frozenset[str]:
    """Every command some handler answers, entry points of flows included."""
    cached = context.bot_data.get(_COMMANDS_KEY)
    if isinstance(cached, frozenset):
        return cached
    found: set[str] = set()
    for group in context.application.handlers.values():
        for handler in group:
            found.update(_commands_of(handler))
    commands = frozenset(found)
    context.bot_data[_COMMANDS_KEY] = commands
    return commands


_COMMANDS_KEY = "registered_commands"


def _commands_of(handler: object) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        return {c for h in handler.entry_points for c in _commands_of(h)}
    return set()


def persistent_conversations(context: BotContext) -> list[ConversationHandler[BotContext]]:
    return [
        handler
        for group in context.application.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler) and handler.persistent
    ]


async def abandon_all(context: BotContext, update: Update) -> list[str]:
    """End every flow the user is in (a new command starts something else).

    python-telegram-bot has no public way to end a conversation from outside its own
    handlers; `_update_state` is the method the ConversationHandler itself uses, so the
    in-memory state and the persistence stay in step.
    """
    key = conversation_key(update)
    ended: list[str] = []
    for handler in persistent_conversations(context):
        if key in handler._conversations:
            handler._update_state(ConversationHandler.END, key)
            ended.append(str(handler.name))
    if ended:
        store = context.services.conversations
        for name in ended:
            await store.set_state(name, key, None, context.services.now())
    context.abandoned_flows = ended
    return ended
