"""The flow engine: what every flow shares — drafts that survive restarts, the standard
fallbacks, asking the same question again, setting a flow aside when another command starts
(and offering it back), getting back on track after an error, and deleting the user's
messages that carried personal data.

Drafts set aside (issue 22): a command that starts something else does not end the flow in
progress; `pause_all` marks its row paused (step and answers kept, `paused_at` set) and the
flow stops reading the user's messages. The next time a command entry point of that flow
comes, or `/start` (`offer_paused_drafts`), the user gets «Riprendi» / «Ricomincia» with how
far the draft got (`Flow.progress`); a draft older than DRAFT_MAX_AGE_DAYS is dropped with a
word. `Flow.cancel` (/annulla, a form's «Annulla») asks Sì/No first when the draft holds an
answer. The buttons (`fl:<verb>:<flow>`) have one handler, registered before every flow
(`draft_buttons_handler`). A draft without any answer is simply ended.

Design: our own handler, on python-telegram-bot's public extension point.
`Flow.handler(entry_points, states)` builds a `FlowHandler`, a `BaseHandler` subclass that
implements `check_update`/`handle_update` as documented and keeps the whole state table in
one place, as `ConversationHandler` does (`entry_points`, `states`, public, so the
authorization tests walk them). The step a user is at lives in OUR `conversations` row,
beside the draft (storage.conversations), and is read from a small in-memory copy the store
keeps (filled at start-up, updated by every write of the store).

Why not `ConversationHandler` + a `BasePersistence`: its states live inside the handler, and
python-telegram-bot offers no public way to end or move a user's conversation from outside
its callbacks. We need exactly that: a command that starts something else ends the flow in
progress, a revoked user's flows end, the retention run deletes drafts, and after an error
the step must come back to the stored one. Doing it through the handler's private
`_conversations`/`_update_state` (and dropping its pending persistence writes) is what tied us
to one minor version. With the step in our row:
- ending, pausing or resyncing a flow from outside is a plain store call (`abandon_all`,
  `pause_all`, `resync`, the retention run's `forget`), and nothing is written later behind
  our back (no flush that could delete a fresh draft, no pending writes to drop);
- a save writes the answers and the next step in ONE row, ONE transaction (was: the draft,
  then python-telegram-bot's state for the same row in another); a handler that returns
  the step it saved writes nothing more;
- `kill -9` at any point resumes at the stored step with every answer stored.

What `ConversationHandler` features we do not reproduce, because no flow uses them:
per-message conversations, non-blocking callbacks, time-outs, nested conversations
(`map_to_parent`) and fallbacks (the re-ask handlers are appended to every step instead). A
flow is keyed per chat and user, and can always be started again from an entry point
(`allow_reentry=True`). Callbacks return a step, `END` (= `ConversationHandler.END`) or None
(stay), or raise `ApplicationHandlerStop(step)`, exactly as with `ConversationHandler`.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.callbacks import Buttons
from bot.catalog import common, render
from bot.context import BotContext, services_of
from bot.replies import answer_tap, close_buttons, reply
from bot.routing import unrouted
from domain.access import Role
from storage.conversations import ConversationStore, PausedDraft
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)

S = TypeVar("S", bound=IntEnum)
Asker = Callable[[Update, BotContext, Any, dict[str, Any]], Awaitable[None]]
Canceller = Callable[[Update, BotContext, dict[str, Any]], Awaitable[None]]
AnyHandler = BaseHandler[Update, BotContext, Any]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
Key = tuple[int, int]

# What a callback returns to end its flow: the value handlers already use.
END = ConversationHandler.END

# The ids of the user's messages a personal flow will delete, kept in its draft.
_MESSAGES_KEY = "_personal_messages"
_MAX_REMEMBERED = 500  # messages remembered per conversation: a flow is a few dozen at most
_DELETED_AT_ONCE = 100  # the most ids one deleteMessages call takes
# The command that found a paused draft, kept in it: «Ricomincia» runs it once the draft is gone.
_RESTART_KEY = "_restart_with"

# The buttons about a flow's draft: `fl:<verb>:<flow name>`.
DRAFT_BUTTONS = Buttons("fl", "a draft: resume, start again, drop; confirm or undo a cancel")
RESUME = "resume"
RESTART = "restart"
DROP = "drop"
QUIT = "quit"
STAY = "stay"


@dataclass(frozen=True)
class Progress:
    """How far a draft got: answers given, out of how many questions (None: not known)."""

    answered: int
    total: int | None = None


def default_progress(data: Mapping[str, Any]) -> Progress:
    """The answers of a draft the flow does not describe: its filled, non-bookkeeping keys."""
    return Progress(sum(1 for k, v in data.items() if not k.startswith("_") and v not in _EMPTY))


_EMPTY: tuple[object, ...] = (None, "", [], {}, 0, False)


def conversation_key(update: Update) -> Key:
    """A conversation is per chat and user (what ConversationHandler's default is)."""
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
        progress: Callable[[Mapping[str, Any]], Progress] = default_progress,
    ) -> None:
        """`personal`: the answers carry personal data, and the user's messages are deleted
        from the chat once the record is saved (see `delete_personal_messages`).
        `progress`: how many answers a draft holds (shown when it is offered back, and a
        cancel asks Sì/No first when there is at least one)."""
        self.name = name
        self.progress = progress
        self._canceller: Canceller | None = None
        self.steps = steps
        self.button_steps = frozenset(button_steps)
        self.file_steps = frozenset(file_steps)
        self.personal = personal
        self._asker: Asker | None = None
        # Messages seen since the draft was last written, per conversation (see `save`): a
        # set, so a message is noted once however many handlers could have seen it.
        self._unsaved_messages: dict[Key, set[int]] = {}

    def asker(self, ask: Asker) -> Asker:
        """Decorator: registers the function that asks a step's question."""
        self._asker = ask
        return ask

    def canceller(self, cancelled: Canceller) -> Canceller:
        """Decorator: registers what the flow says when it is cancelled (given the answers
        the deleted draft held)."""
        self._canceller = cancelled
        return cancelled

    async def cancel(self, update: Update, context: BotContext, *, command: bool = False) -> object:
        """/annulla or a form's «Annulla»: asks Sì/No first when the draft holds an answer;
        else ends the flow now. Returns what a callback returns (None: stay, END: ended)."""
        answered = self.progress(await self.load(update, context)).answered
        if answered > 0:
            keyboard = keyboards.inline(
                [
                    [
                        (common.BUTTON_YES, DRAFT_BUTTONS.data(QUIT, self.name)),
                        (common.BUTTON_NO, DRAFT_BUTTONS.data(STAY, self.name)),
                    ]
                ]
            )
            await reply(update, common.CANCEL_CONFIRM, keyboard)
            return None
        await self.end_cancelled(update, context, generic=command)
        return END

    async def end_cancelled(
        self, update: Update, context: BotContext, *, generic: bool = False
    ) -> None:
        """Delete the draft, then say the flow is cancelled (its own words, if it has some:
        they get the answers the draft held)."""
        data = await self.load(update, context)
        await self.end(update, context)
        if self._canceller is not None and not generic:
            await self._canceller(update, context, data)
        else:
            await reply(update, common.CANCELLED)

    async def end(self, update: Update, context: BotContext) -> None:
        """End this flow now and delete its draft (the record it built is saved, or the user
        cancelled): before a handler starts another flow, which would set this one aside."""
        services = context.services
        await services.conversations.set_state(
            self.name, conversation_key(update), None, services.now()
        )

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
        states: Mapping[S, list[AnyHandler]],
    ) -> FlowHandler:
        """The flow's handler, with the standard re-ask handlers added to every step."""
        reask = self._reask_handlers()
        full_states = {step: [*handlers, *reask] for step, handlers in states.items()}
        handler = FlowHandler(self, entry_points, full_states)
        return handler

    # --- personal data: the user's messages are deleted once the record is saved ----------

    async def delete_personal_messages(self, update: Update, context: BotContext) -> int:
        """Delete from the chat the user's messages this flow received: call it after the
        final save of a `personal=True` flow, once the user has been told it is saved (and
        before returning END, while the draft is still there). A lost phone then shows the
        summary, not the raw answers.

        Every message the user sent into the flow counts (typed answers, refused ones too,
        files, `/start CODE`; not bare commands nor button taps). Best effort: Telegram lets a
        bot delete a private chat's messages for 48 hours, and any failure is ignored. Off
        when the setting DELETE_PERSONAL_MESSAGES is false. Returns how many were in the calls
        Telegram accepted (it skips, silently, a message already gone).

        The contacts flows use it the same way: `Flow("contact", Step, personal=True)`, then
        `await flow.delete_personal_messages(update, context)` after saving the contact.
        """
        key = conversation_key(update)
        unsaved = self._unsaved_messages.pop(key, set())
        if not context.services.settings.delete_personal_messages:
            return 0
        stored = (await self.load(update, context)).get(_MESSAGES_KEY, [])
        message_ids = sorted({*stored, *unsaved})
        # One deleteMessages call per 100 messages, not one call each: a saved contact's
        # typed answers went in 5-8 calls (benchmarks/load.py: 0.36 calls per update).
        batches = [
            message_ids[start : start + _DELETED_AT_ONCE]
            for start in range(0, len(message_ids), _DELETED_AT_ONCE)
        ]
        results = await asyncio.gather(
            *(context.bot.delete_messages(key[0], batch) for batch in batches),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, TelegramError):
                raise result
        return sum(
            len(batch) for batch, result in zip(batches, results, strict=True) if result is True
        )

    def note_message(self, update: Update) -> None:
        """Note the id of the user's message `update` carries, if it has content (the flow's
        handler calls it once per update it handles)."""
        message = update.message
        if message is None or not _carries_content(message.text, message.effective_attachment):
            return
        seen = self._unsaved_messages.setdefault(conversation_key(update), set())
        if len(seen) < _MAX_REMEMBERED:
            seen.add(message.message_id)

    async def _with_message_ids(
        self, update: Update, context: BotContext, data: dict[str, Any]
    ) -> dict[str, Any]:
        """`data` with the ids of the user's messages so far: those already in the draft
        and those seen since it was written (the caller's `data` may have dropped the key)."""
        key = conversation_key(update)
        stored = data.get(_MESSAGES_KEY)
        if stored is None:
            stored = (await self.load(update, context)).get(_MESSAGES_KEY, [])
        merged = sorted({*stored, *self._unsaved_messages.get(key, set())})
        return {**data, _MESSAGES_KEY: merged[-_MAX_REMEMBERED:]}

    # --- the standard fallbacks -----------------------------------------------------------

    def _reask_handlers(self) -> list[AnyHandler]:
        async def reask(update: Update, context: BotContext) -> object:
            step = await self.current_step(update, context)
            if step is None:
                return END
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


@dataclass(frozen=True)
class FlowMatch:
    """What `FlowHandler.check_update` found: whose conversation, at which step, and which
    of the flow's handlers takes the update (with that handler's own check result)."""

    key: Key
    step: int | None
    handler: AnyHandler
    check: object


async def _not_called(update: Update, context: BotContext) -> None:
    raise RuntimeError("a FlowHandler dispatches to its own handlers")


class FlowHandler(BaseHandler[Update, BotContext, None]):
    """One flow's state table as one handler: `entry_points` start it (also while it is in
    progress), `states[step]` answer the user's updates at `step`. The step comes from the
    conversation store's memory; see the module docstring."""

    def __init__(
        self,
        flow: Flow[Any],
        entry_points: Sequence[AnyHandler],
        states: Mapping[Any, Sequence[AnyHandler]],  # step -> its handlers
    ) -> None:
        super().__init__(_not_called)
        self.flow = flow
        self.name = flow.name
        # Who may use the flow: the role its first entry point requires (None: anyone, or a
        # flow with no entry point of its own, started by another handler's `go`).
        first = entry_points[0] if entry_points else None
        role = getattr(getattr(first, "callback", None), "required_role", None)
        self.role: Role | None = role if isinstance(role, Role) else None
        self.entry_points: tuple[AnyHandler, ...] = tuple(entry_points)
        # Keyed by the flow's steps (IntEnum members: a stored int finds them too).
        self.states: dict[int, tuple[AnyHandler, ...]] = {
            step: tuple(handlers) for step, handlers in states.items()
        }
        # Set by `start` once the application's database is open.
        self.store: ConversationStore | None = None

    def engaged_at(self, chat_id: int, user_id: int) -> bool:
        """Whether the conversation of this chat and user is in this flow (at some step):
        the Router asks every flow a dozen times a message, with the update read once."""
        return self._store().step(self.name, (chat_id, user_id)) is not None

    def check_update(self, update: object) -> FlowMatch | None:
        if not isinstance(update, Update) or update.channel_post or update.edited_channel_post:
            return None
        if update.effective_chat is None or update.effective_user is None:
            return None
        query = update.callback_query
        if query is not None and query.message is None:
            return None  # a button of an inline message: no chat to converse in
        key = conversation_key(update)
        step = self._store().step(self.name, key)
        candidates = self.entry_points
        if step is not None:
            candidates = (*self.entry_points, *self.states.get(step, ()))
        for handler in candidates:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return FlowMatch(key, step, handler, check)
        return None

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        check_result: object,
        context: BotContext,
    ) -> None:
        if not isinstance(check_result, FlowMatch):
            raise TypeError(f"not a FlowMatch: {check_result!r}")
        allowed = self.role is None or context.actor.has(self.role)
        if allowed and self._offers_draft(update, check_result):
            paused = await self._store().paused(self.name, check_result.key)
            if paused is not None and not await _expired(update, context, paused):
                await self._offer(update, context, paused)
                return
        if self.flow.personal:
            self.flow.note_message(update)
        try:
            returned = await check_result.handler.handle_update(
                update, application, check_result.check, context
            )
        except ApplicationHandlerStop as stop:
            await self._settle(context, check_result.key, stop.state)
            raise ApplicationHandlerStop from None
        await self._settle(context, check_result.key, returned)

    async def _settle(self, context: BotContext, key: Key, returned: object) -> None:
        """Store the step the callback returned, unless it is already stored (the callback
        saved it with its answers: the usual case, and then nothing more is written)."""
        if returned is None:
            return  # stay where the user is
        if not isinstance(returned, int):
            raise TypeError(f"flow {self.name} got a step that is not a number: {returned!r}")
        step = None if returned == END else int(returned)
        store = self._store()
        if store.step(self.name, key) == step:
            return
        try:
            await store.set_state(self.name, key, step, context.services.now())
        except DatabaseUnavailable as error:
            # The user has been answered: a busy database must not undo that. The table keeps
            # the old step (a restart resumes there); this process follows the callback.
            log.warning("database unavailable while moving flow %s: %s", self.name, error)
            store.remember(self.name, key, step)

    # --- drafts set aside ---------------------------------------------------------------

    def _offers_draft(self, update: Update, match: FlowMatch) -> bool:
        """A command or a button that starts the flow while the user has a draft of it set
        aside (the caller checks they may use the flow: otherwise the entry point refuses as
        usual). A button too: "➕ Nuovo caso" under /casi must not overwrite the draft."""
        if match.step is not None or match.handler not in self.entry_points:
            return False
        if not isinstance(match.handler, CommandHandler | CallbackQueryHandler):
            return False
        return self._store().is_paused(self.name, match.key)

    async def _offer(self, update: Update, context: BotContext, paused: PausedDraft) -> None:
        """«Riprendi» / «Ricomincia», saying how far the draft got; the command (or tap) is
        kept in the draft so that «Ricomincia» can run it."""
        data = {**paused.data, _RESTART_KEY: json.loads(update.to_json())}
        await self._store().note_in_paused(self.name, conversation_key(update), data)
        await offer_draft(update, context, self.flow, paused, restart=True)

    async def on_draft_button(self, verb: str, update: Update, context: BotContext) -> None:
        """A tap on one of this flow's draft buttons (see `draft_buttons_handler`)."""
        actions: dict[str, Callable[[Update, BotContext], Awaitable[None]]] = {
            RESUME: self._resume,
            RESTART: self._restart,
            DROP: self._drop,
            QUIT: self._quit,
            STAY: self._stay,
        }
        action = actions.get(verb)
        if action is None:
            await answer_tap(update, common.STALE_BUTTON, alert=True)
            return
        role = self.role
        if role is not None and not context.actor.has(role):
            text = common.ADMIN_ONLY if role is Role.ADMIN else common.REFERENT_ONLY
            if not context.actor.is_known:
                text = common.NOT_REGISTERED
            await answer_tap(update, text)
            await reply(update, text)
            return
        await action(update, context)

    async def _resume(self, update: Update, context: BotContext) -> None:
        key = conversation_key(update)
        step = await self._store().resume(self.name, key)
        await close_buttons(update)
        if step is None:
            await answer_tap(update, common.STALE_BUTTON, alert=True)
            return
        await answer_tap(update)
        data = await self.flow.load(update, context)
        if _RESTART_KEY in data:
            data.pop(_RESTART_KEY)
            await self._store().save(self.name, key, step, data, context.services.now())
        await self.flow.ask(update, context, self.flow.steps(step), data)

    async def _restart(self, update: Update, context: BotContext) -> None:
        key = conversation_key(update)
        store = self._store()
        paused = await store.paused(self.name, key)
        await close_buttons(update)
        if paused is None:
            await answer_tap(update, common.STALE_BUTTON, alert=True)
            return
        await store.set_state(self.name, key, None, context.services.now())
        raw = paused.data.get(_RESTART_KEY)
        entry_update = Update.de_json(raw, context.bot) if isinstance(raw, dict) else None
        match = self._entry_for(entry_update) if entry_update is not None else None
        if entry_update is None or match is None:
            await reply(update, common.DRAFT_DROPPED)
            return
        await answer_tap(update)
        # The command the user typed, run now that the draft is gone.
        try:
            application: AnyApplication = context.application
            returned = await match[0].handle_update(entry_update, application, match[1], context)
        except ApplicationHandlerStop as stop:
            await self._settle(context, key, stop.state)
            raise ApplicationHandlerStop from None
        await self._settle(context, key, returned)

    def _entry_for(self, update: Update) -> tuple[AnyHandler, object] | None:
        for handler in self.entry_points:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    async def _drop(self, update: Update, context: BotContext) -> None:
        key = conversation_key(update)
        store = self._store()
        await close_buttons(update)
        if await store.paused(self.name, key) is None:
            await answer_tap(update, common.STALE_BUTTON, alert=True)
            return
        await store.set_state(self.name, key, None, context.services.now())
        await reply(update, common.DRAFT_DROPPED)

    async def _quit(self, update: Update, context: BotContext) -> None:
        """«Sì» to "Vuoi davvero annullare?"."""
        await close_buttons(update)
        if self._store().step(self.name, conversation_key(update)) is None:
            await answer_tap(update, common.STALE_BUTTON, alert=True)
            return
        await self.flow.end_cancelled(update, context)

    async def _stay(self, update: Update, context: BotContext) -> None:
        """«No»: the question the user was at, again."""
        await close_buttons(update)
        step = self._store().step(self.name, conversation_key(update))
        if step is None:
            await answer_tap(update, common.STALE_BUTTON, alert=True)
            return
        await answer_tap(update)
        data = await self.flow.load(update, context)
        await self.flow.ask(update, context, self.flow.steps(step), data)

    def _store(self) -> ConversationStore:
        if self.store is None:
            raise RuntimeError(f"flow {self.name}: bot.flows.start was not called")
        return self.store


def _carries_content(text: str | None, attachment: object) -> bool:
    """A message with something the user wrote or sent, not a bare `/command`."""
    if attachment is not None:
        return True
    if not text:
        return False
    return not text.startswith("/") or len(text.split(maxsplit=1)) > 1


def flow_handlers(application: AnyApplication) -> list[FlowHandler]:
    """The application's flows, in the order they were registered."""
    return [
        handler
        for group in sorted(application.handlers)
        for handler in unrouted(application.handlers[group])
        if isinstance(handler, FlowHandler)
    ]


async def start(application: AnyApplication) -> None:
    """Read every conversation in progress and give the flows their store: once the
    database is open, before the first update (bot.app's post_init)."""
    store = services_of(application).conversations
    await store.load_steps()
    for handler in flow_handlers(application):
        handler.store = store


def registered_commands(context: BotContext) -> frozenset[str]:
    """Every command some handler answers, entry points of flows included."""
    cached = context.bot_data.get(_COMMANDS_KEY)
    if isinstance(cached, frozenset):
        return cached
    found: set[str] = set()
    for group in context.application.handlers.values():
        for handler in unrouted(group):
            found.update(_commands_of(handler))
    commands = frozenset(found)
    context.bot_data[_COMMANDS_KEY] = commands
    return commands


_COMMANDS_KEY = "registered_commands"


def _commands_of(handler: object) -> set[str]:
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, FlowHandler):
        return {c for h in handler.entry_points for c in _commands_of(h)}
    return set()


def draft_buttons_handler() -> CallbackQueryHandler[BotContext, None]:
    """The one handler of the draft buttons of every flow (`fl:<verb>:<flow>`): registered
    before the flows, since a flow at a step takes any other tap as a stale button. Each
    flow checks the role its entry point requires."""

    async def draft_button(update: Update, context: BotContext) -> None:
        query = update.callback_query
        parts = (query.data or "").split(":") if query is not None else []
        handler = next(
            (
                h
                for h in flow_handlers(context.application)
                if len(parts) == 3 and h.name == parts[2]
            ),
            None,
        )
        if handler is None:
            await answer_tap(update, common.STALE_BUTTON, alert=True)
            return
        await handler.on_draft_button(parts[1], update, context)

    # Open to anyone here: the flow checks its own role (FlowHandler.on_draft_button).
    draft_button.required_role = None  # type: ignore[attr-defined]
    return CallbackQueryHandler(draft_button, pattern=rf"^{DRAFT_BUTTONS.prefix}:")


def _local(context: BotContext, moment: datetime) -> datetime:
    return moment.astimezone(context.services.settings.tz)


async def _expired(update: Update, context: BotContext, paused: PausedDraft) -> bool:
    """A draft older than DRAFT_MAX_AGE_DAYS is dropped, and the user told so."""
    days = context.services.settings.draft_max_age_days
    services = context.services
    if services.now() - paused.updated_at <= timedelta(days=days):
        return False
    await services.conversations.set_state(
        paused.flow, conversation_key(update), None, services.now()
    )
    text = render(
        common.DRAFT_EXPIRED,
        title=_title(paused.flow),
        day=_local(context, paused.updated_at).strftime("%d/%m"),
        days=days,
    )
    await reply(update, text)
    return True


def _title(flow_name: str) -> str:
    return common.DRAFT_TITLES.get(flow_name, flow_name)


def progress_text(context: BotContext, flow: Flow[Any], paused: PausedDraft) -> str:
    """ "Bozza del 12/11 alle 10:30: 9 risposte su 17." """
    progress = flow.progress(paused.data)
    when = _local(context, paused.updated_at)
    answers = common.ANSWER_ONE if progress.answered == 1 else common.ANSWER_MANY
    template = common.DRAFT_PROGRESS if progress.total else common.DRAFT_PROGRESS_OPEN
    return render(
        template,
        day=when.strftime("%d/%m"),
        time=when.strftime("%H:%M"),
        answered=progress.answered,
        answers=answers,
        total=progress.total,
    )


async def offer_draft(
    update: Update, context: BotContext, flow: Flow[Any], paused: PausedDraft, *, restart: bool
) -> None:
    """The paused draft, how far it got, «Riprendi» and «Ricomincia» (or «Elimina»)."""
    second = (
        (common.BUTTON_RESTART, DRAFT_BUTTONS.data(RESTART, flow.name))
        if restart
        else (common.BUTTON_DROP, DRAFT_BUTTONS.data(DROP, flow.name))
    )
    keyboard = keyboards.inline(
        [[(common.BUTTON_RESUME, DRAFT_BUTTONS.data(RESUME, flow.name)), second]]
    )
    text = common.DRAFT_OFFER.format(
        title=html.escape(_title(flow.name)), progress=progress_text(context, flow, paused)
    )
    await reply(update, text, keyboard)


async def pause_all(context: BotContext, update: Update) -> list[str]:
    """Set aside every flow the user is in (a command starts something else): a draft with
    answers is kept, to be offered back; one without any is ended. Returns the flows."""
    key = conversation_key(update)
    store = context.services.conversations
    in_progress = store.flows_of(key)
    touched: list[str] = []
    for handler in flow_handlers(context.application):
        if handler.name not in in_progress:
            continue
        touched.append(handler.name)
        data = await store.load(handler.name, key)
        if handler.flow.progress(data).answered > 0:
            await store.pause(handler.name, key, context.services.now())
        else:
            await store.set_state(handler.name, key, None, context.services.now())
    return touched


async def offer_paused_drafts(context: BotContext, update: Update) -> None:
    """/start: each draft the user set aside, offered back (or dropped when too old)."""
    key = conversation_key(update)
    store = context.services.conversations
    for handler in flow_handlers(context.application):
        if not store.is_paused(handler.name, key):
            continue
        paused = await store.paused(handler.name, key)
        if paused is None or await _expired(update, context, paused):
            continue
        await offer_draft(update, context, handler.flow, paused, restart=False)


def has_paused_drafts(context: BotContext, update: Update) -> bool:
    return bool(context.services.conversations.paused_flows_of(conversation_key(update)))


async def cancel_in_progress(context: BotContext, update: Update) -> bool:
    """/annulla: cancel the flows the user is in (each asks Sì/No first if it holds an
    answer); False when there was none."""
    in_progress = context.services.conversations.flows_of(conversation_key(update))
    flows = [h.flow for h in flow_handlers(context.application) if h.name in in_progress]
    for flow in flows:
        await flow.cancel(update, context, command=True)
    return bool(flows)


async def ask_pending(context: BotContext, update: Update) -> None:
    """The question of each flow the user is in, again (after /aiuto)."""
    key = conversation_key(update)
    store = context.services.conversations
    steps = [
        (h.flow, h.flow.steps(step))
        for h in flow_handlers(context.application)
        if (step := store.step(h.name, key)) is not None
    ]
    await ask_again(context, update, steps)


async def abandon_all(context: BotContext, update: Update) -> list[str]:
    """End every flow the user is in (a new command starts something else), drafts
    included, in one write; returns the flows ended, also kept in `context.abandoned_flows`."""
    key = conversation_key(update)
    store = context.services.conversations
    in_progress = store.flows_of(key)
    ended = [h.name for h in flow_handlers(context.application) if h.name in in_progress]
    if in_progress:
        await store.end_all(key)
    context.abandoned_flows = ended
    return ended


async def resync(context: BotContext, update: Update) -> list[tuple[Flow[Any], Any]]:
    """After an error while handling `update`: put each flow the user is in back at the step
    stored with their answers; returns the flows they are in and those steps.

    A handler that failed half-way may have stored its answer and the next step but never
    returned it, or it failed before storing anything and the step is unchanged, or a
    transaction it joined was rolled back after the store had noted the step. Either way the
    stored step is the truth (it is what a restart would resume, too). Reads only the
    database, sends nothing.
    """
    stored = await context.services.conversations.reload(conversation_key(update))
    return [
        (handler.flow, handler.flow.steps(stored[handler.name]))
        for handler in flow_handlers(context.application)
        if handler.name in stored
    ]


async def ask_again(
    context: BotContext, update: Update, steps: list[tuple[Flow[Any], Any]]
) -> None:
    """Ask the question of each (flow, step) again, with the answers stored so far."""
    for flow, step in steps:
        await flow.ask(update, context, step, await flow.load(update, context))
