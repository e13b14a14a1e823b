"""/chiusure: the ATS lists, adds and removes school closures (no absences expected then).

An ATS admin sees and edits their own ATS; a regional admin picks the ATS first (buttons, or
`/chiusure ATS-CODICE`). Adding is a flow (scope, plesso, start, end, note, confirm);
removing is a button with a yes/no confirmation.
"""

from __future__ import annotations

from datetime import date
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
from bot.callbacks import Buttons
from bot.catalog import absences as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.calendar import ClosurePeriod, check_closure_period, parse_closure_note
from domain.dates import format_date, parse_date
from domain.errors import ValidationFailed
from domain.schools import validate_ats_code, validate_codice_meccanografico
from services import closures as closures_service
from services.closures import NewClosure

MAX_LISTED = 20

BUTTONS = Buttons("cl", "/chiusure: list, add and remove the closures of an ATS")
# Listing and removal, plain buttons usable at any time.
ATS = "ats"  # cl:ats:ATS-MILANO -> the listing of that ATS
ADD = "add"  # cl:add:ATS-MILANO -> the add flow
REMOVE = "rm"  # cl:rm:ID -> asks to confirm
REMOVE_YES = "rmy"  # cl:rmy:ID
REMOVE_NO = "rmn"  # cl:rmn:ID
# The add flow's buttons, no arguments.
WHOLE_ATS = "all"
ONE_PLESSO = "one"
NO_NOTE = "nonote"
SAVE = "ok"
DISCARD = "no"


class Step(IntEnum):
    SCOPE = auto()
    PLESSO = auto()
    START = auto()
    END = auto()
    NOTE = auto()
    CONFIRM = auto()


flow: Flow[Step] = Flow("closures", Step, button_steps=[Step.SCOPE, Step.CONFIRM])


class ClosureDraft(FlowDraft):
    """The closure being added: the ATS, then the scope, the dates and the note."""

    ats: str
    plesso: str | None = None  # None: the whole ATS
    plesso_name: str | None = None
    start: date | None = None
    end: date | None = None
    note: str | None = None

    def closure(self) -> NewClosure:
        assert self.start is not None and self.end is not None  # asked before CONFIRM
        return NewClosure(self.ats, self.plesso, self.start, self.end, self.note or "")


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


# --- Listing ------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def closures(update: Update, context: BotContext) -> None:
    actor = context.actor
    if actor.admin_ats is not None:
        await _show(update, context, actor.admin_ats)
        return
    known = await closures_service.ats_codes(context.services)
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
    buttons = [(ats, BUTTONS.data(ATS, ats)) for ats in known]
    await reply(update, texts.CLOSURES_PICK_ATS, keyboards.column(buttons))


@requires(Role.ADMIN)
async def ats_picked(update: Update, context: BotContext) -> None:
    ats = _ats_of(update, context, ATS)
    if ats is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await close_buttons(update)
    await _show(update, context, ats)


def _ats_of(update: Update, context: BotContext, verb: str) -> str | None:
    """The ATS of a `cl:<verb>:ATS` button, if the admin manages it."""
    found = BUTTONS.tapped_args(update, verb, 1)
    if found is None or not context.actor.manages_ats(found[0]):
        return None
    return found[0]


async def _show(update: Update, context: BotContext, ats: str) -> None:
    periods = await closures_service.listed_closures(context.services, ats, _today(context))
    lines = [render(texts.CLOSURES_HEADER, ats=ats)]
    if not periods:
        lines.append(texts.CLOSURES_NONE)
    buttons: list[keyboards.Button] = []
    for n, period in enumerate(periods[:MAX_LISTED], start=1):
        lines.append(_describe(period, n))
        label = texts.BUTTON_CLOSURE_REMOVE.format(
            n=n, period=texts.describe_short_period(period.start, period.end)
        )
        buttons.append((label, BUTTONS.data(REMOVE, period.id)))
    buttons.append((texts.BUTTON_CLOSURE_ADD, BUTTONS.data(ADD, ats)))
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
    found = BUTTONS.tapped_ids(update, verb)
    if found is None:
        return None
    return await closures_service.managed_closure(context.services, context.actor, found[0])


@requires(Role.ADMIN)
async def remove_asked(update: Update, context: BotContext) -> None:
    period = await _closure_of(update, context, REMOVE)
    if period is None:
        await answer_tap(update, texts.CLOSURE_GONE, alert=True)
        return
    keyboard = keyboards.inline(
        [
            [
                (common.BUTTON_YES, BUTTONS.data(REMOVE_YES, period.id)),
                (common.BUTTON_NO, BUTTONS.data(REMOVE_NO, period.id)),
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
    period = await _closure_of(update, context, REMOVE_YES)
    if period is None:
        await answer_tap(update, texts.CLOSURE_GONE, alert=True)
        return
    await close_buttons(update)
    services = context.services
    removed = await closures_service.remove_closure(services, context.actor, period, services.now())
    await reply(update, texts.CLOSURE_REMOVED if removed else texts.CLOSURE_GONE)
    await _show(update, context, period.ats_code)


@requires(Role.ADMIN)
async def remove_declined(update: Update, context: BotContext) -> None:
    await close_buttons(update)
    await reply(update, texts.CLOSURE_KEPT)


# --- Adding -------------------------------------------------------------------------------


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    draft = ClosureDraft.load(data)
    if step is Step.SCOPE:
        await reply(update, render(texts.CLOSURE_ASK_SCOPE, ats=draft.ats), _scope_keyboard())
    elif step is Step.PLESSO:
        await reply(update, texts.CLOSURE_ASK_PLESSO)
    elif step is Step.START:
        await reply(update, texts.CLOSURE_ASK_START)
    elif step is Step.END:
        await reply(update, texts.CLOSURE_ASK_END)
    elif step is Step.NOTE:
        no_note = keyboards.inline([[(texts.BUTTON_NO_NOTE, BUTTONS.data(NO_NOTE))]])
        await reply(update, texts.CLOSURE_ASK_NOTE, no_note)
    else:
        await reply(update, _summary(draft), _confirm_keyboard())


def _scope_keyboard() -> InlineKeyboardMarkup:
    return keyboards.inline(
        [
            [
                (texts.BUTTON_SCOPE_ATS, BUTTONS.data(WHOLE_ATS)),
                (texts.BUTTON_SCOPE_PLESSO, BUTTONS.data(ONE_PLESSO)),
            ]
        ]
    )


def _confirm_keyboard() -> InlineKeyboardMarkup:
    return keyboards.inline(
        [
            [
                (common.BUTTON_CONFIRM, BUTTONS.data(SAVE)),
                (common.BUTTON_CANCEL, BUTTONS.data(DISCARD)),
            ]
        ]
    )


def _summary(draft: ClosureDraft) -> str:
    closure = draft.closure()
    scope = (
        texts.CLOSURES_WHOLE_ATS
        if closure.plesso_code is None
        else f"{draft.plesso_name} ({closure.plesso_code})"
    )
    return render(
        texts.CLOSURE_SUMMARY,
        ats=closure.ats_code,
        scope=scope,
        start=format_date(closure.start),
        end=format_date(closure.end),
        note=closure.note or texts.CLOSURE_NO_NOTE,
    )


async def _go(update: Update, context: BotContext, step: Step, draft: ClosureDraft) -> Step:
    return await flow.go(update, context, step, draft.dump())


async def _load(update: Update, context: BotContext) -> ClosureDraft:
    return ClosureDraft.load(await flow.load(update, context))


@requires(Role.ADMIN)
async def add(update: Update, context: BotContext) -> object:
    ats = _ats_of(update, context, ADD)
    if ats is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    await close_buttons(update)
    return await _go(update, context, Step.SCOPE, ClosureDraft(ats=ats))


@requires(Role.ADMIN)
async def whole_ats(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    draft = await _load(update, context)
    return await _go(update, context, Step.START, draft.model_copy(update={"plesso": None}))


@requires(Role.ADMIN)
async def one_plesso(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    return await _go(update, context, Step.PLESSO, await _load(update, context))


def _typed(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


async def _refuse(
    update: Update, context: BotContext, text: str, step: Step, draft: ClosureDraft
) -> Step:
    await reply(update, text)
    await flow.ask(update, context, step, draft.dump())
    return step


@requires(Role.ADMIN)
async def plesso_typed(update: Update, context: BotContext) -> Step:
    draft = await _load(update, context)
    try:
        code = validate_codice_meccanografico(_typed(update))
    except ValidationFailed as error:
        return await _refuse(update, context, error_text(error), Step.PLESSO, draft)
    plesso = await closures_service.closure_plesso(context.services, context.actor, draft.ats, code)
    if plesso is None:
        text = render(texts.CLOSURE_PLESSO_NOT_HERE, code=code, ats=draft.ats)
        return await _refuse(update, context, text, Step.PLESSO, draft)
    draft = draft.model_copy(update={"plesso": plesso.code, "plesso_name": plesso.name})
    return await _go(update, context, Step.START, draft)


@requires(Role.ADMIN)
async def start_typed(update: Update, context: BotContext) -> Step:
    draft = await _load(update, context)
    today = _today(context)
    try:
        start = parse_date(_typed(update), today)
        check_closure_period(start, start, today)
    except ValidationFailed as error:
        return await _refuse(update, context, error_text(error), Step.START, draft)
    return await _go(update, context, Step.END, draft.model_copy(update={"start": start}))


@requires(Role.ADMIN)
async def end_typed(update: Update, context: BotContext) -> Step:
    draft = await _load(update, context)
    today = _today(context)
    assert draft.start is not None  # asked before END
    try:
        end = parse_date(_typed(update), today)
        check_closure_period(draft.start, end, today)
    except ValidationFailed as error:
        return await _refuse(update, context, error_text(error), Step.END, draft)
    return await _go(update, context, Step.NOTE, draft.model_copy(update={"end": end}))


@requires(Role.ADMIN)
async def note_typed(update: Update, context: BotContext) -> Step:
    draft = await _load(update, context)
    try:
        note = parse_closure_note(_typed(update))
    except ValidationFailed as error:
        return await _refuse(update, context, error_text(error), Step.NOTE, draft)
    return await _go(update, context, Step.CONFIRM, draft.model_copy(update={"note": note}))


@requires(Role.ADMIN)
async def no_note(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    draft = await _load(update, context)
    return await _go(update, context, Step.CONFIRM, draft.model_copy(update={"note": ""}))


@requires(Role.ADMIN)
async def save(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    draft = await _load(update, context)
    services = context.services
    saved = await closures_service.add_closure(
        services, context.actor, draft.closure(), services.now()
    )
    if saved is None:
        await reply(update, common.ADMIN_ONLY)
        return ConversationHandler.END
    await reply(update, texts.CLOSURE_SAVED)
    await _show(update, context, draft.ats)
    return ConversationHandler.END


@requires(Role.ADMIN)
async def discard(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    await reply(update, texts.CLOSURE_DISCARDED)
    return ConversationHandler.END


def _button(callback: Any, verb: str) -> CallbackQueryHandler[BotContext, Any]:
    """A button without arguments: `cl:<verb>` exactly."""
    return CallbackQueryHandler(callback, pattern=f"^{BUTTONS.data(verb)}$")


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND
    return flow.handler(
        entry_points=[CallbackQueryHandler(add, pattern=BUTTONS.pattern(ADD))],
        states={
            Step.SCOPE: [_button(whole_ats, WHOLE_ATS), _button(one_plesso, ONE_PLESSO)],
            Step.PLESSO: [MessageHandler(text, plesso_typed)],
            Step.START: [MessageHandler(text, start_typed)],
            Step.END: [MessageHandler(text, end_typed)],
            Step.NOTE: [MessageHandler(text, note_typed), _button(no_note, NO_NOTE)],
            Step.CONFIRM: [_button(save, SAVE), _button(discard, DISCARD)],
        },
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """The listing and the removal: plain buttons, usable at any time."""
    return [
        CommandHandler("chiusure", closures),
        CallbackQueryHandler(ats_picked, pattern=BUTTONS.pattern(ATS)),
        CallbackQueryHandler(remove_asked, pattern=BUTTONS.pattern(REMOVE)),
        CallbackQueryHandler(remove_confirmed, pattern=BUTTONS.pattern(REMOVE_YES)),
        CallbackQueryHandler(remove_declined, pattern=BUTTONS.pattern(REMOVE_NO)),
    ]
