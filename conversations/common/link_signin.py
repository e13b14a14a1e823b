"""The sign-in from an SMS link, shared by the citizens' link (/start TOKEN, conversations.
citizens.signin) and the doctor's referral for a swab (/start rf…, conversations.swabs.
referral): the link opens a flow that asks for «Condividi il mio numero» (only the sender's own
contact counts), then the codice fiscale; the feature's use case checks both against its row.

The feature keeps its flow (its own name, so its own stored conversations), its texts, its use
cases and what happens once signed in; here are the steps that are the same in both."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import IntEnum, auto
from typing import Protocol, TypeVar

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.catalog import citizens as texts
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow
from conversations.citizens.common import delete_at_once, send
from services.unit_of_work import UnitOfWork


class Step(IntEnum):
    CONTACT = auto()
    CODICE_FISCALE = auto()


CONTACT_KEYBOARD = ReplyKeyboardMarkup(
    [[KeyboardButton(texts.BUTTON_SHARE_CONTACT, request_contact=True)]],
    resize_keyboard=True,
    one_time_keyboard=True,
)


class LinkDraft(FlowDraft):
    """The link's token (hashed) and, once shared, the sender's own phone."""

    token_hash: str = ""
    phone: str = ""


class Opened(Protocol):
    """What a feature's use case says of a link opened: refused (why), or its token's hash."""

    @property
    def refused(self) -> object | None: ...

    @property
    def token_hash(self) -> str: ...


OpenedT = TypeVar("OpenedT", bound=Opened)
R = TypeVar("R")


async def open_link(
    update: Update,
    context: BotContext,
    flow: Flow[Step],
    use_case: Callable[[UnitOfWork, int, str, datetime], Awaitable[OpenedT]],
    refuse: Callable[[Update, BotContext, OpenedT], Awaitable[None]],
) -> int:
    """/start TOKEN: the feature's use case says whether the link opens anything (nothing is
    written for one that does not: a stranger's try); refused, the feature says why and the
    flow ends; opened, on to the contact question with the token kept in the draft."""
    assert update.effective_user is not None
    token = context.args[0] if context.args else ""
    services = context.services
    opened = await use_case(services, update.effective_user.id, token, services.now())
    if opened.refused is not None:
        await refuse(update, context, opened)
        return ConversationHandler.END
    draft = LinkDraft(token_hash=opened.token_hash)
    return await flow.go(update, context, Step.CONTACT, draft.dump())


async def take_contact(update: Update, context: BotContext, flow: Flow[Step]) -> Step:
    """The contact shared: kept if it is the sender's own, and deleted from the chat at once."""
    assert update.message is not None and update.message.contact is not None
    assert update.effective_user is not None
    contact = update.message.contact
    draft = LinkDraft.load(await flow.load(update, context))
    # Anyone can forward someone else's card: only the sender's own number proves anything.
    if contact.user_id != update.effective_user.id:
        await send(update, texts.CONTACT_NOT_YOURS, CONTACT_KEYBOARD)
        return Step.CONTACT
    draft = draft.model_copy(update={"phone": contact.phone_number})
    await delete_at_once(update, context)
    return await flow.go(update, context, Step.CODICE_FISCALE, draft.dump())


async def check_codice_fiscale(
    update: Update,
    context: BotContext,
    flow: Flow[Step],
    use_case: Callable[[UnitOfWork, int, str, str, str, datetime], Awaitable[R]],
) -> R:
    """The codice fiscale typed: deleted from the chat at once, then the feature's use case
    checks it and the shared phone against the link's row."""
    assert update.message is not None and update.message.text is not None
    assert update.effective_user is not None
    draft = LinkDraft.load(await flow.load(update, context))
    services = context.services
    await delete_at_once(update, context)
    return await use_case(
        services,
        update.effective_user.id,
        draft.token_hash,
        draft.phone,
        update.message.text,
        services.now(),
    )
