"""Command menus: referents see theirs; each admin also sees the admin commands."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.catalog import citizens, common
from bot.catalog import vaccines as vaccine_texts
from bot.settings import Settings
from domain.access import Actor

log = logging.getLogger(__name__)


def _commands(items: list[tuple[str, str]]) -> list[BotCommand]:
    # A command of both lists (/allontanamenti) is listed once, with the first description.
    unique = dict(reversed(items))
    return [BotCommand(command, unique[command]) for command in dict.fromkeys(c for c, _ in items)]


async def set_admin_menu(bot: Bot, chat_id: int) -> None:
    await bot.set_my_commands(
        _commands(
            common.REFERENT_COMMANDS + common.ADMIN_COMMANDS + citizens.ADMIN_CITIZEN_COMMANDS
        ),
        scope=BotCommandScopeChat(chat_id),
    )


async def set_citizen_menu(bot: Bot, chat_id: int) -> None:
    """A citizen in isolation sees their own commands (issue 19)."""
    await bot.set_my_commands(
        _commands(citizens.CITIZEN_COMMANDS), scope=BotCommandScopeChat(chat_id)
    )


async def set_user_menu(bot: Bot, chat_id: int, actor: Actor, *, vaccines: bool) -> None:
    """The menu of who holds the «vaccini» role (issue 18): its commands, plus the
    referent's and the admin's when they are those too."""
    items = list(vaccine_texts.COMMANDS) if vaccines else []
    if actor.is_referent:
        items += [item for item in common.REFERENT_COMMANDS if item not in items]
    if actor.is_admin:
        items += common.ADMIN_COMMANDS
    try:
        await bot.set_my_commands(_commands(items), scope=BotCommandScopeChat(chat_id))
    except TelegramError as error:
        log.info("command menu not set for one user: %s", error.message)


async def set_command_menus(bot: Bot, settings: Settings) -> None:
    # At start-up, before the bot polls: the calls go out together, not one round trip
    # after the other (a region's admins: 11 round trips to Telegram, about 0.5 s).
    await asyncio.gather(
        bot.set_my_commands(_commands(common.REFERENT_COMMANDS), scope=BotCommandScopeDefault()),
        *(_set_admin_menu_at_start(bot, admin.user_id) for admin in settings.admin_ids),
    )


async def _set_admin_menu_at_start(bot: Bot, chat_id: int) -> None:
    try:
        await set_admin_menu(bot, chat_id)
    except TelegramError as error:
        # An admin who never opened the bot has no chat yet: their menu is set on /start.
        log.info("admin command menu not set for one admin: %s", error.message)
