"""«🎫 Pass tampone» under a sent-home report (issue 20): the referent says who the swab is
for; a suspected pupil or staff member gets the school pass (its code, and the code as a QR
image), anyone else is told their proper path."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import common, render
from bot.catalog import swabs as texts
from bot.context import BotContext
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.dates import format_date
from domain.swabs import PassFor
from formats.qr import pass_png
from services import cases as cases_service
from services import senthome, swabs

# sws:ask:<report> asks who the swab is for; sws:for:<report>:<who> answers.
SCHOOL_PASS = Buttons("sws", "school pass from a sent-home report: who the swab is for (referents)")
ASK = "ask"
FOR = "for"


def pass_button(report_id: int) -> keyboards.Button:
    """The button under a referent's sent-home report."""
    return (texts.BUTTON_SCHOOL_PASS, SCHOOL_PASS.data(ASK, report_id))


@requires(Role.REFERENT)
async def pass_asked(update: Update, context: BotContext) -> None:
    ids = SCHOOL_PASS.tapped_ids(update, ASK)
    found = await senthome.own_report(context.services, context.actor, ids[0] if ids else None)
    if isinstance(found, senthome.Refusal):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await answer_tap(update)
    keyboard = keyboards.column(
        [
            (label, SCHOOL_PASS.data(FOR, found.id, who.value))
            for who, label in texts.PASS_FOR_LABELS.items()
        ]
    )
    await reply(update, render(texts.ASK_PASS_FOR, initials=found.data.initials), keyboard)


@requires(Role.REFERENT)
async def pass_chosen(update: Update, context: BotContext) -> None:
    args = SCHOOL_PASS.tapped_args(update, FOR, 2)
    if args is None or not args[0].isdigit() or args[1] not in set(PassFor):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    services = context.services
    who = PassFor(args[1])
    issued = await swabs.issue_report_pass(
        services, context.actor, int(args[0]), who, services.now()
    )
    if issued is swabs.PassRefusal.NOT_FOUND:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await answer_tap(update)
    await close_buttons(update)
    if isinstance(issued, swabs.PassRefusal):
        await reply(update, texts.PASS_NOT_FOR[who])
        return
    school_pass = issued.swab_pass
    plesso = await cases_service.plesso(services, school_pass.plesso_code)
    until = school_pass.expires_at.astimezone(services.settings.tz)
    caption = render(
        texts.PASS_ISSUED,
        code=school_pass.code,
        initials=issued.initials,
        school=plesso.name if plesso else school_pass.plesso_code,
        until=f"{format_date(until.date())} {until:%H:%M}",
        ats=school_pass.ats_code,
    )
    chat = update.effective_chat
    if chat is not None:
        # The code in the caption too: a family without a camera-friendly phone reads it out.
        await chat.send_photo(
            pass_png(school_pass.code), caption=caption, parse_mode=ParseMode.HTML
        )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CallbackQueryHandler(pass_asked, pattern=SCHOOL_PASS.pattern(ASK)),
        CallbackQueryHandler(pass_chosen, pattern=SCHOOL_PASS.pattern(FOR)),
    ]
