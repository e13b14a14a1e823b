"""The diagnostic swab of a patient referred by their doctor: /start rf… (the ATS's SMS
link) → «Condividi il mio numero» (only the sender's own contact) → the codice fiscale; both
must match the referral (the lock-out is the citizens' sign-in one). Then the red flags (a
yes sends to 112, no booking) and the first free place: [Prenota] [Altre date]
[Per un familiare]. The link books only this swab for this person.

Routing: `/start <referral token>` is matched here by its filter; registered before the
referents' onboarding, which keeps every other /start."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.access import public
from bot.callbacks import Buttons
from bot.catalog import common, render
from bot.catalog import swabs as texts
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from conversations.citizens.common import send
from conversations.common import link_signin
from conversations.common.link_signin import CONTACT_KEYBOARD, Step
from conversations.swabs.booking import local_now
from domain.dates import format_date
from domain.swabs import REFERRAL_PATTERN, Slot
from services import swabs
from services.swabs import BookRefusal, ReferralRefusal, ReferralStep

REFERRAL = Buttons("swr", "diagnostic swab: red flags, first slot, other slots, family")
MAX_SLOTS = 12


flow: Flow[Step] = Flow("swab_referral", Step, button_steps=[Step.CONTACT], personal=True)


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.CONTACT:
        await send(update, texts.REFERRAL_ASK_CONTACT, CONTACT_KEYBOARD)
    else:
        await send(update, texts.REFERRAL_ASK_CF, ReplyKeyboardRemove())


@public
async def start(update: Update, context: BotContext) -> int:
    return await link_signin.open_link(update, context, flow, swabs.open_referral, _refused)


@public
async def contact_shared(update: Update, context: BotContext) -> Step:
    return await link_signin.take_contact(update, context, flow)


@public
async def cf_typed(update: Update, context: BotContext) -> int:
    done = await link_signin.check_codice_fiscale(update, context, flow, swabs.referral_sign_in)
    if done.refused is ReferralRefusal.WRONG:
        await send(update, texts.REFERRAL_WRONG)
        return Step.CODICE_FISCALE
    await flow.delete_personal_messages(update, context)
    if done.refused is not None:
        await _refused(update, context, done)
        return ConversationHandler.END
    await reply(
        update,
        texts.RED_FLAGS_ASK,
        keyboards.inline(
            [
                [
                    (texts.BUTTON_RED_YES, REFERRAL.data("red", 1)),
                    (texts.BUTTON_RED_NO, REFERRAL.data("red", 0)),
                ]
            ]
        ),
    )
    return ConversationHandler.END


async def _refused(update: Update, context: BotContext, step: ReferralStep) -> None:
    if step.refused is ReferralRefusal.LOCKED_OUT and step.locked_until is not None:
        local = step.locked_until.astimezone(context.services.settings.tz)
        await send(update, render(texts.REFERRAL_LOCKED, until=f"{local:%H:%M}"))
    else:
        await send(update, texts.NO_REFERRAL)


def _when(slot: Slot) -> str:
    return f"{format_date(slot.starts_at.date())} {slot.starts_at:%H:%M}"


async def _offer(update: Update, slot: Slot) -> None:
    await reply(
        update,
        render(texts.FIRST_FREE, when=_when(slot), point=slot.point.name),
        keyboards.inline(
            [
                [(texts.BUTTON_CONFIRM, REFERRAL.data("ok", slot.id))],
                [(texts.BUTTON_OTHER_SLOTS, REFERRAL.data("more"))],
                [(texts.BUTTON_FAMILY, REFERRAL.data("family"))],
            ]
        ),
    )


async def _view(update: Update, context: BotContext) -> swabs.ReferralView | None:
    assert update.effective_user is not None
    services = context.services
    view = await swabs.referral_view(
        services, update.effective_user.id, local_now(context), services.now()
    )
    if view is None:
        await answer_tap(update, texts.NO_REFERRAL)
        await reply(update, texts.NO_REFERRAL)
    return view


@public
async def on_red(update: Update, context: BotContext) -> None:
    ids = REFERRAL.tapped_ids(update, "red")
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    view = await _view(update, context)
    if view is None:
        return
    await close_buttons(update)
    if ids[0]:
        await reply(update, texts.RED_FLAG_112)
        return
    if view.booking is not None:
        await reply(update, render(texts.ALREADY, code=view.booking.code))
    elif not view.slots:
        await reply(update, texts.TAKEN_NONE)
    else:
        await _offer(update, view.slots[0])


@public
async def on_more(update: Update, context: BotContext) -> None:
    if REFERRAL.tapped_args(update, "more", 0) is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    view = await _view(update, context)
    if view is None:
        return
    buttons = [
        (render(texts.SLOT_BUTTON, time=_when(s), point=s.point.name), REFERRAL.data("ok", s.id))
        for s in view.slots[:MAX_SLOTS]
    ]
    await reply(update, texts.OTHER_SLOTS, keyboards.column(buttons))


@public
async def on_family(update: Update, context: BotContext) -> None:
    await reply(update, texts.FAMILY)


@public
async def on_book(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    ids = REFERRAL.tapped_ids(update, "ok")
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    services = context.services
    now: datetime = services.now()
    done = await swabs.book_referral(
        services, update.effective_user.id, ids[0], now, local_now(context)
    )
    await close_buttons(update)
    if done.refused is None and done.booking is not None:
        point = done.booking.slot.point
        await reply(
            update,
            render(
                texts.DIAGNOSTIC_BOOKED,
                code=done.booking.code,
                when=_when(done.booking.slot),
                point=point.name,
                address=point.address,
                comune=point.comune,
            ),
        )
    elif done.refused is BookRefusal.TAKEN and done.next_slot is not None:
        await reply(
            update,
            render(texts.TAKEN, when=_when(done.next_slot), point=done.next_slot.point.name),
        )
        await _offer(update, done.next_slot)
    elif done.refused is BookRefusal.ALREADY and done.booking is not None:
        await reply(update, render(texts.ALREADY, code=done.booking.code))
    elif done.refused is BookRefusal.NOT_A_CITIZEN:
        await reply(update, texts.NO_REFERRAL)
    else:
        await reply(update, texts.TAKEN_NONE)


def build() -> FlowHandler:
    link = filters.Regex(rf"^/start\s+{REFERRAL_PATTERN}\s*$")
    return flow.handler(
        entry_points=[CommandHandler("start", start, filters=link)],
        states={
            Step.CONTACT: [MessageHandler(filters.CONTACT, contact_shared)],
            Step.CODICE_FISCALE: [MessageHandler(filters.TEXT & ~filters.COMMAND, cf_typed)],
        },
    )


def handlers() -> list[CallbackQueryHandler[BotContext, None]]:
    return [
        CallbackQueryHandler(on_red, pattern=REFERRAL.pattern("red")),
        CallbackQueryHandler(on_more, pattern=REFERRAL.pattern("more")),
        CallbackQueryHandler(on_family, pattern=REFERRAL.pattern("family")),
        CallbackQueryHandler(on_book, pattern=REFERRAL.pattern("ok")),
    ]
