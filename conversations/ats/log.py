"""/registro (admins): the change log of a case, a plesso or a referent of their ATS (a
regional admin: of every ATS): the last 50 rows of the audit trail, newest first, ten a page.

`/registro 12` is a case (and its contacts), `/registro MIEE8AB01T` a plesso (its own rows,
its cases', their contacts', its closures' and its referents' links), `/registro referente 45`
a referent (what they did and what was done about them), `/registro ats` the ATS as a whole
(reminder pushes, exports: a regional admin sees every ATS's); without an argument, the usage and
a button listing the ATS's referents. Something of another ATS is "non trovato", as an
unknown one; every page turn checks the scope again.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import keyboards
from bot.access import requires
from bot.catalog import audit_log as texts
from bot.catalog import common, render
from bot.context import BotContext, Services
from bot.replies import answer_tap, reply
from domain.access import Actor, Role
from domain.audit import SYSTEM, AuditEntry
from domain.closing import is_plesso_code

CB_REFERENTS = "rgr"  # rgr: the ATS's referents as buttons
CB_CASE = "rgc"  # rgc:CASE_ID:PAGE
CB_PLESSO = "rgp"  # rgp:PLESSO_CODE:PAGE
CB_REFERENT = "rgf"  # rgf:REFERENT_ID:PAGE
CB_ATS = "rga"  # rga:ATS_CODE:PAGE, or rga:all:PAGE for a regional admin
ALL_ATS = "all"
PAGE_SIZE = 10
MAX_REFERENT_BUTTONS = 40
REFERENT_KEYWORD = "referente"
ATS_KEYWORD = "ats"


@dataclass(frozen=True)
class Log:
    """One log, found and in the admin's scope: its header, its rows, its button prefix."""

    header: str
    entries: list[AuditEntry]
    prefix: str
    key: str


class NotFound(Exception):
    """Unknown, or not the admin's: the same answer either way."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


# --- finding a log, in scope --------------------------------------------------------------


async def case_log(services: Services, actor: Actor, case_id: int) -> Log:
    missing = NotFound(render(texts.CASE_NOT_FOUND, id=case_id))
    case = await services.cases.get(case_id)
    if case is None:
        raise missing
    plesso = await services.plessi.get(case.data.plesso_code)
    if plesso is None or not actor.manages_plesso(plesso):
        raise missing
    return Log(
        header=render(texts.HEADER_CASE, id=case_id),
        entries=await services.audit.for_case(case_id),
        prefix=CB_CASE,
        key=str(case_id),
    )


async def plesso_log(services: Services, actor: Actor, code: str) -> Log:
    code = code.strip().upper()
    plesso = await services.plessi.get(code)
    if plesso is None or not actor.manages_plesso(plesso):
        raise NotFound(render(texts.PLESSO_NOT_FOUND, code=code))
    return Log(
        header=render(texts.HEADER_PLESSO, code=plesso.code, name=plesso.name),
        entries=await services.audit.for_plesso(plesso.code),
        prefix=CB_PLESSO,
        key=plesso.code,
    )


async def referent_log(services: Services, actor: Actor, referent_id: int) -> Log:
    missing = NotFound(render(texts.REFERENT_NOT_FOUND, id=referent_id))
    referent = await services.referents.by_id(referent_id)
    if referent is None:
        raise missing
    if actor.admin_ats is not None:
        plessi = await services.plessi.many([*referent.plessi, *referent.revoked_plessi])
        if not any(actor.manages_plesso(plesso) for plesso in plessi):
            raise missing
    return Log(
        header=render(texts.HEADER_REFERENT, name=referent.full_name, id=referent.id),
        entries=await services.audit.for_referent(referent.id, referent.telegram_user_id),
        prefix=CB_REFERENT,
        key=str(referent.id),
    )


async def ats_log(services: Services, actor: Actor, key: str) -> Log:
    """The admin's own ATS only (`key` is their ATS code, or `all` for a regional admin)."""
    if key != (actor.admin_ats or ALL_ATS):
        raise NotFound(common.STALE_BUTTON)
    return Log(
        header=render(texts.HEADER_ATS, scope=actor.admin_ats or texts.SCOPE_ALL),
        entries=await services.audit.for_ats(actor.admin_ats),
        prefix=CB_ATS,
        key=key,
    )


# --- showing it ---------------------------------------------------------------------------


async def page_text(services: Services, log: Log, page: int) -> tuple[str, int]:
    """The text of `page` (clamped to the pages there are) and the page shown."""
    pages = max(1, -(-len(log.entries) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = log.entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [log.header]
    if not shown:
        lines.append(texts.EMPTY)
        return "\n".join(lines), page
    lines.append(render(texts.PAGE_LINE, total=len(log.entries), page=page + 1, pages=pages))
    names = await who_names(services, {entry.actor for entry in shown})
    tz = services.settings.tz
    lines += [entry_line(entry, names, tz) for entry in shown]
    return "\n".join(lines), page


def entry_line(entry: AuditEntry, names: dict[str, str], tz: ZoneInfo) -> str:
    return render(
        texts.LINE,
        when=f"{entry.at.astimezone(tz):%d/%m/%Y %H:%M}",
        who=names.get(entry.actor, entry.actor),
        action=texts.ACTIONS.get(entry.action, entry.action),
        record=record_label(entry),
    )


def record_label(entry: AuditEntry) -> str:
    case = entry.details.get("case")
    if entry.entity == "contact" and case is not None:
        return texts.CONTACT_OF_CASE.format(id=entry.entity_id, case=case)
    template = texts.RECORDS.get(entry.entity, texts.RECORD_OTHER)
    return template.format(entity=entry.entity, id=entry.entity_id)


async def who_names(services: Services, actors: set[str]) -> dict[str, str]:
    """'tg:<id>' -> the referent's name, or ATS for an admin; 'system' -> sistema."""
    names: dict[str, str] = {}
    for actor in actors:
        if actor == SYSTEM:
            names[actor] = texts.WHO_SYSTEM
            continue
        raw = actor.removeprefix("tg:")
        if not raw.isdigit():
            continue
        user_id = int(raw)
        referent = await services.referents.by_user(user_id)
        if referent is not None:
            names[actor] = referent.full_name
        elif services.settings.admin(user_id) is not None:
            names[actor] = texts.WHO_ATS
        else:
            names[actor] = texts.WHO_UNKNOWN.format(id=user_id)
    return names


def page_keyboard(log: Log, page: int) -> InlineKeyboardMarkup | None:
    pages = -(-len(log.entries) // PAGE_SIZE)
    row = []
    if page > 0:
        row.append((texts.BUTTON_PREVIOUS, keyboards.callback(log.prefix, log.key, page - 1)))
    if page + 1 < pages:
        row.append((texts.BUTTON_NEXT, keyboards.callback(log.prefix, log.key, page + 1)))
    return keyboards.inline([row]) if row else None


async def send_log(update: Update, services: Services, log: Log, page: int) -> None:
    text, page = await page_text(services, log, page)
    keyboard = page_keyboard(log, page)
    query = update.callback_query
    if query is not None:
        try:
            await query.edit_message_text(text, reply_markup=keyboard)
            await answer_tap(update)
            return
        except TelegramError:
            pass  # too old to edit, or unchanged: send it anew
        await answer_tap(update)
    await reply(update, text, keyboard)


# --- the handlers -------------------------------------------------------------------------


def _usage_keyboard() -> InlineKeyboardMarkup:
    return keyboards.column([(texts.BUTTON_REFERENTS, keyboards.callback(CB_REFERENTS))])


def _id(word: str) -> int | None:
    return int(word) if word.isdigit() and len(word) <= 12 else None


@requires(Role.ADMIN)
async def show(update: Update, context: BotContext) -> None:
    args = context.args or []
    services, actor = context.services, context.actor
    if not args:
        await reply(update, texts.USAGE, _usage_keyboard())
        return
    first = args[0]
    try:
        if first.lower() == REFERENT_KEYWORD and len(args) == 2 and _id(args[1]) is not None:
            log = await referent_log(services, actor, int(args[1]))
        elif first.lower() == ATS_KEYWORD and len(args) == 1:
            log = await ats_log(services, actor, actor.admin_ats or ALL_ATS)
        elif len(args) == 1 and _id(first) is not None:
            log = await case_log(services, actor, int(first))
        elif len(args) == 1 and is_plesso_code(first):
            log = await plesso_log(services, actor, first)
        else:
            word = render(texts.NOT_UNDERSTOOD, word=" ".join(args))
            await reply(update, word + texts.USAGE, _usage_keyboard())
            return
    except NotFound as missing:
        await reply(update, missing.text)
        return
    await send_log(update, services, log, 0)


@requires(Role.ADMIN)
async def referents(update: Update, context: BotContext) -> None:
    query = update.callback_query
    try:
        keyboards.parse(query.data if query else None, CB_REFERENTS, 0)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    listed = await context.services.referents.list_for_ats(context.actor.admin_ats)
    await answer_tap(update)
    if not listed:
        await reply(update, render(texts.REFERENTS_NONE, scope=scope))
        return
    buttons = [
        (item.referent.full_name, keyboards.callback(CB_REFERENT, item.referent.id, 0))
        for item in listed[:MAX_REFERENT_BUTTONS]
    ]
    await reply(update, render(texts.REFERENTS_HEADER, scope=scope), keyboards.column(buttons))


@requires(Role.ADMIN)
async def turn(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = query.data if query else None
    prefix = (data or "").split(":", 1)[0]
    services, actor = context.services, context.actor
    try:
        key, page_text_ = keyboards.parse(data, prefix, 2)
        page = keyboards.parse_int(page_text_)
        if prefix == CB_CASE:
            log = await case_log(services, actor, keyboards.parse_int(key))
        elif prefix == CB_PLESSO:
            log = await plesso_log(services, actor, key)
        elif prefix == CB_REFERENT:
            log = await referent_log(services, actor, keyboards.parse_int(key))
        elif prefix == CB_ATS:
            log = await ats_log(services, actor, key)
        else:
            raise keyboards.BadCallback("unknown prefix")
    except (keyboards.BadCallback, NotFound):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await send_log(update, services, log, page)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("registro", show),
        CallbackQueryHandler(referents, pattern=keyboards.pattern(CB_REFERENTS)),
        *(
            CallbackQueryHandler(turn, pattern=keyboards.pattern(prefix))
            for prefix in (CB_CASE, CB_PLESSO, CB_REFERENT, CB_ATS)
        ),
    ]
