"""The daily diary: «Come stai oggi?» → the symptoms as toggles → since when (the first
day with symptoms) → the temperature or skip → the red flags → review → save. Only today
and yesterday. A red flag answers «Chiama subito il 112» at once (on the tap) and, once
saved, pushes an urgent item to the ATS admins."""

from __future__ import annotations

import contextlib
import logging
from datetime import date, timedelta
from enum import IntEnum, auto
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from bot import keyboards
from bot.access import public
from bot.callbacks import Buttons
from bot.catalog import citizens as texts
from bot.catalog import error_text, render
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from conversations.citizens.common import MENU_LABELS, current, send
from domain.dates import format_date, parse_date
from domain.diary import (
    DiaryEntry,
    RedFlag,
    Symptom,
    check_onset,
    parse_temperature,
    symptoms_for,
)
from domain.errors import ValidationFailed
from domain.isolation import day_number
from reminders import citizens as citizen_reminders
from services import citizens

log = logging.getLogger(__name__)
T = TypeVar("T")


class Step(IntEnum):
    FEEL = auto()
    SYMPTOMS = auto()
    ONSET = auto()
    TEMPERATURE = auto()
    RED_FLAGS = auto()
    REVIEW = auto()


flow: Flow[Step] = Flow(
    "citizen_diary",
    Step,
    button_steps=[Step.FEEL, Step.SYMPTOMS, Step.RED_FLAGS, Step.REVIEW],
)
DIARY = Buttons("cd", "citizen diary: symptoms, red flags, save")


class DiaryDraft(FlowDraft):
    citizen_id: int = 0
    day: date
    d0: date
    birth_date: date
    ask_onset: bool = False
    onset: date | None = None
    symptoms: tuple[Symptom, ...] = ()
    temperature: float | None = None
    red_flags: tuple[RedFlag, ...] = ()

    def entry(self) -> DiaryEntry:
        return DiaryEntry(
            day=self.day,
            symptoms=self.symptoms,
            temperature=self.temperature,
            red_flags=self.red_flags,
        )


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    draft = DiaryDraft.load(data)
    if step is Step.FEEL:
        await reply(update, _feel_text(draft, _today(context)), _feel_keyboard(draft, context))
    elif step is Step.SYMPTOMS:
        await reply(update, texts.ASK_SYMPTOMS, _symptoms_keyboard(draft, _today(context)))
    elif step is Step.ONSET:
        await reply(update, render(texts.ASK_ONSET, example=format_date(draft.day)[:5]))
    elif step is Step.TEMPERATURE:
        skip = keyboards.inline([[(texts.BUTTON_SKIP, DIARY.data("skip"))]])
        await reply(update, texts.ASK_TEMPERATURE, skip)
    elif step is Step.RED_FLAGS:
        await reply(update, texts.ASK_RED_FLAGS, _flags_keyboard(draft))
    else:
        save = keyboards.inline([[(texts.BUTTON_SAVE, DIARY.data("save"))]])
        summary = _summary(draft.entry())
        await reply(update, render(texts.REVIEW, day=format_date(draft.day)) + summary, save)


def _feel_text(draft: DiaryDraft, today: date) -> str:
    template = texts.ASK_FEEL if draft.day == today else texts.ASK_FEEL_YESTERDAY
    return render(template, day=format_date(draft.day), number=day_number(draft.d0, draft.day))


def _feel_keyboard(draft: DiaryDraft, context: BotContext) -> InlineKeyboardMarkup:
    rows = [
        [
            (texts.BUTTON_NO_SYMPTOMS, DIARY.data("well")),
            (texts.BUTTON_SYMPTOMS, DIARY.data("ill")),
        ]
    ]
    if draft.day == _today(context):
        rows.append([(texts.BUTTON_YESTERDAY, DIARY.data("yday"))])
    return keyboards.inline(rows)


def _symptoms_keyboard(draft: DiaryDraft, today: date) -> InlineKeyboardMarkup:
    rows = [
        [
            (
                ("✅ " if symptom in draft.symptoms else "") + texts.SYMPTOM_LABELS[symptom],
                DIARY.data("sym", symptom.value),
            )
        ]
        for symptom in symptoms_for(draft.birth_date, today)
    ]
    rows.append([(texts.BUTTON_NEXT, DIARY.data("next"))])
    return keyboards.inline(rows)


def _flags_keyboard(draft: DiaryDraft) -> InlineKeyboardMarkup:
    rows = [
        [
            (
                ("🚨 " if flag in draft.red_flags else "") + texts.RED_FLAG_LABELS[flag],
                DIARY.data("flag", flag.value),
            )
        ]
        for flag in RedFlag
    ]
    rows.append([(texts.BUTTON_NEXT, DIARY.data("next"))])
    return keyboards.inline(rows)


def _summary(entry: DiaryEntry) -> str:
    parts = [texts.SYMPTOM_LABELS[s] for s in entry.symptoms]
    if entry.temperature is not None:
        parts.append(
            render(texts.REVIEW_TEMPERATURE, value=f"{entry.temperature:.1f}".replace(".", ","))
        )
    parts.extend("🚨 " + texts.RED_FLAG_LABELS[f] for f in entry.red_flags)
    return "\n".join(f"• {part}" for part in parts) if parts else f"• {texts.REVIEW_NONE}"


async def begin(update: Update, context: BotContext, day: date | None = None) -> int:
    """The diary of today (or yesterday) for the chat's active person."""
    found = await current(update, context)
    if found is None:
        return ConversationHandler.END
    citizen = found.citizen
    if not citizen.is_open:
        await send(update, texts.ISOLATION_CLOSED)
        return ConversationHandler.END
    had_symptoms = any(entry.has_symptoms for entry in found.entries)
    draft = DiaryDraft(
        citizen_id=citizen.id,
        day=day or _today(context),
        d0=citizen.d0,
        birth_date=citizen.birth_date,
        ask_onset=citizen.onset is None and not had_symptoms,
    )
    return await flow.go(update, context, Step.FEEL, draft.dump())


async def _draft(update: Update, context: BotContext) -> DiaryDraft | None:
    data = await flow.load(update, context)
    try:
        return DiaryDraft.load(data)
    except ValueError:
        return None


@public
async def on_feel(update: Update, context: BotContext) -> int:
    draft = await _draft(update, context)
    if draft is None:
        await answer_tap(update, texts.NOT_A_CITIZEN)
        return ConversationHandler.END
    await close_buttons(update)
    if DIARY.tapped_args(update, "yday", 0) is not None:
        return await begin(update, context, _today(context) - timedelta(days=1))
    if DIARY.tapped_args(update, "well", 0) is not None:
        draft = draft.model_copy(update={"symptoms": (), "temperature": None, "red_flags": ()})
        return await flow.go(update, context, Step.REVIEW, draft.dump())
    return await flow.go(update, context, Step.SYMPTOMS, draft.dump())


@public
async def on_toggle(update: Update, context: BotContext) -> Step | None:
    """A symptom or a red flag tapped: on or off, the same message's keyboard redrawn."""
    draft = await _draft(update, context)
    query = update.callback_query
    if draft is None or query is None:
        await answer_tap(update, texts.NOT_A_CITIZEN)
        return None
    symptom = DIARY.tapped_args(update, "sym", 1)
    flag = DIARY.tapped_args(update, "flag", 1)
    step = await flow.current_step(update, context)
    alert = None
    try:
        if symptom is not None and step is Step.SYMPTOMS:
            chosen = Symptom(symptom[0])
            picked = _toggled(draft.symptoms, chosen)
            draft = draft.model_copy(update={"symptoms": picked})
            keyboard = _symptoms_keyboard(draft, _today(context))
        elif flag is not None and step is Step.RED_FLAGS:
            chosen_flag = RedFlag(flag[0])
            flags = _toggled(draft.red_flags, chosen_flag)
            draft = draft.model_copy(update={"red_flags": flags})
            keyboard = _flags_keyboard(draft)
            # At once, before anything is saved: this is what matters most.
            alert = texts.CALL_112_NOW if chosen_flag in flags else None
        else:
            await answer_tap(update, texts.DIARY_CLOSED)
            return None
    except ValueError:
        await answer_tap(update)
        return None
    assert step is not None
    await flow.save(update, context, step, draft.dump())
    if alert is not None and update.effective_chat is not None:
        await answer_tap(update, texts.CALL_112_TAP, alert=True)
        await update.effective_chat.send_message(alert)
    else:
        await answer_tap(update)
    with contextlib.suppress(TelegramError):  # the same keyboard (a double tap): no redraw
        await query.edit_message_reply_markup(reply_markup=keyboard)
    return step


def _toggled(chosen: tuple[T, ...], item: T) -> tuple[T, ...]:
    return tuple(x for x in chosen if x != item) if item in chosen else (*chosen, item)


@public
async def on_next(update: Update, context: BotContext) -> int | None:
    draft = await _draft(update, context)
    if draft is None:
        await answer_tap(update, texts.NOT_A_CITIZEN)
        return ConversationHandler.END
    await close_buttons(update)
    step = await flow.current_step(update, context)
    if step is Step.SYMPTOMS:
        following = Step.ONSET if draft.ask_onset and draft.symptoms else Step.TEMPERATURE
        return await flow.go(update, context, following, draft.dump())
    if step is Step.RED_FLAGS:
        return await flow.go(update, context, Step.REVIEW, draft.dump())
    await answer_tap(update)
    return None


@public
async def onset_typed(update: Update, context: BotContext) -> Step:
    assert update.message is not None and update.message.text is not None
    draft = await _draft(update, context)
    assert draft is not None
    today = _today(context)
    try:
        onset = parse_date(update.message.text, today)
        check_onset(onset, draft.d0, today)
    except ValidationFailed as error:
        await reply(update, error_text(error))
        await flow.ask(update, context, Step.ONSET, draft.dump())
        return Step.ONSET
    draft = draft.model_copy(update={"onset": onset})
    return await flow.go(update, context, Step.TEMPERATURE, draft.dump())


@public
async def temperature_typed(update: Update, context: BotContext) -> Step:
    assert update.message is not None and update.message.text is not None
    draft = await _draft(update, context)
    assert draft is not None
    try:
        value = parse_temperature(update.message.text)
    except ValidationFailed as error:
        await reply(update, error_text(error))
        await flow.ask(update, context, Step.TEMPERATURE, draft.dump())
        return Step.TEMPERATURE
    draft = draft.model_copy(update={"temperature": value})
    return await flow.go(update, context, Step.RED_FLAGS, draft.dump())


@public
async def temperature_skipped(update: Update, context: BotContext) -> Step | int:
    draft = await _draft(update, context)
    if draft is None:
        await answer_tap(update, texts.NOT_A_CITIZEN)
        return ConversationHandler.END
    await close_buttons(update)
    return await flow.go(update, context, Step.RED_FLAGS, draft.dump())


@public
async def save(update: Update, context: BotContext) -> int:
    assert update.effective_user is not None
    draft = await _draft(update, context)
    if draft is None:
        await answer_tap(update, texts.NOT_A_CITIZEN)
        return ConversationHandler.END
    await close_buttons(update)
    services = context.services
    saved = await citizens.save_diary(
        services,
        update.effective_user.id,
        draft.citizen_id,
        draft.entry(),
        draft.onset,
        services.now(),
        _today(context),
    )
    if saved is None:
        await reply(update, texts.DIARY_CLOSED)
        return ConversationHandler.END
    if saved.alert_id is not None:
        await reply(update, texts.CALL_112)
        await citizen_reminders.push_alerts(context.application)
    await reply(update, render(texts.SAVED, day=format_date(draft.day)))
    return ConversationHandler.END


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND & ~filters.Text(list(MENU_LABELS))
    return flow.handler(
        entry_points=[],  # started by the menu (conversations.citizens.menu), /diario too
        states={
            Step.FEEL: [
                CallbackQueryHandler(on_feel, pattern=DIARY.pattern("well")),
                CallbackQueryHandler(on_feel, pattern=DIARY.pattern("ill")),
                CallbackQueryHandler(on_feel, pattern=DIARY.pattern("yday")),
            ],
            Step.SYMPTOMS: [
                CallbackQueryHandler(on_toggle, pattern=DIARY.pattern("sym")),
                CallbackQueryHandler(on_next, pattern=DIARY.pattern("next")),
            ],
            Step.ONSET: [MessageHandler(text, onset_typed)],
            Step.TEMPERATURE: [
                MessageHandler(text, temperature_typed),
                CallbackQueryHandler(temperature_skipped, pattern=DIARY.pattern("skip")),
            ],
            Step.RED_FLAGS: [
                CallbackQueryHandler(on_toggle, pattern=DIARY.pattern("flag")),
                CallbackQueryHandler(on_next, pattern=DIARY.pattern("next")),
            ],
            Step.REVIEW: [CallbackQueryHandler(save, pattern=DIARY.pattern("save"))],
        },
    )
