"""/avviso (admins): a message to every referent of the ATS, or only to those of its
sentinel plessi. Audience → text → preview (exactly what the referents will receive, and
how many) → Conferma / Modifica / Annulla. On Conferma the broadcast is stored with its
recipients (`services.broadcast`) and delivered in the background (`reminders.broadcast`);
the admin gets "invio in corso a N referenti" now and the count (sent, blocked, failed) at
the end.

An ATS admin writes to their own ATS; a regional admin to every ATS, or to one with
`/avviso ATS-CODICE`. Each preview carries its own key in the Conferma button: an older
preview's button cannot send a newer text, and a second tap (or the same tap after a
restart) finds the broadcast already stored and sends nothing again.
"""

from __future__ import annotations

import secrets
from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import broadcast as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext, Services
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.broadcast import Audience, BroadcastStatus, CreateOutcome, clean_text, room_for_text
from domain.errors import ValidationFailed
from domain.schools import validate_ats_code
from reminders import broadcast as delivery
from services import broadcast as broadcast_service

BUTTONS = Buttons("bc", "/avviso: the audience, then Conferma / Modifica / Annulla")
AUDIENCE = "aud"  # bc:aud:all | bc:aud:sentinel
SEND = "ok"  # bc:ok:KEY, the key of the preview it confirms
EDIT = BUTTONS.data("edit")
CANCEL = BUTTONS.data("no")
_KEY_BYTES = 9  # 12 URL-safe characters


class Step(IntEnum):
    AUDIENCE = auto()
    TEXT = auto()
    CONFIRM = auto()


flow: Flow[Step] = Flow("broadcast", Step, button_steps=[Step.AUDIENCE, Step.CONFIRM])


class BroadcastDraft(FlowDraft):
    """The answers so far: the scope (None: every ATS), the audience, the text, and the key
    of the preview on screen (only its Conferma sends this text)."""

    scope: str | None = None
    audience: Audience | None = None
    text: str | None = None
    key: str | None = None

    def chosen_audience(self) -> Audience:
        assert self.audience is not None, "the audience is asked first"
        return self.audience

    def typed_text(self) -> str:
        assert self.text is not None, "the preview follows the text"
        return self.text


# --- the start -------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def start(update: Update, context: BotContext) -> object:
    actor = context.actor
    scope = actor.admin_ats
    if scope is None and context.args:
        try:
            scope = validate_ats_code(context.args[0])
        except ValidationFailed as error:
            await reply(update, error_text(error))
            return ConversationHandler.END
        if not await broadcast_service.ats_exists(context.services, scope):
            await reply(update, render(texts.UNKNOWN_ATS, ats=scope))
            return ConversationHandler.END
    return await _go(update, context, Step.AUDIENCE, BroadcastDraft(scope=scope))


async def _go(update: Update, context: BotContext, step: Step, draft: BroadcastDraft) -> Step:
    return await flow.go(update, context, step, draft.dump())


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    services = context.services
    draft = BroadcastDraft.load(data)
    scope = draft.scope
    if step is Step.AUDIENCE:
        choice = await broadcast_service.audience_choice(services, scope)
        await reply(
            update,
            _audience_question(services, scope, choice.recent),
            _audience_keyboard(choice.sizes),
        )
    elif step is Step.TEXT:
        audience = draft.chosen_audience()
        text = render(
            texts.ASK_TEXT,
            audience=texts.AUDIENCE_LABEL[audience],
            scope=delivery.scope_label(scope),
            sender=texts.sender(scope),
            max_length=room_for_text(texts.header_length(scope, audience)),
        )
        await reply(update, text, keyboards.inline([[(common.BUTTON_CANCEL, CANCEL)]]))
    else:
        await _preview(update, services, draft)


def _audience_question(services: Services, scope: str | None, recent: list[BroadcastStatus]) -> str:
    lines = [render(texts.ASK_AUDIENCE, scope=delivery.scope_label(scope))]
    if recent:
        lines.append(texts.RECENT_HEADER)
        lines += [_recent_line(status, services) for status in recent]
    return "\n".join(lines)


def _recent_line(status: BroadcastStatus, services: Services) -> str:
    count, broadcast = status.count, status.broadcast
    if count.done:
        outcome = texts.OUTCOME_DONE.format(
            sent=count.sent, blocked=count.blocked, failed=count.failed
        )
    else:
        outcome = texts.OUTCOME_RUNNING.format(ended=count.ended, total=count.total)
    return render(
        texts.RECENT_LINE,
        when=delivery.when_text(broadcast, services.settings.tz),
        audience=texts.AUDIENCE_LABEL[broadcast.audience],
        outcome=outcome,
    )


def _audience_keyboard(sizes: dict[Audience, int]) -> InlineKeyboardMarkup:
    buttons = [
        (texts.BUTTON_AUDIENCE[audience].format(n=n), BUTTONS.data(AUDIENCE, audience.value))
        for audience, n in sizes.items()
    ]
    return keyboards.column([*buttons, (common.BUTTON_CANCEL, CANCEL)])


async def _preview(update: Update, services: Services, draft: BroadcastDraft) -> None:
    """The message exactly as the referents will receive it, then the question."""
    scope, audience = draft.scope, draft.chosen_audience()
    await reply(update, texts.message(scope, audience, draft.typed_text()))
    n = await broadcast_service.recipients(services, scope, audience)
    values = {"audience": texts.AUDIENCE_LABEL[audience], "scope": delivery.scope_label(scope)}
    if n == 0:
        buttons = [[(common.BUTTON_CHANGE, EDIT), (common.BUTTON_CANCEL, CANCEL)]]
        await reply(update, render(texts.PREVIEW_NOBODY, **values), keyboards.inline(buttons))
        return
    assert draft.key is not None, "a preview has its key"
    buttons = [
        [(texts.BUTTON_SEND, BUTTONS.data(SEND, draft.key))],
        [(common.BUTTON_CHANGE, EDIT), (common.BUTTON_CANCEL, CANCEL)],
    ]
    question = render(texts.PREVIEW_QUESTION, who=texts.referents(n), **values)
    await reply(update, question, keyboards.inline(buttons))


# --- the steps -------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def audience_chosen(update: Update, context: BotContext) -> Step:
    found = BUTTONS.tapped_args(update, AUDIENCE, 1)
    try:
        audience = Audience(found[0]) if found else None
    except ValueError:
        audience = None
    if audience is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return Step.AUDIENCE
    await close_buttons(update)
    draft = BroadcastDraft.load(await flow.load(update, context))
    return await _go(update, context, Step.TEXT, draft.model_copy(update={"audience": audience}))


@requires(Role.ADMIN)
async def text_typed(update: Update, context: BotContext) -> Step:
    draft = BroadcastDraft.load(await flow.load(update, context))
    assert update.message is not None and update.message.text is not None
    reserved = texts.header_length(draft.scope, draft.chosen_audience())
    try:
        text = clean_text(update.message.text, reserved)
    except ValidationFailed as error:
        await reply(update, error_text(error))
        await flow.ask(update, context, Step.TEXT, draft.dump())
        return Step.TEXT
    # A new key for each preview: only this preview's Conferma sends this text.
    key = secrets.token_urlsafe(_KEY_BYTES)
    return await _go(
        update, context, Step.CONFIRM, draft.model_copy(update={"text": text, "key": key})
    )


@requires(Role.ADMIN)
async def edit(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    draft = BroadcastDraft.load(await flow.load(update, context))
    return await _go(update, context, Step.TEXT, draft.model_copy(update={"key": None}))


@requires(Role.ADMIN)
async def cancel(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    await reply(update, texts.DISCARDED)
    return ConversationHandler.END


@requires(Role.ADMIN)
async def confirm(update: Update, context: BotContext) -> object:
    draft = BroadcastDraft.load(await flow.load(update, context))
    found = BUTTONS.tapped_args(update, SEND, 1)
    if found is None or found[0] != draft.key:
        # An older preview's button: it must not send the text of this one.
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return Step.CONFIRM
    scope, actor, services = draft.scope, context.actor, context.services
    if not broadcast_service.may_broadcast(actor, scope):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    await close_buttons(update)
    audience = draft.chosen_audience()
    result = await broadcast_service.send_broadcast(
        services, actor, found[0], scope, audience, draft.typed_text(), services.now()
    )
    assert result is not None, "checked above: the admin may write to this scope"
    values = {"audience": texts.AUDIENCE_LABEL[audience], "scope": delivery.scope_label(scope)}
    if result.outcome is CreateOutcome.NO_RECIPIENTS:
        await reply(update, render(texts.NO_RECIPIENTS, **values))
        return ConversationHandler.END
    assert result.broadcast is not None
    if result.outcome is CreateOutcome.ALREADY:
        when = delivery.when_text(result.broadcast, services.settings.tz)
        await reply(update, render(texts.ALREADY_SENT, when=when))
        return ConversationHandler.END
    await reply(update, render(texts.SENDING, who=texts.referents(result.recipients)))
    delivery.deliver_soon(context.application, result.broadcast.id)
    return ConversationHandler.END


def _button(callback: Any, data: str) -> CallbackQueryHandler[BotContext, Any]:
    return CallbackQueryHandler(callback, pattern=f"^{data}$")


def build() -> FlowHandler:
    typed = filters.TEXT & ~filters.COMMAND
    cancel_button = _button(cancel, CANCEL)
    return flow.handler(
        entry_points=[CommandHandler("avviso", start)],
        states={
            Step.AUDIENCE: [
                CallbackQueryHandler(audience_chosen, pattern=BUTTONS.pattern(AUDIENCE)),
                cancel_button,
            ],
            Step.TEXT: [MessageHandler(typed, text_typed), cancel_button],
            Step.CONFIRM: [
                CallbackQueryHandler(confirm, pattern=BUTTONS.pattern(SEND)),
                _button(edit, EDIT),
                cancel_button,
            ],
        },
    )
