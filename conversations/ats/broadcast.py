"""/avviso (admins): a message to every referent of the ATS, or only to those of its
sentinel plessi. Audience → text → preview (exactly what the referents will receive, and
how many) → Conferma / Modifica / Annulla. On Conferma the broadcast is stored with its
recipients (`storage.broadcasts`) and delivered in the background (`reminders.broadcast`);
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
from bot.catalog import broadcast as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext, Services
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Actor, Role
from domain.broadcast import Audience, clean_text, room_for_text
from domain.errors import ValidationFailed
from domain.schools import validate_ats_code
from reminders import broadcast as delivery
from storage.broadcasts import BroadcastStatus, CreateOutcome

RECENT_SHOWN = 3  # the latest broadcasts listed when /avviso starts

CB = "bc"
CB_AUDIENCE = "aud"  # bc:aud:all | bc:aud:sentinel
CB_SEND = "ok"  # bc:ok:KEY, the key of the preview it confirms
CB_EDIT = keyboards.callback(CB, "edit")
CB_CANCEL = keyboards.callback(CB, "no")
_KEY_BYTES = 9  # 12 URL-safe characters


class Step(IntEnum):
    AUDIENCE = auto()
    TEXT = auto()
    CONFIRM = auto()


flow: Flow[Step] = Flow("broadcast", Step, button_steps=[Step.AUDIENCE, Step.CONFIRM])

# Flow data keys.
SCOPE, AUDIENCE, TEXT, KEY = "scope", "audience", "text", "key"


def _may_broadcast(actor: Actor, scope: str | None) -> bool:
    if scope is None:
        return actor.is_admin and actor.admin_ats is None
    return actor.manages_ats(scope)


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
        if scope not in await context.services.closures.ats_codes():
            await reply(update, render(texts.UNKNOWN_ATS, ats=scope))
            return ConversationHandler.END
    return await flow.go(update, context, Step.AUDIENCE, {SCOPE: scope})


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    services = context.services
    scope: str | None = data[SCOPE]
    if step is Step.AUDIENCE:
        await reply(
            update,
            await _audience_question(services, scope),
            await _audience_keyboard(services, scope),
        )
    elif step is Step.TEXT:
        audience = Audience(data[AUDIENCE])
        text = render(
            texts.ASK_TEXT,
            audience=texts.AUDIENCE_LABEL[audience],
            scope=delivery.scope_label(scope),
            sender=texts.sender(scope),
            max_length=room_for_text(texts.header_length(scope, audience)),
        )
        await reply(update, text, keyboards.inline([[(common.BUTTON_CANCEL, CB_CANCEL)]]))
    else:
        await _preview(update, services, data)


async def _audience_question(services: Services, scope: str | None) -> str:
    lines = [render(texts.ASK_AUDIENCE, scope=delivery.scope_label(scope))]
    recent = await services.broadcasts.recent(scope, RECENT_SHOWN)
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


async def _audience_keyboard(services: Services, scope: str | None) -> InlineKeyboardMarkup:
    sizes = await services.broadcasts.audience_sizes(scope)
    buttons = [
        (
            texts.BUTTON_AUDIENCE[audience].format(n=n),
            keyboards.callback(CB, CB_AUDIENCE, audience.value),
        )
        for audience, n in sizes.items()
    ]
    return keyboards.column([*buttons, (common.BUTTON_CANCEL, CB_CANCEL)])


async def _preview(update: Update, services: Services, data: dict[str, Any]) -> None:
    """The message exactly as the referents will receive it, then the question."""
    scope: str | None = data[SCOPE]
    audience = Audience(data[AUDIENCE])
    await reply(update, texts.message(scope, audience, data[TEXT]))
    n = await services.broadcasts.count_recipients(scope, audience)
    values = {"audience": texts.AUDIENCE_LABEL[audience], "scope": delivery.scope_label(scope)}
    if n == 0:
        buttons = [[(common.BUTTON_CHANGE, CB_EDIT), (common.BUTTON_CANCEL, CB_CANCEL)]]
        await reply(update, render(texts.PREVIEW_NOBODY, **values), keyboards.inline(buttons))
        return
    buttons = [
        [(texts.BUTTON_SEND, keyboards.callback(CB, CB_SEND, data[KEY]))],
        [(common.BUTTON_CHANGE, CB_EDIT), (common.BUTTON_CANCEL, CB_CANCEL)],
    ]
    question = render(texts.PREVIEW_QUESTION, who=texts.referents(n), **values)
    await reply(update, question, keyboards.inline(buttons))


# --- the steps -------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def audience_chosen(update: Update, context: BotContext) -> Step:
    query = update.callback_query
    try:
        verb, value = keyboards.parse(query.data if query else None, CB, 2)
        if verb != CB_AUDIENCE:
            raise keyboards.BadCallback("not an audience")
        audience = Audience(value)
    except ValueError:  # BadCallback included
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return Step.AUDIENCE
    await close_buttons(update)
    data = await flow.load(update, context)
    data[AUDIENCE] = audience.value
    return await flow.go(update, context, Step.TEXT, data)


@requires(Role.ADMIN)
async def text_typed(update: Update, context: BotContext) -> Step:
    data = await flow.load(update, context)
    assert update.message is not None and update.message.text is not None
    scope: str | None = data[SCOPE]
    audience = Audience(data[AUDIENCE])
    try:
        data[TEXT] = clean_text(update.message.text, texts.header_length(scope, audience))
    except ValidationFailed as error:
        await reply(update, error_text(error))
        await flow.ask(update, context, Step.TEXT, data)
        return Step.TEXT
    # A new key for each preview: only this preview's Conferma sends this text.
    data[KEY] = secrets.token_urlsafe(_KEY_BYTES)
    return await flow.go(update, context, Step.CONFIRM, data)


@requires(Role.ADMIN)
async def edit(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    data = await flow.load(update, context)
    data.pop(KEY, None)
    return await flow.go(update, context, Step.TEXT, data)


@requires(Role.ADMIN)
async def cancel(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    await reply(update, texts.DISCARDED)
    return ConversationHandler.END


@requires(Role.ADMIN)
async def confirm(update: Update, context: BotContext) -> object:
    data = await flow.load(update, context)
    query = update.callback_query
    try:
        verb, key = keyboards.parse(query.data if query else None, CB, 2)
    except keyboards.BadCallback:
        verb, key = None, None
    if verb != CB_SEND:
        key = None
    if key is None or key != data.get(KEY):
        # An older preview's button: it must not send the text of this one.
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return Step.CONFIRM
    scope: str | None = data[SCOPE]
    if not _may_broadcast(context.actor, scope):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    await close_buttons(update)
    services = context.services
    audience = Audience(data[AUDIENCE])
    result = await services.broadcasts.create(
        request_key=key,
        ats_code=scope,
        audience=audience,
        text=data[TEXT],
        actor=context.actor.user_id,
        now=services.now(),
    )
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
    cancel_button = _button(cancel, CB_CANCEL)
    return flow.handler(
        entry_points=[CommandHandler("avviso", start)],
        states={
            Step.AUDIENCE: [
                CallbackQueryHandler(
                    audience_chosen, pattern=keyboards.pattern(f"{CB}:{CB_AUDIENCE}")
                ),
                cancel_button,
            ],
            Step.TEXT: [MessageHandler(typed, text_typed), cancel_button],
            Step.CONFIRM: [
                CallbackQueryHandler(confirm, pattern=keyboards.pattern(f"{CB}:{CB_SEND}")),
                _button(edit, CB_EDIT),
                cancel_button,
            ],
        },
    )
