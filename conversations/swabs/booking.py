"""The recovery swab from the citizen's 🧪 Tampone: before the window opens, the day it
opens; then a day (only eligible days with free places), a time and point, a confirmation,
the booking code. One active booking per person; cancel or move up to 2 hours before.
Every tap finds the chat's active person again (a citizen never reaches anyone else)."""

from __future__ import annotations

from datetime import date, datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import keyboards
from bot.access import public
from bot.callbacks import Buttons
from bot.catalog import citizens as citizen_texts
from bot.catalog import common, render
from bot.catalog import swabs as texts
from bot.context import BotContext
from bot.replies import answer_tap, close_buttons, reply
from domain.dates import format_date
from domain.swabs import Booking, Slot
from services import swabs
from services.swabs import BookRefusal

BOOK = Buttons("sw", "recovery swab: day, slot, confirm, cancel, move")
MAX_DAYS = 14
MAX_SLOTS = 24


def local_now(context: BotContext) -> datetime:
    """Slot times are the points' wall-clock times: compared without a zone."""
    return context.services.local_now().replace(tzinfo=None)


def _when(slot: Slot) -> str:
    return f"{format_date(slot.starts_at.date())} {slot.starts_at:%H:%M}"


def _booking_values(booking: Booking) -> dict[str, object]:
    point = booking.slot.point
    return {
        "code": booking.code,
        "when": _when(booking.slot),
        "point": point.name,
        "address": point.address,
        "comune": point.comune,
    }


async def show(update: Update, context: BotContext) -> None:
    """🧪 Tampone: where the booking stands, or the days to choose from."""
    assert update.effective_user is not None
    view = await swabs.recovery_view(context.services, update.effective_user.id, local_now(context))
    if view is None:
        await reply(update, citizen_texts.NOT_A_CITIZEN)
        return
    if not view.citizen.is_open:
        await reply(update, texts.CLOSED)
        return
    if view.booking is not None:
        await reply(
            update,
            render(texts.YOUR_BOOKING, **_booking_values(view.booking)),
            keyboards.inline(
                [
                    [
                        (texts.BUTTON_MOVE, BOOK.data("move")),
                        (texts.BUTTON_CANCEL_BOOKING, BOOK.data("cancel")),
                    ]
                ]
            ),
        )
        return
    day = format_date(view.eligible_from)[:5]
    if local_now(context).date() < view.eligible_from:
        await reply(update, render(texts.NOT_YET, day=day))
        return
    if not view.slots:
        await reply(update, render(texts.NO_SLOTS, day=day))
        return
    await _choose(update, view, move=False)


async def _choose(update: Update, view: swabs.RecoveryView, *, move: bool) -> None:
    """With free places at more than one point: the point first (by comune), then the day;
    otherwise straight to the days."""
    points = {slot.point.id: slot.point for slot in view.slots}
    if len(points) > 1:
        ordered = sorted(points.values(), key=lambda p: (p.comune, p.name))[:MAX_SLOTS]
        buttons = [
            (
                render(texts.POINT_BUTTON, comune=p.comune, point=p.name),
                BOOK.data("pt", p.id, int(move)),
            )
            for p in ordered
        ]
        await reply(update, texts.CHOOSE_POINT, keyboards.column(buttons))
        return
    await reply(update, texts.CHOOSE_DAY, _days(view.days, move=move, point_id=0))


def _days(days: list[date], *, move: bool, point_id: int) -> InlineKeyboardMarkup:
    shown = days[:MAX_DAYS]
    rows = [
        [
            (format_date(d)[:5], BOOK.data("day", d.isoformat(), int(move), point_id))
            for d in shown[i : i + 4]
        ]
        for i in range(0, len(shown), 4)
    ]
    return keyboards.inline(rows)


@public
async def on_point(update: Update, context: BotContext) -> None:
    """A point chosen: its days with free places."""
    assert update.effective_user is not None
    ids = BOOK.tapped_ids(update, "pt", 2)
    view = await swabs.recovery_view(context.services, update.effective_user.id, local_now(context))
    if ids is None or view is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    days = sorted({s.starts_at.date() for s in view.slots if s.point.id == ids[0]})
    if not days:
        await answer_tap(update, common.STALE_BUTTON)
        await _choose(update, view, move=bool(ids[1]))
        return
    await reply(update, texts.CHOOSE_DAY, _days(days, move=bool(ids[1]), point_id=ids[0]))


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@public
async def on_day(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    args = BOOK.tapped_args(update, "day", 3)
    day = _parse_day(args[0]) if args else None
    point_id = int(args[2]) if args and args[2].isdigit() else -1
    if args is None or day is None or point_id < 0:
        await answer_tap(update, common.STALE_BUTTON)
        return
    view = await swabs.recovery_view(context.services, update.effective_user.id, local_now(context))
    if view is None:
        await answer_tap(update, citizen_texts.NOT_A_CITIZEN)
        return
    slots = [s for s in view.slots if s.starts_at.date() == day and point_id in (0, s.point.id)][
        :MAX_SLOTS
    ]
    if not slots:
        await reply(update, render(texts.NO_SLOTS, day=format_date(view.eligible_from)[:5]))
        return
    buttons = [
        (
            render(texts.SLOT_BUTTON, time=f"{s.starts_at:%H:%M}", point=s.point.name),
            BOOK.data("slot", s.id, args[1]),
        )
        for s in slots
    ]
    await reply(update, render(texts.CHOOSE_TIME, day=format_date(day)), keyboards.column(buttons))


@public
async def on_slot(update: Update, context: BotContext) -> None:
    """A time chosen: the confirmation, with the address."""
    assert update.effective_user is not None
    ids = BOOK.tapped_ids(update, "slot", 2)
    view = await swabs.recovery_view(context.services, update.effective_user.id, local_now(context))
    if ids is None or view is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    slot = next((s for s in view.slots if s.id == ids[0]), None)
    if slot is None:
        await answer_tap(update, common.STALE_BUTTON)
        await show(update, context)
        return
    await _confirm(update, slot, move=bool(ids[1]))


async def _confirm(update: Update, slot: Slot, *, move: bool) -> None:
    point = slot.point
    await reply(
        update,
        render(
            texts.CONFIRM,
            when=_when(slot),
            point=point.name,
            address=point.address,
            comune=point.comune,
        ),
        keyboards.inline(
            [
                [
                    (texts.BUTTON_CONFIRM, BOOK.data("ok", slot.id, int(move))),
                    (texts.BUTTON_OTHER_DAY, BOOK.data("days", int(move))),
                ]
            ]
        ),
    )


@public
async def on_confirm(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    ids = BOOK.tapped_ids(update, "ok", 2)
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    services = context.services
    done = await swabs.book(
        services,
        update.effective_user.id,
        ids[0],
        services.now(),
        local_now(context),
        move=bool(ids[1]),
    )
    await close_buttons(update)
    if done.refused is None and done.booking is not None:
        await reply(update, render(texts.BOOKED, **_booking_values(done.booking)))
    elif done.refused is BookRefusal.TAKEN:
        if done.next_slot is None:
            await reply(update, texts.TAKEN_NONE)
            return
        await reply(
            update,
            render(texts.TAKEN, when=_when(done.next_slot), point=done.next_slot.point.name),
        )
        await _confirm(update, done.next_slot, move=bool(ids[1]))
    else:
        await _refused(update, done)


async def _refused(update: Update, done: swabs.BookOutcome) -> None:
    if done.refused is BookRefusal.ALREADY and done.booking is not None:
        await reply(update, render(texts.ALREADY, code=done.booking.code))
    elif done.refused is BookRefusal.TOO_LATE:
        await reply(update, texts.TOO_LATE)
    elif done.refused is BookRefusal.NOT_ELIGIBLE and done.eligible_from is not None:
        await reply(update, render(texts.NOT_ELIGIBLE, day=format_date(done.eligible_from)[:5]))
    elif done.refused is BookRefusal.CLOSED:
        await reply(update, texts.CLOSED)
    else:
        await answer_tap(update, citizen_texts.NOT_A_CITIZEN)
        await reply(update, citizen_texts.NOT_A_CITIZEN)


@public
async def on_days(update: Update, context: BotContext) -> None:
    """«Altre date» (and «Sposta»): the days again."""
    assert update.effective_user is not None
    move = BOOK.tapped_ids(update, "days")
    await _show_days(update, context, move=bool(move and move[0]))


async def _show_days(update: Update, context: BotContext, *, move: bool) -> None:
    assert update.effective_user is not None
    view = await swabs.recovery_view(context.services, update.effective_user.id, local_now(context))
    if view is None:
        await answer_tap(update, citizen_texts.NOT_A_CITIZEN)
        return
    if not view.slots:
        await reply(update, render(texts.NO_SLOTS, day=format_date(view.eligible_from)[:5]))
        return
    await _choose(update, view, move=move)


@public
async def on_move(update: Update, context: BotContext) -> None:
    if BOOK.tapped_args(update, "move", 0) is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    await _show_days(update, context, move=True)


@public
async def on_cancel(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    if BOOK.tapped_args(update, "cancel", 0) is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    services = context.services
    done = await swabs.cancel_booking(
        services, update.effective_user.id, services.now(), local_now(context)
    )
    await close_buttons(update)
    if done.refused is None and done.booking is not None:
        await reply(update, render(texts.CANCELLED, code=done.booking.code))
    elif done.refused is BookRefusal.TOO_LATE:
        await reply(update, texts.TOO_LATE)
    elif done.refused is BookRefusal.NOT_ELIGIBLE:
        await reply(update, texts.NOTHING_TO_CANCEL)
    else:
        await _refused(update, done)


def handlers() -> list[CallbackQueryHandler[BotContext, None]]:
    return [
        CallbackQueryHandler(on_point, pattern=BOOK.pattern("pt")),
        CallbackQueryHandler(on_day, pattern=BOOK.pattern("day")),
        CallbackQueryHandler(on_slot, pattern=BOOK.pattern("slot")),
        CallbackQueryHandler(on_confirm, pattern=BOOK.pattern("ok")),
        CallbackQueryHandler(on_days, pattern=BOOK.pattern("days")),
        CallbackQueryHandler(on_move, pattern=BOOK.pattern("move")),
        CallbackQueryHandler(on_cancel, pattern=BOOK.pattern("cancel")),
    ]
