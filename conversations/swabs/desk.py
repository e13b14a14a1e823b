"""The ATS's side of the swab booking: /puntitampone loads the points and their capacity
(a CSV, bad rows listed with their line numbers), /esito and /esiti post results (told at
once to the person, with protect_content), /chiudigiorno closes a point's day (its holders
are told, with the first alternative), /verifica checks a school pass at the swab point."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    filters,
)

from bot import keyboards
from bot.access import public, requires
from bot.callbacks import Buttons
from bot.catalog import common, render
from bot.catalog import swabs as texts
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.menus import set_citizen_menu
from bot.replies import answer_tap, close_buttons, reply
from conversations.citizens.common import MENU_KEYBOARD
from conversations.common.csv_upload import FileDraft, Step, read_upload, reason, upload_handler
from conversations.swabs.booking import local_now
from domain.access import Role
from domain.codice_fiscale import mask_codice_fiscale
from domain.dates import format_date, parse_date
from domain.errors import ValidationFailed
from domain.schools import RowError
from domain.swabs import (
    STAFF_PATTERN,
    Outcome,
    PassCheck,
    parse_outcome,
    parse_referrals_csv,
    parse_results_csv,
    parse_slots_csv,
)
from formats.swabs import desk_csv, referral_links_csv
from services import swabs
from services.swabs import ResultPosted

MAX_LISTED_ERRORS = 30
MAX_LISTED = 30  # referrals to call in one message (each line < 130 characters)
PASS = Buttons("swp", "/verifica: register the access of a school pass")


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


def _refused_lines(refused: list[RowError]) -> str:
    lines = [
        render(texts.REFUSED_LINE, line=e.line) + reason(e) for e in refused[:MAX_LISTED_ERRORS]
    ]
    return texts.SLOTS_REFUSED_HEADER + "\n" + "\n".join(lines) if lines else ""


# --- /puntitampone --------------------------------------------------------------------------


points_flow: Flow[Step] = Flow("swab_points", Step, file_steps=[Step.FILE])
results_flow: Flow[Step] = Flow("swab_results", Step, file_steps=[Step.FILE])
referrals_flow: Flow[Step] = Flow("swab_referrals", Step, file_steps=[Step.FILE])


@points_flow.asker
async def ask_points(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    await reply(update, texts.ASK_SLOTS)


@results_flow.asker
async def ask_results(
    update: Update, context: BotContext, step: Step, data: dict[str, Any]
) -> None:
    await reply(update, texts.ASK_RESULTS)


@referrals_flow.asker
async def ask_referrals(
    update: Update, context: BotContext, step: Step, data: dict[str, Any]
) -> None:
    await reply(update, texts.ASK_REFERRALS)


async def _ats_upload(update: Update, context: BotContext, flow: Flow[Step]) -> Step | int:
    """The question of an upload that belongs to one ATS: a regional admin loads none."""
    if context.actor.admin_ats is None:
        await reply(update, texts.REGIONAL_ONLY_ATS)
        return ConversationHandler.END
    return await flow.go(update, context, Step.FILE, FileDraft().dump())


@requires(Role.ADMIN)
async def referrals(update: Update, context: BotContext) -> Step | int:
    return await _ats_upload(update, context, referrals_flow)


@requires(Role.ADMIN)
async def referrals_file(update: Update, context: BotContext) -> Step | int:
    ats_code = context.actor.admin_ats
    if ats_code is None:
        await reply(update, texts.REGIONAL_ONLY_ATS)
        return ConversationHandler.END
    today = _today(context)
    read = await read_upload(
        update, context, referrals_flow, lambda data: parse_referrals_csv(data, today)
    )
    if read is None:
        return Step.FILE
    rows, errors = read
    services = context.services
    issued = await swabs.load_referrals(services, context.actor, ats_code, rows, services.now())
    await reply(update, render(texts.REFERRALS_RESULT, added=len(issued)) + _refused_lines(errors))
    if issued:
        tz = services.settings.tz
        link = f"https://t.me/{context.bot.username}?start="
        content = referral_links_csv(
            [
                (
                    i.referral_id,
                    i.phone,
                    f"{i.surname} {i.name}",
                    link + i.token,
                    i.expires_at.astimezone(tz),
                )
                for i in issued
            ]
        )
        chat = update.effective_chat
        assert chat is not None
        await chat.send_document(
            content,
            filename=f"segnalazioni_{_today(context):%Y%m%d}.csv",
            caption=texts.REFERRALS_CAPTION,
        )
    return ConversationHandler.END


@requires(Role.ADMIN)
async def points(update: Update, context: BotContext) -> Step | int:
    return await _ats_upload(update, context, points_flow)


@requires(Role.ADMIN)
async def points_file(update: Update, context: BotContext) -> Step | int:
    ats_code = context.actor.admin_ats
    if ats_code is None:
        await reply(update, texts.REGIONAL_ONLY_ATS)
        return ConversationHandler.END
    today = _today(context)
    parsed = await read_upload(update, context, points_flow, lambda d: parse_slots_csv(d, today))
    if parsed is None:
        return Step.FILE
    services = context.services
    loaded = await swabs.load_slots(services, context.actor, ats_code, parsed, services.now())
    summary = render(texts.SLOTS_RESULT, points=loaded.points, slots=loaded.slots)
    await reply(update, summary + _refused_lines(loaded.refused))
    return ConversationHandler.END


# --- results -------------------------------------------------------------------------------


async def tell_result(context: BotContext, posted: ResultPosted) -> None:
    """The result at once to every chat of the person, protected from forwarding/saving.
    A positive diagnostic swab: the patient is now in isolation, the citizen's menu comes."""
    day = format_date(posted.day)
    keyboard: ReplyKeyboardMarkup | None = None
    if posted.diagnostic and posted.became_case:
        text = render(texts.DIAGNOSTIC_POSITIVE, day=day)
        keyboard = MENU_KEYBOARD
    elif posted.diagnostic:
        text = render(texts.DIAGNOSTIC_NEGATIVE, day=day)
    elif posted.outcome is Outcome.NEGATIVE:
        text = render(texts.RESULT_NEGATIVE, day=day, initials=posted.initials)
    else:
        assert posted.repeat_from is not None
        text = render(
            texts.RESULT_POSITIVE,
            day=day,
            initials=posted.initials,
            again=format_date(posted.repeat_from),
        )
    for chat_id in posted.chats:
        try:
            await context.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                protect_content=True,
                reply_markup=keyboard,
            )
            if keyboard is not None:
                await set_citizen_menu(context.bot, chat_id)
        except TelegramError:
            continue  # the ATS sees the result on its desk; the chat may be blocked


@requires(Role.ADMIN)
async def result(update: Update, context: BotContext) -> None:
    """/esito CODICE negativo|positivo [data]"""
    args = context.args or []
    if len(args) not in (2, 3):
        await reply(update, texts.RESULT_USAGE)
        return
    today = _today(context)
    try:
        outcome = parse_outcome(args[1])
        day = parse_date(args[2], today) if len(args) == 3 else today
    except ValidationFailed:
        await reply(update, texts.RESULT_USAGE)
        return
    services = context.services
    posted = await swabs.post_result(services, context.actor, args[0], outcome, day, services.now())
    if posted is None:
        await reply(update, texts.RESULT_UNKNOWN)
        return
    await tell_result(context, posted)
    await reply(update, render(texts.RESULT_DONE, outcome=outcome.value))


@requires(Role.ADMIN)
async def results(update: Update, context: BotContext) -> Step:
    return await results_flow.go(update, context, Step.FILE, FileDraft().dump())


@requires(Role.ADMIN)
async def results_file(update: Update, context: BotContext) -> Step | int:
    today = _today(context)
    read = await read_upload(
        update, context, results_flow, lambda data: parse_results_csv(data, today)
    )
    if read is None:
        return Step.FILE
    rows, errors = read
    services = context.services
    done = await swabs.post_results(services, context.actor, rows, errors, services.now())
    for posted in done.posted:
        await tell_result(context, posted)
    text = render(texts.RESULTS_DONE, posted=len(done.posted), unknown=len(done.unknown))
    if done.unknown:
        text += render(texts.RESULTS_UNKNOWN_LINES, lines=", ".join(map(str, done.unknown[:50])))
    await reply(update, text + _refused_lines(done.refused))
    return ConversationHandler.END


# --- /chiudigiorno ---------------------------------------------------------------------------


@requires(Role.ADMIN)
async def close_day(update: Update, context: BotContext) -> None:
    """/chiudigiorno PUNTO GG/MM/AAAA"""
    args = context.args or []
    if len(args) != 2:
        await reply(update, texts.CLOSE_DAY_USAGE)
        return
    try:
        day = parse_date(args[1], _today(context))
    except ValidationFailed:
        await reply(update, texts.CLOSE_DAY_USAGE)
        return
    services = context.services
    displaced = await swabs.close_day(
        services, context.actor, args[0], day, services.now(), local_now(context)
    )
    if displaced is None:
        await reply(update, texts.REGIONAL_ONLY_ATS)
        return
    for item in displaced:
        text = render(
            texts.DAY_CLOSED,
            point=item.booking.slot.point.name,
            day=format_date(day),
            code=item.booking.code,
        )
        if item.alternative is not None:
            when = item.alternative.starts_at
            text += render(
                texts.DAY_CLOSED_ALTERNATIVE,
                when=f"{format_date(when.date())} {when:%H:%M}",
                point=item.alternative.point.name,
            )
        for chat_id in item.chats:
            try:
                await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
            except TelegramError:
                continue
    await reply(update, render(texts.CLOSE_DAY_DONE, count=len(displaced)))


# --- /dacontattare ----------------------------------------------------------------------------


@requires(Role.ADMIN)
async def to_call(update: Update, context: BotContext) -> None:
    """The referrals past 24 hours without a swab: the ATS calls them (ATS Milano's target
    is a swab within 24 hours of the referral)."""
    services = context.services
    found = await swabs.referrals_to_call(services, context.actor, services.now())
    if not found:
        await reply(update, texts.TO_CALL_NONE)
        return
    tz = services.settings.tz
    lines = [render(texts.TO_CALL_HEAD, count=len(found))]
    lines += [
        render(
            texts.TO_CALL_LINE,
            id=r.id,
            surname=r.surname,
            name=r.name,
            phone=r.phone,
            doctor=r.doctor,
            since=f"{r.referred_at.astimezone(tz):%d/%m %H:%M}",
        )
        for r in found[:MAX_LISTED]
    ]
    if len(found) > MAX_LISTED:
        lines.append(render(texts.TO_CALL_MORE, more=len(found) - MAX_LISTED))
    await reply(update, "\n".join(lines))


# --- /tamponi ---------------------------------------------------------------------------------

DESK_DAYS = 40  # lines in the message; the file has them all


@requires(Role.ADMIN)
async def desk(update: Update, context: BotContext) -> None:
    """The swab desk: per point and day, the referrals against the 24-hour target, the
    passes per school; the same as a CSV."""
    services = context.services
    figures = await swabs.desk_figures(
        services, context.actor, services.now(), _today(context), services.settings.tz
    )
    lines = [texts.DESK_HEAD]
    lines += [
        render(
            texts.DESK_DAY,
            day=format_date(d.day)[:5],
            point=d.point,
            booked=d.booked,
            capacity=d.capacity,
            direct=d.direct,
            no_shows=d.no_shows,
        )
        for d in figures.days[:DESK_DAYS]
    ]
    if len(figures.days) > DESK_DAYS:
        lines.append(render(texts.DESK_DAYS_MORE, more=len(figures.days) - DESK_DAYS))
    lines.append(
        render(
            texts.DESK_REFERRALS,
            to_call=figures.to_call,
            done=figures.referrals_done,
            to_swab="-" if figures.median_to_swab_hours is None else figures.median_to_swab_hours,
            to_result=(
                "-" if figures.median_to_result_hours is None else figures.median_to_result_hours
            ),
            within=figures.within_target,
        )
    )
    passes = ", ".join(f"{p} {i}/{u}" for p, i, u in figures.passes[:30]) or texts.DESK_NOTHING
    lines.append(render(texts.DESK_PASSES, passes=passes))
    await reply(update, "\n".join(lines))
    chat = update.effective_chat
    assert chat is not None
    rows = [
        (d.point, d.day.isoformat(), d.capacity, d.booked, d.direct, d.no_shows)
        for d in figures.days
    ]
    await chat.send_document(
        desk_csv(rows, figures.passes),
        filename=f"tamponi_{_today(context):%Y%m%d}.csv",
        caption=texts.DESK_CAPTION,
    )


# --- /verifica --------------------------------------------------------------------------------


async def _scope(update: Update, context: BotContext) -> swabs.StaffScope | None:
    """Swab-point staff (or an admin); anyone else is told the command is not for them."""
    scope = await swabs.staff_scope(context.services, context.actor)
    if scope is None:
        text = texts.STAFF_ONLY if context.actor.is_known else common.NOT_REGISTERED
        await answer_tap(update, text)
        await reply(update, text)
    return scope


@public  # swab-point staff or admins: checked by _scope (staff are not a Role of bot.access)
async def verify(update: Update, context: BotContext) -> None:
    """/verifica CODICE: the pass, and «Registra accesso» when valid."""
    scope = await _scope(update, context)
    if scope is None:
        return
    args = context.args or []
    if len(args) != 1:
        await reply(update, texts.VERIFY_USAGE)
        return
    services = context.services
    view = await swabs.verify_pass(services, scope, args[0], services.now())
    if view.check is not PassCheck.VALID or view.swab_pass is None:
        await reply(update, texts.PASS_REFUSED[view.check.value])
        return
    until = view.swab_pass.expires_at.astimezone(services.settings.tz)
    await reply(
        update,
        render(
            texts.PASS_VALID,
            cf=mask_codice_fiscale(view.swab_pass.codice_fiscale),
            year=view.birth_year or "-",
            school=view.school,
            until=f"{format_date(until.date())} {until:%H:%M}",
        ),
        keyboards.inline([[(texts.BUTTON_REGISTER, PASS.data("use", view.swab_pass.id))]]),
    )


@public  # as /verifica
async def use_pass(update: Update, context: BotContext) -> None:
    scope = await _scope(update, context)
    if scope is None:
        return
    ids = PASS.tapped_ids(update, "use")
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON)
        return
    services = context.services
    check = await swabs.register_access(services, context.actor, scope, ids[0], services.now())
    await close_buttons(update)
    if check is PassCheck.VALID:
        await reply(update, texts.PASS_REGISTERED)
    else:
        await reply(update, texts.PASS_REFUSED[check.value])


# --- swab-point staff -------------------------------------------------------------------------


@requires(Role.ADMIN)
async def invite_staff(update: Update, context: BotContext) -> None:
    """/invitapunto ATS: a single-use link for a member of a swab point's staff of the ATS
    (named, so a regional admin says which one)."""
    args = context.args or []
    if len(args) != 1:
        await reply(update, texts.STAFF_INVITE_USAGE)
        return
    services = context.services
    invited = await swabs.invite_staff(services, context.actor, args[0], services.now())
    if invited is None:
        await reply(update, texts.STAFF_INVITE_NOT_YOURS)
        return
    code, expires = invited
    local = expires.astimezone(services.settings.tz)
    await reply(
        update,
        render(
            texts.STAFF_INVITED,
            link=f"https://t.me/{context.bot.username}?start={code}",
            until=f"{format_date(local.date())} {local:%H:%M}",
        ),
    )


@public  # the invitation code is the proof
async def join_staff(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    code = context.args[0] if context.args else ""
    services = context.services
    ats_code = await swabs.join_staff(services, update.effective_user.id, code, services.now())
    if ats_code is None:
        await reply(update, texts.STAFF_LINK_INVALID)
        return
    await reply(update, render(texts.STAFF_JOINED, ats=ats_code))


def staff_link() -> CommandHandler[BotContext, None]:
    """`/start <staff invitation>`: before the referents' onboarding, which keeps the rest."""
    return CommandHandler(
        "start", join_staff, filters=filters.Regex(rf"^/start\s+{STAFF_PATTERN}\s*$")
    )


def build() -> list[FlowHandler]:
    return [
        upload_handler(points_flow, "puntitampone", points, points_file),
        upload_handler(results_flow, "esiti", results, results_file),
        upload_handler(referrals_flow, "segnalazioni", referrals, referrals_file),
    ]


def handlers() -> list[CommandHandler[BotContext, None] | CallbackQueryHandler[BotContext, None]]:
    return [
        CommandHandler("esito", result),
        CommandHandler("chiudigiorno", close_day),
        CommandHandler("dacontattare", to_call),
        CommandHandler("tamponi", desk),
        CommandHandler("verifica", verify),
        CommandHandler("invitapunto", invite_staff),
        CallbackQueryHandler(use_pass, pattern=PASS.pattern("use")),
    ]
