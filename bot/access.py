"""Access control: who is asking, checked on every update and by every handler."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot import flows
from bot.catalog import common
from bot.catalog import vaccines as vaccine_texts
from bot.context import BotContext
from bot.replies import answer_tap, reply
from domain.access import Actor, Role
from services import access

Callback = Callable[[Update, BotContext], Awaitable[Any]]
F = TypeVar("F", bound=Callback)

# Commands that do not interrupt a flow in progress (/aiuto repeats its question, /annulla
# asks first); an unknown command (a typo) does not either: only a command that starts
# something else does, and then the draft is set aside, not lost (bot.flows.pause_all).
_KEEPS_FLOW = frozenset({"aiuto", "help", "annulla", "mioid"})

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@[A-Za-z0-9_]{3,32})?(?:\s|$)")


async def build_actor(context: BotContext, user_id: int) -> Actor:
    admin = context.services.settings.admin(user_id)
    return await access.actor_of(
        context.services,
        user_id,
        is_admin=admin is not None,
        admin_ats=admin.ats_code if admin else None,
    )


def command_of(update: Update) -> str | None:
    """The command a message starts with, as Telegram marks one (`/name` or `/name@bot`)."""
    message = update.message
    match = _COMMAND.match(message.text or "") if message is not None else None
    return match.group(1).lower() if match else None


async def resolve_actor(update: Update, context: BotContext) -> None:
    """Runs first for every update (group -1): sets `context.actor`, stops strangers early."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot or (chat is not None and chat.type != ChatType.PRIVATE):
        # Health data never go to groups or channels: the bot only talks in private chats.
        raise ApplicationHandlerStop
    if chat is not None and chat.id != user.id:
        # A private chat is the user's own: the same id. Telegram never sends anything else,
        # so this is a forged update (an admin's from.id, the attacker's chat): answering it
        # would send the admin's data to the attacker. Logged by update id only.
        log.warning("dropped update %s: its private chat is not its sender's", update.update_id)
        raise ApplicationHandlerStop
    context.actor = await build_actor(context, user.id)
    # Writing to the bot again makes a referent the reminders could not reach reachable;
    # blocking it (Telegram's my_chat_member update, "kicked") is not writing to it.
    if update.my_chat_member is None:
        await access.heard_from(context.services, context.actor, context.services.now())
    command = command_of(update)
    if context.actor.is_revoked:
        # Revocation discards every draft, those set aside included.
        await flows.abandon_all(context, update)
        await context.services.conversations.discard_user(user.id)
    if context.actor.is_revoked and command != "start":
        await answer_tap(update)
        await reply(update, common.ACCESS_REVOKED)
        raise ApplicationHandlerStop
    if command in flows.registered_commands(context) and command not in _KEEPS_FLOW:
        await flows.pause_all(context, update)
    if update.edited_message is not None:
        # An edit of a message already read: taking it as the answer to the current step
        # would put it in the wrong field. Say so, and let the user send it again.
        await reply(
            update, common.EDIT_NOT_READ if context.actor.is_known else common.NOT_REGISTERED
        )
        raise ApplicationHandlerStop


async def refuse(update: Update, actor: Actor, role: Role) -> None:
    if not actor.is_known:
        text = common.ACCESS_REVOKED if actor.is_revoked else common.NOT_REGISTERED
    else:
        text = common.ADMIN_ONLY if role is Role.ADMIN else common.REFERENT_ONLY
        if role is Role.VACCINES:
            text = vaccine_texts.VACCINES_ONLY
    await answer_tap(update, text)
    await reply(update, text)


def requires(role: Role) -> Callable[[F], F]:
    """Only actors with `role` get through; the others get a clear refusal and the flow ends."""

    def decorate(handler: F) -> F:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> Any:
            if not context.actor.has(role):
                await refuse(update, context.actor, role)
                return ConversationHandler.END
            return await handler(update, context)

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def public(handler: F) -> F:
    """Marks a handler open to anyone (it checks what it needs itself)."""
    handler.required_role = None  # type: ignore[attr-defined]
    return handler
