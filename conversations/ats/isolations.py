"""The ATS desk of the citizens in isolation (issue 19): /positivi loads the register of
positive people and answers with the sign-in links as a CSV for the SMS gateway;
/isolamenti lists the people by urgency, paged; /isolamento N shows one (the diary as a
day grid, the household members) with its actions, each audited; /collega N CHAT links a
chat by hand."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import citizens as texts
from bot.catalog import common, error_text, plural, render
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from conversations.ats.export import export_labels
from conversations.citizens.household import member_line
from conversations.common.csv_upload import FileDraft, Step, read_upload, reason, upload_handler
from domain.access import Role
from domain.codice_fiscale import mask_codice_fiscale
from domain.comuni import comune_by_code, label
from domain.dates import check_not_future, format_date, parse_date
from domain.diary import Mark, check_onset, day_grid, grid_text
from domain.errors import ValidationFailed
from domain.exports import ExportFormat, ExportKind
from domain.isolation import comune_code_of, parse_register_csv
from formats.citizens import tokens_csv
from services import citizens
from services import exports as exports_service
from services.citizens import DeskDetail, DeskLine, IssuedToken
from services.exports import Exported, ExportRequest

PAGE_SIZE = 20
MAX_LISTED_ERRORS = 30
DESK = Buttons("iso", "/isolamenti: page, one person, actions")


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


# --- /positivi ----------------------------------------------------------------------------


flow: Flow[Step] = Flow("citizen_register", Step, file_steps=[Step.FILE])


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    await reply(update, texts.ASK_REGISTER)


@requires(Role.ADMIN)
async def register(update: Update, context: BotContext) -> Step:
    return await flow.go(update, context, Step.FILE, FileDraft().dump())


def _ats_of(context: BotContext) -> str | None:
    return context.actor.admin_ats


@requires(Role.ADMIN)
async def register_file(update: Update, context: BotContext) -> Step | int:
    assert update.message is not None and update.message.document is not None
    ats_code = _ats_of(context)
    if ats_code is None:
        # The register belongs to one ATS: a regional admin does not load one.
        await reply(update, texts.REGISTER_REGIONAL)
        return ConversationHandler.END
    today = _today(context)
    parsed = await read_upload(update, context, flow, lambda data: parse_register_csv(data, today))
    if parsed is None:
        return Step.FILE
    services = context.services
    loaded = await citizens.load_register(services, context.actor, ats_code, parsed, services.now())
    summary = render(
        texts.REGISTER_RESULT,
        added=plural(len(loaded.issued), texts.REGISTER_ADDED),
        already=len(loaded.already_open),
        refused=plural(len({e.line for e in loaded.refused}), texts.REGISTER_REFUSED_ROWS),
    )
    if loaded.refused:
        lines = [
            render(texts.REGISTER_REFUSED_LINE, line=e.line) + reason(e)
            for e in loaded.refused[:MAX_LISTED_ERRORS]
        ]
        summary += texts.REGISTER_REFUSED_HEADER + "\n" + "\n".join(lines)
    if loaded.already_open:
        summary += render(
            texts.REGISTER_ALREADY_LINE, lines=", ".join(map(str, loaded.already_open[:50]))
        )
    await reply(update, summary)
    if loaded.issued:
        await _send_links(update, context, loaded.issued)
    return ConversationHandler.END


def _link(context: BotContext, token: str) -> str:
    return f"https://t.me/{context.bot.username}?start={token}"


async def _send_links(update: Update, context: BotContext, issued: list[IssuedToken]) -> None:
    tz = context.services.settings.tz
    rows = [
        (
            i.citizen_id,
            i.phone,
            f"{i.surname} {i.name}",
            _link(context, i.token),
            i.expires_at.astimezone(tz),
        )
        for i in issued
    ]
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        tokens_csv(rows),
        filename=f"link_sms_{_today(context):%Y%m%d}.csv",
        caption=texts.REGISTER_CAPTION,
        parse_mode=ParseMode.HTML,
    )


# --- /isolamenti, /isolamento N ------------------------------------------------------------------


def _page_text(lines: list[DeskLine], page: int, scope: str) -> str:
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    shown = lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    out = [render(texts.DESK_HEAD, scope=scope, total=len(lines), page=page, pages=pages)]
    group = None
    for line in shown:
        if line.status is not group:
            group = line.status
            out.append(f"\n<b>{texts.STATUS_LABELS[group]}</b>")
        out.append(
            render(
                texts.DESK_LINE,
                id=line.citizen.id,
                surname=line.citizen.surname,
                name=line.citizen.name,
                day=line.day,
                swab=format_date(line.swab_from)[:5],
            )
        )
    return "\n".join(out)


def _page_data(page: int, comune_code: str | None) -> str:
    return DESK.data("cpage", comune_code, page) if comune_code else DESK.data("page", page)


def _page_keyboard(
    lines: list[DeskLine], page: int, comune_code: str | None
) -> InlineKeyboardMarkup | None:
    shown = lines[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows: list[list[tuple[str, str]]] = [
        [(f"#{line.citizen.id} {line.citizen.surname}", DESK.data("view", line.citizen.id))]
        for line in shown
    ]
    nav = []
    if page > 1:
        nav.append((texts.BUTTON_PREVIOUS, _page_data(page - 1, comune_code)))
    if page * PAGE_SIZE < len(lines):
        nav.append((texts.BUTTON_FOLLOWING, _page_data(page + 1, comune_code)))
    if nav:
        rows.append(nav)
    rows.append([(texts.BUTTON_EXPORT, DESK.data("export"))])
    return keyboards.inline(rows)


async def _show_page(
    update: Update, context: BotContext, page: int, comune_code: str | None = None
) -> None:
    services = context.services
    lines = await citizens.desk(
        services, context.actor, services.now(), services.local_now(), comune_code=comune_code
    )
    comune = comune_by_code(comune_code) if comune_code else None
    if not lines:
        await answer_tap(update)
        await reply(update, texts.DESK_EMPTY_COMUNE if comune else texts.DESK_EMPTY)
        return
    page = min(max(page, 1), max(1, -(-len(lines) // PAGE_SIZE)))
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    if comune is not None:
        scope = f"{scope}, {label(comune)}"
    await reply(update, _page_text(lines, page, scope), _page_keyboard(lines, page, comune_code))


@requires(Role.ADMIN)
async def desk(update: Update, context: BotContext) -> None:
    """/isolamenti, or /isolamenti COMUNE: the people of one comune only."""
    typed = " ".join(context.args or [])
    if not typed:
        await _show_page(update, context, 1)
        return
    try:
        code = comune_code_of(typed)
    except ValidationFailed as error:
        await reply(update, error_text(error))
        return
    await _show_page(update, context, 1, code)


@requires(Role.ADMIN)
async def desk_page(update: Update, context: BotContext) -> None:
    ids = DESK.tapped_ids(update, "page")
    await _show_page(update, context, ids[0] if ids else 1)


@requires(Role.ADMIN)
async def desk_comune_page(update: Update, context: BotContext) -> None:
    found = DESK.tapped_args(update, "cpage", 2)
    if found is None or comune_by_code(found[0]) is None or not found[1].isdigit():
        await answer_tap(update, common.STALE_BUTTON)
        return
    await _show_page(update, context, int(found[1][:6]), found[0])


def _detail_text(detail: DeskDetail, today: date) -> str:
    line = detail.line
    citizen = line.citizen
    grid = grid_text(_grid(detail, today))
    household = (
        "\n".join(member_line(m, quarantine=True) for m in detail.members) or texts.HOUSEHOLD_EMPTY
    )
    head = render(
        texts.DETAIL,
        id=citizen.id,
        surname=citizen.surname,
        name=citizen.name,
        cf=mask_codice_fiscale(citizen.codice_fiscale),
        age=citizen.age(today),
        comune=label(comune) if (comune := comune_by_code(citizen.comune_code)) else "-",
        status=texts.STATUS_LABELS[line.status],
        d0=format_date(citizen.d0),
        day=line.day,
        onset=render(texts.DETAIL_ONSET, onset=format_date(citizen.onset)) if citizen.onset else "",
        swab=format_date(line.swab_from),
        chats=detail.chats,
        grid=grid,
        members=len(detail.members),
        taken=texts.DETAIL_TAKEN if citizen.household_taken_at else "",
    )
    return head + household


def _grid(detail: DeskDetail, today: date) -> list[tuple[date, Mark]]:
    # A closed isolation's grid stops at its closing day; an open one at today.
    citizen = detail.line.citizen
    last = citizen.closed_at.date() if citizen.closed_at else today
    return day_grid(citizen.d0, max(last, citizen.d0), detail.entries)


async def _send_grid_picture(update: Update, detail: DeskDetail, today: date) -> None:
    """The day grid as a picture, before the text (whose buttons stay the last message)."""
    chat = update.effective_chat
    if chat is None:
        return
    png = await asyncio.to_thread(_draw_grid, _grid(detail, today))
    caption = render(texts.GRID_CAPTION, id=detail.line.citizen.id)
    await chat.send_photo(png, caption=caption, parse_mode=ParseMode.HTML)


def _draw_grid(grid: list[tuple[date, Mark]]) -> bytes:
    # matplotlib (and numpy) are imported on the first picture, in the worker thread: about
    # 45 MB of resident memory that a process drawing no grid never carries.
    from formats.diary_grid import diary_grid_png

    return diary_grid_png(grid, texts.GRID_LEGEND)


def _detail_keyboard(detail: DeskDetail) -> InlineKeyboardMarkup | None:
    citizen = detail.line.citizen
    if not citizen.is_open:
        return None
    rows = [[(texts.BUTTON_CLOSE, DESK.data("close", citizen.id))]]
    if citizen.household_taken_at is None:
        rows.append([(texts.BUTTON_TAKE, DESK.data("take", citizen.id))])
    if detail.line.status.value == "red_flag":
        rows.append([(texts.BUTTON_HANDLED, DESK.data("handled", citizen.id))])
    rows.append([(texts.BUTTON_REISSUE, DESK.data("link", citizen.id))])
    return keyboards.inline(rows)


async def _show_one(update: Update, context: BotContext, citizen_id: int) -> None:
    services = context.services
    detail = await citizens.desk_detail(
        services, context.actor, citizen_id, services.now(), services.local_now()
    )
    if detail is None:
        await answer_tap(update, texts.CITIZEN_NOT_FOUND)
        await reply(update, texts.CITIZEN_NOT_FOUND)
        return
    await _send_grid_picture(update, detail, _today(context))
    await reply(update, _detail_text(detail, _today(context)), _detail_keyboard(detail))


def _id_argument(context: BotContext) -> int | None:
    args = context.args or []
    return int(args[0]) if args and args[0].isdigit() and len(args[0]) < 10 else None


@requires(Role.ADMIN)
async def one(update: Update, context: BotContext) -> None:
    citizen_id = _id_argument(context)
    if citizen_id is None:
        await _show_page(update, context, 1)
        return
    await _show_one(update, context, citizen_id)


@requires(Role.ADMIN)
async def view(update: Update, context: BotContext) -> None:
    ids = DESK.tapped_ids(update, "view")
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    await _show_one(update, context, ids[0])


@requires(Role.ADMIN)
async def act(update: Update, context: BotContext) -> None:
    """close / take / handled / link: one person's actions, each audited by its use case."""
    services = context.services
    now = services.now()
    for verb in ("close", "take", "handled", "link"):
        ids = DESK.tapped_ids(update, verb)
        if ids is not None:
            break
    else:
        await answer_tap(update, common.STALE_BUTTON)
        return
    citizen_id = ids[0]
    if verb == "close":
        closed = await citizens.close_isolation(services, context.actor, citizen_id, now)
        done = closed is not None
        if closed is not None:
            ended = render(texts.ISOLATION_ENDED, initials=closed[0].initials)
            for chat_id in closed[1]:
                await _tell(context, chat_id, ended)
        text = render(texts.CLOSED_DONE, id=citizen_id)
    elif verb == "take":
        done = await citizens.take_household(services, context.actor, citizen_id, now)
        text = render(texts.TAKEN_DONE, id=citizen_id)
    elif verb == "handled":
        done = await citizens.handle_alerts(services, context.actor, citizen_id, now)
        text = render(texts.HANDLED_DONE, id=citizen_id)
    else:
        issued = await citizens.reissue_token(services, context.actor, citizen_id, now)
        done = issued is not None
        text = render(
            texts.REISSUED, id=citizen_id, link=_link(context, issued.token) if issued else ""
        )
    if not done:
        await answer_tap(update, texts.CITIZEN_NOT_FOUND)
        await reply(update, texts.CITIZEN_NOT_FOUND)
        return
    await close_buttons(update)
    await reply(update, text)


async def _tell(context: BotContext, chat_id: int, text: str) -> None:
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError:
        return  # the chat blocked the bot: the ATS told them by phone anyway


@requires(Role.ADMIN)
async def export(update: Update, context: BotContext) -> None:
    """The whole follow-up (people, diary, household) as a workbook: /esporta's use case
    (kind «Isolamenti», no period), audited before it leaves."""
    services = context.services
    today = _today(context)
    request = ExportRequest(ExportKind.ISOLATIONS, None, ExportFormat.XLSX, today)
    exported = await exports_service.export(
        services, context.actor, request, export_labels(services), services.now()
    )
    await answer_tap(update)
    if not isinstance(exported, Exported):
        await reply(update, texts.DESK_EMPTY if exported is None else texts.EXPORT_TOO_BIG)
        return
    chat = update.effective_chat
    assert chat is not None
    people, entries, members = (count for _, count in exported.counts)
    await chat.send_document(
        exported.content,
        filename=exported.filename,
        caption=render(texts.EXPORT_CAPTION, people=people, entries=entries, members=members),
        parse_mode=ParseMode.HTML,
    )


@requires(Role.ADMIN)
async def write_to(update: Update, context: BotContext) -> None:
    """/scrivi N testo: a message from the ATS to one person's chats."""
    assert update.message is not None and update.message.text is not None
    parts = update.message.text.split(maxsplit=2)
    if len(parts) < 3 or not parts[1].isdigit() or len(parts[1]) > 9:
        await reply(update, texts.WRITE_USAGE)
        return
    services = context.services
    chats = await citizens.chats_to_write(services, context.actor, int(parts[1]), services.now())
    if chats is None:
        await reply(update, texts.CITIZEN_NOT_FOUND)
        return
    text = render(texts.FROM_ATS, text=parts[2][: texts.WRITE_MAX])
    for chat_id in chats:
        await _tell(context, chat_id, text)
    await reply(update, render(texts.WRITTEN, id=parts[1]))


@requires(Role.ADMIN)
async def correct(update: Update, context: BotContext) -> None:
    """/d0 N GG/MM/AAAA [esordio GG/MM/AAAA]: correct D0 (and the onset)."""
    args = context.args or []
    today = _today(context)
    try:
        if len(args) not in (2, 3) or not args[0].isdigit() or len(args[0]) > 9:
            raise ValidationFailed("date_invalid", text=" ".join(args)[:30])
        d0 = parse_date(args[1], today)
        check_not_future(d0, today, "D0")
        onset = parse_date(args[2], today) if len(args) == 3 else None
        if onset is not None:
            check_onset(onset, d0, today)
    except ValidationFailed as error:
        await reply(update, texts.CORRECT_USAGE + "\n" + error_text(error))
        return
    services = context.services
    done = await citizens.correct_dates(
        services, context.actor, int(args[0]), d0, onset, services.now()
    )
    await reply(update, render(texts.CORRECTED, id=args[0]) if done else texts.CITIZEN_NOT_FOUND)


@requires(Role.ADMIN)
async def link_chat(update: Update, context: BotContext) -> None:
    args = context.args or []
    if len(args) != 2 or not all(a.isdigit() and len(a) < 16 for a in args):
        await reply(update, texts.LINK_USAGE)
        return
    services = context.services
    linked = await citizens.link_by_hand(
        services, context.actor, int(args[0]), int(args[1]), services.now()
    )
    await reply(update, render(texts.LINKED, id=args[0]) if linked else texts.CITIZEN_NOT_FOUND)


def build() -> FlowHandler:
    return upload_handler(flow, "positivi", register, register_file)


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("isolamenti", desk),
        CommandHandler("isolamento", one),
        CommandHandler("collega", link_chat),
        CommandHandler("scrivi", write_to),
        CommandHandler("d0", correct),
        CallbackQueryHandler(export, pattern=DESK.pattern("export")),
        CallbackQueryHandler(desk_page, pattern=DESK.pattern("page")),
        CallbackQueryHandler(desk_comune_page, pattern=DESK.pattern("cpage")),
        CallbackQueryHandler(view, pattern=DESK.pattern("view")),
        *(
            CallbackQueryHandler(act, pattern=DESK.pattern(verb))
            for verb in ("close", "take", "handled", "link")
        ),
    ]
