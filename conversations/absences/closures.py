"""/chiusure: the ATS lists, adds and removes school closures (no absences expected then).

An ATS admin sees and edits their own ATS; a regional admin picks the ATS first (buttons, or
`/chiusure ATS-CODICE`). Adding is a flow (scope, plesso, start, end, note, confirm);
removing is a button with a yes/no confirmation.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.access import requires
from bot.catalog import absences as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.calendar import ClosurePeriod, check_closure_period, parse_closure_note
from domain.dates import format_date, parse_date
from domain.errors import ValidationFailed
from domain.schools import validate_ats_code, validate_codice_meccanografico

RECENT_DAYS = 30  # closures ended this many days ago are still listed
MAX_LISTED = 20

CB = "cl"
CB_ATS = "ats"  # cl:ats:ATS-MILANO -> the listing of that ATS
CB_ADD = "add"  # cl:add:ATS-MILANO -> the add flow
CB_REMOVE = "rm"  # cl:rm:ID -> asks to confirm
CB_REMOVE_YES = "rmy"  # cl:rmy:ID
CB_REMOVE_NO = "rmn"  # cl:rmn:ID
CB_WHOLE_ATS = keyboards.callback(CB, "all")
CB_ONE_PLESSO = keyboards.callback(CB, "one")
CB_NO_NOTE = keyboards.callback(CB, "nonote")
CB_SAVE = keyboards.callback(CB, "ok")
CB_DISCARD = keyboards.callback(CB, "no")


class Step(IntEnum):
    SCOPE = auto()
    PLESSO = auto()
    START = auto()
    END = auto()
    NOTE = auto()
    CONFIRM = auto()


flow: Flow[Step] = Flow("closures", Step, button_steps=[Step.SCOPE, Step.CONFIRM])

# Flow data keys.
ATS, PLESSO, PLESSO_NAME = "ats", "plesso", "plesso_name"
START, END, NOTE = "start", "end", "note"


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


# --- Listing ------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def closures(update: Update, context: BotContext) -> None:
    actor = context.actor
    if actor.admin_ats is not None:
        await _show(update, context, actor.admin_ats)
        return
    known = await context.services.closures.ats_codes()
    if context.args:
        try:
            ats = validate_ats_code(context.args[0])
        except ValidationFailed as error:
            await reply(update, error_text(error))
            return
        if ats not in known:
            await reply(update, render(texts.CLOSURES_UNKNOWN_ATS, ats=ats))
            return
        await _show(update, context, ats)
        return
    buttons = [(ats, keyboards.callback(CB, CB_ATS, ats)) for ats in known]
    await reply(update, texts.CLOSURES_PICK_ATS, keyboards.column(buttons))


@requires(Role.ADMIN)
async def ats_picked(update: Update, context: BotContext) -> None:
    ats = _ats_of(update, context, CB_ATS)
    if ats is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await close_buttons(update)
    await _show(update, context, ats)


def _ats_of(update: Update, context: BotContext, verb: str) -> str | None:
    """The ATS of a `cl:<verb>:ATS` button, if the admin manages it."""
    query = update.callback_query
    try:
        found, ats = keyboards.parse(query.data if query else None, CB, 2)
    except keyboards.BadCallback:
        return None
    if found != verb or not context.actor.manages_ats(ats):
        return None
    return ats


async def _show(update: Update, context: BotContext, ats: str) -> None:
    since = _today(context) - timedelta(days=RECENT_DAYS)
    periods = await context.services.closures.active(ats, ending_from=since)
    lines = [render(texts.CLOSURES_HEADER, ats=ats)]
    if not periods:
        lines.append(texts.CLOSURES_NONE)
    buttons: list[keyboards.Button] = []
    for n, period in enumerate(periods[:MAX_LISTED], start=1):
        lines.append(_describe(period, n))
        label = texts.BUTTON_CLOSURE_REMOVE.format(
            n=n, period=texts.describe_short_period(period.start, period.end)
        )
        buttons.append((label, keyboards.callback(CB, CB_REMOVE, period.id)))
    buttons.append((texts.BUTTON_CLOSURE_ADD, keyboards.callback(CB, CB_ADD, ats)))
    await reply(update, "\n".join(lines), keyboards.column(buttons))


def _scope_text(plesso_code: str | None) -> str:
    """Plain text (a value for `render`): the whole ATS or one plesso."""
    if plesso_code is None:
        return texts.CLOSURES_WHOLE_ATS
    return texts.CLOSURES_ONE_PLESSO.format(code=plesso_code)


def _describe(period: ClosurePeriod, n: int) -> str:
    line = render(
        texts.CLOSURES_LINE,
        n=n,
        period=texts.describe_period(period.start, period.end),
        scope=_scope_text(period.plesso_code),
    )
    if period.note:
        line += render(texts.CLOSURES_NOTE, note=period.note)
    return line


# --- Removing -----------------------------------------------------------------------------


async def _closure_of(update: Update, context: BotContext, verb: str) -> ClosurePeriod | None:
    """The closure of a `cl:<verb>:ID` button, if it still exists and the admin manages it."""
    query = update.callback_query
    try:
        found, closure_id = keyboards.parse(query.data if query else None, CB, 2)
        if found != verb:
            return None
        period = await context.services.closures.get(keyboards.parse_int(closure_id))
    except keyboards.BadCallback:
        return None
    if period is None or not context.actor.manages_ats(period.ats_code):
        return None
    return period


@requires(Role.ADMIN)
async def remove_asked(update: Update, context: BotContext) -> None:
    period = await _closure_of(update, context, CB_REMOVE)
    if period is None:
        await answer_tap(update, texts.CLOSURE_GONE, alert=True)
        return
    keyboard = keyboards.inline(
        [
            [
                (common.BUTTON_YES, keyboards.callback(CB, CB_REMOVE_YES, period.id)),
                (common.BUTTON_NO, keyboards.callback(CB, CB_REMOVE_NO, period.id)),
            ]
        ]
    )
    text = render(
        texts.CLOSURE_REMOVE_CONFIRM,
        period=texts.describe_period(period.start, period.end),
        scope=_scope_text(period.plesso_code),
    )
    await reply(update, text, keyboard)


@requires(Role.ADMIN)
async def remove_confirmed(update: Update, context: BotContext) -> None:
    period = await _closure_of(update, context, CB_REMOVE_YES)
    if period is None:
        await answer_tap(update, texts.CLOSURE_GONE, alert=True)
        return
    await close_buttons(update)
    services = context.services
    removed = await services.closures.remove(
        period.id, actor=context.actor.user_id, now=services.now()
    )
    await reply(update, texts.CLOSURE_REMOVED if removed else texts.CLOSURE_GONE)
    await _show(update, context, period.ats_code)


@requires(Role.ADMIN)
async def remove_declined(update: Update, context: BotContext) -> None:
    await close_buttons(update)
    await reply(update, texts.CLOSURE_KEPT)


# --- Adding -------------------------------------------------------------------------------


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.SCOPE:
        await reply(update, render(texts.CLOSURE_ASK_SCOPE, ats=data[ATS]), _scope_keyboard())
    elif step is Step.PLESSO:
        await reply(update, texts.CLOSURE_ASK_PLESSO)
    elif step is Step.START:
        await reply(update, texts.CLOSURE_ASK_START)
    elif step is Step.END:
        await reply(update, texts.CLOSURE_ASK_END)
    elif step is Step.NOTE:
        await reply(
            update, texts.CLOSURE_ASK_NOTE, keyboards.inline([[(texts.BUTTON_NO_NOTE, CB_NO_NOTE)]])
        )
    else:
        await reply(update, _summary(data), _confirm_keyboard())


def _scope_keyboard() -> InlineKeyboardMarkup:
    return keyboards.inline(
        [[(texts.BUTTON_SCOPE_ATS, CB_WHOLE_ATS), (texts.BUTTON_SCOPE_PLESSO, CB_ONE_PLESSO)]]
    )


def _confirm_keyboard() -> InlineKeyboardMarkup:
    return keyboards.inline(
        [[(common.BUTTON_CONFIRM, CB_SAVE), (common.BUTTON_CANCEL, CB_DISCARD)]]
    )


def _summary(data: dict[str, Any]) -> str:
    plesso = data.get(PLESSO)
    return render(
        texts.CLOSURE_SUMMARY,
        ats=data[ATS],
        scope=texts.CLOSURES_WHOLE_ATS if plesso is None else f"{data[PLESSO_NAME]} ({plesso})",
        start=format_date(date.fromisoformat(data[START])),
        end=format_date(date.fromisoformat(data[END])),
        note=data.get(NOTE) or texts.CLOSURE_NO_NOTE,
    )


@requires(Role.ADMIN)
async def add(update: Update, context: BotContext) -> object:
    ats = _ats_of(update, context, CB_ADD)
    if ats is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    await close_buttons(update)
    return await flow.go(update, context, Step.SCOPE, {ATS: ats})


@requires(Role.ADMIN)
async def whole_ats(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    data = await flow.load(update, context)
    data[PLESSO] = None
    return await flow.go(update, context, Step.START, data)


@requires(Role.ADMIN)
async def one_plesso(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    return await flow.go(update, context, Step.PLESSO, await flow.load(update, context))


def _typed(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


async def _refuse(
    update: Update, context: BotContext, text: str, step: Step, data: dict[str, Any]
) -> Step:
    await reply(update, text)
    await flow.ask(update, context, step, data)
    return step


@requires(Role.ADMIN)
async def plesso_typed(update: Update, context: BotContext) -> Step:
    data = await flow.load(update, context)
    try:
        code = validate_codice_meccanografico(_typed(update))
    except ValidationFailed as error:
        return await _refuse(update, context, error_text(error), Step.PLESSO, data)
    plesso = await context.services.plessi.get(code)
    if plesso is None or plesso.ats_code != data[ATS] or not context.actor.manages_plesso(plesso):
        text = render(texts.CLOSURE_PLESSO_NOT_HERE, code=code, ats=data[ATS])
        return await _refuse(update, context, text, Step.PLESSO, data)
    data[PLESSO], data[PLESSO_NAME] = plesso.code, plesso.name
    return await flow.go(update, context, Step.START, data)


@requires(Role.ADMIN)
async def start_typed(update: Update, context: BotContext) -> Step:
    data = await flow.load(update, context)
    today = _today(context)
    try:
        start = parse_date(_typed(update), today)
        check_closure_period(start, start, today)
    except ValidationFailed as error:
        return await _refuse(update, context, error_text(error), Step.START, data)
    data[START] = start.isoformat()
    return await flow.go(update, context, Step.END, data)


@requires(Role.ADMIN)
async def end_typed(update: Update, context: BotContext) -> Step:
    data = await flow.load(update, context)
    today = _today(context)
    try:
        end = parse_date(_typed(update), today)
        check_closure_period(date.fromisoformat(data[START]), end, today)
    except ValidationFailed as error:
        return await _refuse(update, context, error_text(error), Step.END, data)
    data[END] = end.isoformat()
    return await flow.go(update, context, Step.NOTE, data)


@requires(Role.ADMIN)
async def note_typed(update: Update, context: BotContext) -> Step:
    data = await flow.load(update, context)
    try:
        data[NOTE] = parse_closure_note(_typed(update))
    except ValidationFailed as error:
        return await _refuse(update, context, error_text(error), Step.NOTE, data)
    return await flow.go(update, context, Step.CONFIRM, data)


@requires(Role.ADMIN)
async def no_note(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    data = await flow.load(update, context)
    data[NOTE] = ""
    return await flow.go(update, context, Step.CONFIRM, data)


@requires(Role.ADMIN)
async def save(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    data = await flow.load(update, context)
    services = context.services
    if not context.actor.manages_ats(data[ATS]):
        await reply(update, common.ADMIN_ONLY)
        return ConversationHandler.END
    await services.closures.add(
        ats_code=data[ATS],
        plesso_code=data.get(PLESSO),
        start=date.fromisoformat(data[START]),
        end=date.fromisoformat(data[END]),
        note=data.get(NOTE) or "",
        actor=context.actor.user_id,
        now=services.now(),
    )
    await reply(update, texts.CLOSURE_SAVED)
    await _show(update, context, data[ATS])
    return ConversationHandler.END


@requires(Role.ADMIN)
async def discard(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    await reply(update, texts.CLOSURE_DISCARDED)
    return ConversationHandler.END


def _button(callback: Any, data: str) -> CallbackQueryHandler[BotContext, Any]:
    return CallbackQueryHandler(callback, pattern=f"^{data}$")


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND
    return flow.handler(
        entry_points=[
            CallbackQueryHandler(add, pattern=keyboards.pattern(f"{CB}:{CB_ADD}")),
        ],
        states={
            Step.SCOPE: [_button(whole_ats, CB_WHOLE_ATS), _button(one_plesso, CB_ONE_PLESSO)],
            Step.PLESSO: [MessageHandler(text, plesso_typed)],
            Step.START: [MessageHandler(text, start_typed)],
            Step.END: [MessageHandler(text, end_typed)],
            Step.NOTE: [MessageHandler(text, note_typed), _button(no_note, CB_NO_NOTE)],
            Step.CONFIRM: [_button(save, CB_SAVE), _button(discard, CB_DISCARD)],
        },
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """The listing and the removal: plain buttons, usable at any time."""
    return [
        CommandHandler("chiusure", closures),
        CallbackQueryHandler(ats_picked, pattern=keyboards.pattern(f"{CB}:{CB_ATS}")),
        CallbackQueryHandler(remove_asked, pattern=keyboards.pattern(f"{CB}:{CB_REMOVE}")),
        CallbackQueryHandler(remove_confirmed, pattern=keyboards.pattern(f"{CB}:{CB_REMOVE_YES}")),
        CallbackQueryHandler(remove_declined, pattern=keyboards.pattern(f"{CB}:{CB_REMOVE_NO}")),
    ]
