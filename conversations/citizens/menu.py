"""The citizen's menu (a reply keyboard) headed by where they stand, the instructions, the
recovery swab's date, whom to call, the switch between the people a chat acts for, the
reminder hour and /pausa. Every handler finds the chat's active person again (a citizen
never reaches anyone else)."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import flows, keyboards
from bot.access import public
from bot.callbacks import Buttons
from bot.catalog import citizens as texts
from bot.catalog import render
from bot.context import BotContext
from bot.replies import answer_tap, reply
from conversations.citizens import diary, household
from conversations.citizens.common import MENU_KEYBOARD, current, header, send
from conversations.swabs import booking as swab_booking
from domain.dates import format_date
from domain.isolation import REMINDER_HOURS, Citizen
from services import citizens
from services.citizens import Standing

MENU = Buttons("cm", "citizen menu: switch person, reminder hour")


def _who(citizen: Citizen, today: date) -> dict[str, object]:
    """How a person is named to whoever acts for them: initials and age, no more."""
    return {"initials": citizen.initials, "age": citizen.age(today)}


async def show_menu(update: Update, context: BotContext) -> None:
    """The header (where they stand, whom the chat acts for) and the menu keyboard."""
    found = await current(update, context)
    if found is None:
        return
    await send(update, _header_with_switch(found, context), MENU_KEYBOARD)
    if found.others:
        await reply(update, texts.SWITCH_ASK, _switch(found, context))


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


def _header_with_switch(found: Standing, context: BotContext) -> str:
    text = header(found)
    if found.others:
        text += "\n" + render(texts.ACTING_FOR, **_who(found.citizen, _today(context)))
    return text


def _switch(found: Standing, context: BotContext) -> InlineKeyboardMarkup:
    today = _today(context)
    return keyboards.column(
        [
            (
                render(texts.BUTTON_SWITCH, **_who(other, today)),
                MENU.data("to", other.id),
            )
            for other in found.others
        ]
    )


async def greet(update: Update, context: BotContext) -> bool:
    """/start without a link from a citizen: the menu. False for anyone else (the
    referents' onboarding goes on)."""
    user = update.effective_user
    if user is None or not await citizens.is_citizen(context.services, user.id):
        return False
    await show_menu(update, context)
    return True


async def citizen_help(update: Update, context: BotContext) -> bool:
    """/aiuto from a citizen: whom to call and their commands. False for anyone else."""
    user = update.effective_user
    if user is None or not await citizens.is_citizen(context.services, user.id):
        return False
    lines = [
        render(texts.HELP_COMMAND, command=c, description=d) for c, d in texts.CITIZEN_COMMANDS
    ]
    await send(update, texts.HELP + "\n\n" + "\n".join(lines), MENU_KEYBOARD)
    return True


@public
async def on_menu(update: Update, context: BotContext) -> None:
    """A menu button (its text) or command: leaves any flow in progress, then the item."""
    assert update.message is not None
    await flows.abandon_all(context, update)
    text = update.message.text or ""
    command = text.split()[0].lstrip("/").split("@")[0] if text.startswith("/") else ""
    if text == texts.MENU_DIARY or command == "diario":
        await diary.begin(update, context)
    elif text == texts.MENU_HOUSEHOLD or command == "conviventi":
        await household.show(update, context)
    elif text == texts.MENU_INSTRUCTIONS or command == "istruzioni":
        await _instructions(update, context)
    elif text == texts.MENU_SWAB or command == "tampone":
        await _swab(update, context)
    elif text == texts.MENU_HELP:
        await send(update, texts.HELP)
    elif command == "orario":
        await _ask_hour(update, context)
    elif command == "pausa":
        await _pause(update, context)


def current_instructions(today: date) -> tuple[date, list[str]]:
    """The cards of the latest version in force on `today`."""
    since = max(day for day in texts.INSTRUCTIONS if day <= today)
    return since, texts.INSTRUCTIONS[since]


async def _instructions(update: Update, context: BotContext) -> None:
    if await current(update, context) is None:
        return
    since, cards = current_instructions(_today(context))
    head = render(texts.INSTRUCTIONS_HEAD, since=format_date(since))
    await send(update, head + "\n\n" + "\n\n".join(cards))


async def _swab(update: Update, context: BotContext) -> None:
    # The recovery swab's booking (issue 20, conversations/swabs).
    if await current(update, context) is not None:
        await swab_booking.show(update, context)


async def _ask_hour(update: Update, context: BotContext) -> None:
    found = await current(update, context)
    if found is None:
        return
    buttons = [[(f"{hour}:00", MENU.data("hour", hour)) for hour in REMINDER_HOURS]]
    await reply(
        update,
        render(texts.ASK_HOUR, hour=found.citizen.reminder_hour),
        keyboards.inline(buttons),
    )


async def _pause(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    if await current(update, context) is None:
        return
    until = await citizens.pause_reminders(
        context.services, update.effective_user.id, _today(context)
    )
    if until is not None:
        await send(update, render(texts.PAUSED, until=format_date(until)))


@public
async def on_hour(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    args = MENU.tapped_ids(update, "hour")
    hour = args[0] if args else None
    if hour not in REMINDER_HOURS or not await citizens.choose_reminder_hour(
        context.services, update.effective_user.id, hour or 0, _today(context)
    ):
        await answer_tap(update, texts.NOT_A_CITIZEN)
        return
    await send(update, render(texts.HOUR_SET, hour=hour))


@public
async def on_switch(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    args = MENU.tapped_ids(update, "to")
    if not args or not await citizens.switch_to(
        context.services, update.effective_user.id, args[0]
    ):
        await answer_tap(update, texts.NOT_A_CITIZEN)
        return
    found = await current(update, context)
    if found is not None:
        await send(update, render(texts.SWITCHED, **_who(found.citizen, _today(context))))
        await show_menu(update, context)


MENU_COMMANDS = ["diario", "conviventi", "istruzioni", "tampone", "orario", "pausa"]


def handlers() -> list[
    CommandHandler[BotContext, None]
    | MessageHandler[BotContext, None]
    | CallbackQueryHandler[BotContext, None]
]:
    labels = [label for row in texts.MENU for label in row]
    return [
        CommandHandler(MENU_COMMANDS, on_menu),
        MessageHandler(filters.Text(labels), on_menu),
        CallbackQueryHandler(on_hour, pattern=MENU.pattern("hour")),
        CallbackQueryHandler(on_switch, pattern=MENU.pattern("to")),
    ]
