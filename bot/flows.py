"""What every flow shares: drafts that survive restarts, the standard fallbacks,
asking the same question again, abandoning a flow when another command starts, getting back
on track after an error, and deleting the user's messages that carried personal data.
"""

from __future__ import annotations

import asyncio
import functools
import warnings
from collections.abc import Awaitable, Callable, Sequence
from enum import IntEnum
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.error import TelegramError
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

# The ids of the user's messages a personal flow will delete, kept in its draft.
_MESSAGES_KEY = "_personal_messages"
_MAX_REMEMBERED = 500  # messages remembered per conversation: a flow is a few dozen at most


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
        personal: bool = False,
    ) -> None:
        """`personal`: the answers carry personal data, and the user's messages are deleted
        from the chat once the record is saved (see `delete_personal_messages`)."""
        self.name = name
        self.steps = steps
        self.button_steps = frozenset(button_steps)
        self.file_steps = frozenset(file_steps)
        self.personal = personal
        self._asker: Asker | None = None
        # Messages seen since the draft was last written, per conversation (see `save`).
        self._unsaved_messages: dict[tuple[int, int], list[int]] = {}
        _FLOWS[name] = self

    def asker(self, ask: Asker) -> Asker:
        """Decorator: registers the function that asks a step's question."""
        self._asker = ask
        return ask

    async def load(self, update: Update, context: BotContext) -> dict[str, Any]:
        return await context.services.conversations.load(self.name, conversation_key(update))

    async def save(self, update: Update, context: BotContext, step: S, data: dict[str, Any]) -> S:
        """Write the answers and the next step, then (caller) ask: a crash loses nothing."""
        services = context.services
        key = conversation_key(update)
        if self.personal:
            data = await self._with_message_ids(update, context, data)
        await services.conversations.save(self.name, key, int(step), data, services.now())
        self._unsaved_messages.pop(key, None)
        return step

    async def go(self, update: Update, context: BotContext, step: S, data: dict[str, Any]) -> S:
        """Save, then ask the question of `step`; returns `step` for the handler."""
        await self.save(update, context, step, data)
        await self.ask(update, context, step, data)
        return step

    async def ask(self, update: Update, context: BotContext, step: S, data: dict[str, Any]) -> None:
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
        if self.personal:
            for handler in [*entry_points, *(h for hs in full_states.values() for h in hs)]:
                handler.callback = self._remembering(handler.callback)
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

    # --- personal data: the user's messages are deleted once the record is saved ----------

    async def delete_personal_messages(self, update: Update, context: BotContext) -> int:
        """Delete from the chat the user's messages this flow received: call it after the
        final save of a `personal=True` flow, once the user has been told it is saved (and
        before returning END, while the draft is still there). A lost phone then shows the
        summary, not the raw answers.

        Every message the user sent into the flow counts (typed answers, refused ones too,
        files, `/start CODE`; not bare commands nor button taps). Best effort: Telegram lets a
        bot delete a private chat's messages for 48 hours, and any failure is ignored. Off
        when the setting DELETE_PERSONAL_MESSAGES is false. Returns how many were deleted.

        The contacts flows use it the same way: `Flow("contact", Step, personal=True)`, then
        `await flow.delete_personal_messages(update, context)` after saving the contact.
        """
        key = conversation_key(update)
        unsaved = self._unsaved_messages.pop(key, [])
        if not context.services.settings.delete_personal_messages:
            return 0
        stored = (await self.load(update, context)).get(_MESSAGES_KEY, [])
        message_ids = sorted({*stored, *unsaved})
        results = await asyncio.gather(
            *(context.bot.delete_message(key[0], message_id) for message_id in message_ids),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, TelegramError):
                raise result
        return sum(result is True for result in results)

    def _remembering(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        """`callback`, noting first the id of the user's message it handles."""

        @functools.wraps(callback)  # keeps `required_role`
        async def remembering(update: Update, context: BotContext) -> Any:
            message = update.message
            if message is not None and _carries_content(message.text, message.effective_attachment):
                seen = self._unsaved_messages.setdefault(conversation_key(update), [])
                if len(seen) < _MAX_REMEMBERED:
                    seen.append(message.message_id)
            return await callback(update, context)

        return remembering

    async def _with_message_ids(
        self, update: Update, context: BotContext, data: dict[str, Any]
    ) -> dict[str, Any]:
        """`data` with the ids of the user's messages so far: those already in the draft
        and those seen since it was written (the caller's `data` may have dropped the key)."""
        key = conversation_key(update)
        stored = data.get(_MESSAGES_KEY)
        if stored is None:
            stored = (await self.load(update, context)).get(_MESSAGES_KEY, [])
        merged = sorted({*stored, *self._unsaved_messages.get(key, [])})
        return {**data, _MESSAGES_KEY: merged[-_MAX_REMEMBERED:]}

    # --- the standard fallbacks -----------------------------------------------------------

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

        # Open to anyone: it only repeats the question of the user's own step (the access
        # guard has already stopped revoked users; see bot.access.public).
        reask.required_role = None  # type: ignore[attr-defined]
        return [
            MessageHandler(~filters.COMMAND, reask),
            CallbackQueryHandler(reask),
        ]


_FLOWS: dict[str, Flow[Any]] = {}


def _carries_content(text: str | None, attachment: object) -> bool:
    """A message with something the user wrote or sent, not a bare `/command`."""
    if attachment is not None:
        return True
    if not text:
        return False
    return not text.startswith("/") or len(text.split(maxsplit=1)) > 1


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
            end_in_memory(handler, key)
            ended.append(str(handler.name))
    if ended:
        store = context.services.conversations
        for name in ended:
            await store.set_state(name, key, None, context.services.now())
    context.abandoned_flows = ended
    return ended


def end_in_memory(handler: ConversationHandler[BotContext], key: tuple[int, int]) -> None:
    """Put `key`'s conversation of `handler` at END in memory only: the caller has already
    ended it in the database (abandon_all, the retention run)."""
    handler._update_state(ConversationHandler.END, key)
    _drop_pending_write(handler, key)


def _drop_pending_write(handler: ConversationHandler[BotContext], key: tuple[int, int]) -> None:
    """The caller writes the END itself. Left pending, python-telegram-bot's next flush
    (which any other chat's update may run while this update's handler goes on) could write
    it after the handler saved a new draft of the same flow, and delete that draft: seen
    with two hundred referents at once (benchmarks/load.py)."""
    pending = getattr(handler._conversations, "_write_access_keys", None)
    if isinstance(pending, set):
        pending.discard(key)


async def resync(context: BotContext, update: Update) -> list[tuple[Flow[Any], Any]]:
    """After an error while handling `update`: put each flow the user is in back at the step
    stored with their answers; returns the flows they are in and those steps.

    A handler that failed half-way may have stored its answer and the next step but never
    returned it to python-telegram-bot, which would then read the next message as the answer
    to the old step (the right answer in the wrong field); or it failed before storing
    anything, and the step is unchanged. Either way the stored step is the truth (it is what
    a restart would resume, too). Reads only the database, sends nothing.
    """
    key = conversation_key(update)
    current: list[tuple[Flow[Any], Any]] = []
    for handler in persistent_conversations(context):
        flow = _FLOWS.get(str(handler.name))
        if flow is None:
            continue
        stored = await flow.current_step(update, context)
        if handler._conversations.get(key) != stored:
            handler._update_state(ConversationHandler.END if stored is None else stored, key)
        if stored is not None:
            current.append((flow, stored))
    return current


async def ask_again(
    context: BotContext, update: Update, steps: list[tuple[Flow[Any], Any]]
) -> None:
    """Ask the question of each (flow, step) again, with the answers stored so far."""
    for flow, step in steps:
        await flow.ask(update, context, step, await flow.load(update, context))
