"""/registro (admins): the change log of a case, a plesso or a referent of their ATS (a
regional admin: of every ATS): the last 50 rows of the audit trail, newest first, ten a page.

`/registro 12` is a case (and its contacts), `/registro MIEE8AB01T` a plesso (its own rows,
its cases', their contacts', its closures' and its referents' links), `/registro referente 45`
a referent (what they did and what was done about them), `/registro ats` the ATS as a whole
(reminder pushes, exports: a regional admin sees every ATS's); without an argument, the usage and
a button listing the ATS's referents, ten a page. Something of another ATS is "non trovato", as an
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
from bot.callbacks import Buttons
from bot.catalog import audit_log as texts
from bot.catalog import common, render
from bot.context import BotContext, Services
from bot.forms import send_page
from bot.replies import answer_tap, reply
from domain.access import Actor, Role
from domain.audit import AuditEntry
from domain.closing import is_plesso_code
from domain.registry import page_of
from domain.text import parse_ascii_int
from services import audit_log as audit_service
from services.audit_log import Who, WhoKind


class _Verbless(Buttons):
    """A family whose data carry no verb, `<prefix>[:<arg>...]`: the log's buttons already
    in admins' chats have this shape, so it is kept."""

    def raw(self, *args: object) -> str:
        return keyboards.callback(self.prefix, *args)

    def tapped_raw(self, update: Update, arity: int) -> list[str] | None:
        """The arguments of the tapped button, or None for a forged or malformed one."""
        query = update.callback_query
        try:
            return keyboards.parse(query.data if query else None, self.prefix, arity)
        except keyboards.BadCallback:
            return None

    def raw_pattern(self) -> str:
        return keyboards.pattern(self.prefix)


REFERENTS = _Verbless("rgr", "/registro: the ATS's referents as buttons, rgr[:PAGE]")
CASE = _Verbless("rgc", "/registro: a case's log, rgc:CASE_ID:PAGE")
PLESSO = _Verbless("rgp", "/registro: a plesso's log, rgp:PLESSO_CODE:PAGE")
REFERENT = _Verbless("rgf", "/registro: a referent's log, rgf:REFERENT_ID:PAGE")
ATS = _Verbless("rga", "/registro: the ATS's log, rga:ATS_CODE:PAGE (rga:all:PAGE: every ATS)")
PAGE_SIZE = 10
REFERENT_KEYWORD = "referente"
ATS_KEYWORD = "ats"


@dataclass(frozen=True)
class Log:
    """One log, found and in the admin's scope: its header, its rows, its page buttons."""

    header: str
    entries: list[AuditEntry]
    buttons: _Verbless
    key: str


class NotFound(Exception):
    """Unknown, or not the admin's: the same answer either way."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


# --- finding a log, in scope --------------------------------------------------------------


async def case_log(services: Services, actor: Actor, case_id: int) -> Log:
    entries = await audit_service.case_log(services, actor, case_id)
    if entries is None:
        raise NotFound(render(texts.CASE_NOT_FOUND, id=case_id))
    return Log(render(texts.HEADER_CASE, id=case_id), entries, CASE, str(case_id))


async def plesso_log(services: Services, actor: Actor, code: str) -> Log:
    found = await audit_service.plesso_log(services, actor, code)
    if found is None:
        raise NotFound(render(texts.PLESSO_NOT_FOUND, code=code.strip().upper()))
    plesso = found.plesso
    header = render(texts.HEADER_PLESSO, code=plesso.code, name=plesso.name)
    return Log(header, found.entries, PLESSO, plesso.code)


async def referent_log(services: Services, actor: Actor, referent_id: int) -> Log:
    found = await audit_service.referent_log(services, actor, referent_id)
    if found is None:
        raise NotFound(render(texts.REFERENT_NOT_FOUND, id=referent_id))
    referent = found.referent
    header = render(texts.HEADER_REFERENT, name=referent.full_name, id=referent.id)
    return Log(header, found.entries, REFERENT, str(referent.id))


async def ats_log(services: Services, actor: Actor, key: str) -> Log:
    """The admin's own ATS only (`key` is their ATS code, or `all` for a regional admin)."""
    entries = await audit_service.ats_log(services, actor, key)
    if entries is None:
        raise NotFound(common.STALE_BUTTON)
    header = render(texts.HEADER_ATS, scope=actor.admin_ats or texts.SCOPE_ALL)
    return Log(header, entries, ATS, key)


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

    def is_admin(user_id: int) -> bool:
        return services.settings.admin(user_id) is not None

    found = await audit_service.who(services, actors, is_admin)
    return {actor: _who_text(who) for actor, who in found.items()}


def _who_text(who: Who) -> str:
    if who.kind is WhoKind.SYSTEM:
        return texts.WHO_SYSTEM
    if who.kind is WhoKind.REFERENT and who.name is not None:
        return who.name
    if who.kind is WhoKind.ATS:
        return texts.WHO_ATS
    return texts.WHO_UNKNOWN.format(id=who.user_id)


def page_keyboard(log: Log, page: int) -> InlineKeyboardMarkup | None:
    pages = -(-len(log.entries) // PAGE_SIZE)
    row = []
    if page > 0:
        row.append((texts.BUTTON_PREVIOUS, log.buttons.raw(log.key, page - 1)))
    if page + 1 < pages:
        row.append((texts.BUTTON_NEXT, log.buttons.raw(log.key, page + 1)))
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
    return keyboards.column([(texts.BUTTON_REFERENTS, REFERENTS.raw())])


def _id(word: str) -> int | None:
    return parse_ascii_int(word)


@requires(Role.ADMIN)
async def show(update: Update, context: BotContext) -> None:
    args = context.args or []
    services, actor = context.services, context.actor
    if not args:
        await reply(update, texts.USAGE, _usage_keyboard())
        return
    first = args[0]
    try:
        if (
            first.lower() == REFERENT_KEYWORD
            and len(args) == 2
            and (number := _id(args[1])) is not None
        ):
            log = await referent_log(services, actor, number)
        elif first.lower() == ATS_KEYWORD and len(args) == 1:
            log = await ats_log(services, actor, audit_service.own_ats_key(actor))
        elif len(args) == 1 and (number := _id(first)) is not None:
            log = await case_log(services, actor, number)
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
    """«Referenti» (`rgr`, from the usage: a new message) or one of its pages (`rgr:PAGE`:
    the page replaces the list)."""
    try:
        page, in_place = _tapped_referents_page(update)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    listed = await audit_service.referents(context.services, context.actor)
    if not listed:
        await answer_tap(update)
        await reply(update, render(texts.REFERENTS_NONE, scope=scope))
        return
    shown = page_of(listed, page, PAGE_SIZE)
    rows = [[(referent.full_name, REFERENT.raw(referent.id, 0))] for referent in shown.items]
    turn = []
    if shown.has_previous:
        turn.append((texts.BUTTON_PREVIOUS, REFERENTS.raw(shown.number - 1)))
    if shown.has_next:
        turn.append((texts.BUTTON_NEXT, REFERENTS.raw(shown.number + 1)))
    text = render(texts.REFERENTS_HEADER, scope=scope)
    if shown.pages > 1:
        pages = render(
            texts.REFERENTS_PAGE, total=shown.total, page=shown.number + 1, pages=shown.pages
        )
        text = f"{text}\n{pages}"
    keyboard = keyboards.inline([*rows, turn] if turn else rows)
    await send_page(update, text, keyboard, in_place)


def _tapped_referents_page(update: Update) -> tuple[int, bool]:
    """(page, in place) of a tapped «Referenti» button; BadCallback if it is none."""
    if REFERENTS.tapped_raw(update, 0) is not None:
        return 0, False
    found = REFERENTS.tapped_raw(update, 1)
    if found is None:
        raise keyboards.BadCallback("not a referents button")
    return keyboards.parse_int(found[0]), True


_PAGED = (CASE, PLESSO, REFERENT, ATS)


@requires(Role.ADMIN)
async def turn(update: Update, context: BotContext) -> None:
    services, actor = context.services, context.actor
    try:
        buttons, key, page = _tapped_page(update)
        if buttons is CASE:
            log = await case_log(services, actor, keyboards.parse_int(key))
        elif buttons is PLESSO:
            log = await plesso_log(services, actor, key)
        elif buttons is REFERENT:
            log = await referent_log(services, actor, keyboards.parse_int(key))
        else:
            log = await ats_log(services, actor, key)
    except (keyboards.BadCallback, NotFound):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await send_log(update, services, log, page)


def _tapped_page(update: Update) -> tuple[_Verbless, str, int]:
    """The family, the key and the page of a page button; BadCallback if it is none."""
    for buttons in _PAGED:
        found = buttons.tapped_raw(update, 2)
        if found is not None:
            key, page = found
            return buttons, key, keyboards.parse_int(page)
    raise keyboards.BadCallback("not a page button")


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("registro", show),
        CallbackQueryHandler(referents, pattern=REFERENTS.raw_pattern()),
        *(CallbackQueryHandler(turn, pattern=buttons.raw_pattern()) for buttons in _PAGED),
    ]
