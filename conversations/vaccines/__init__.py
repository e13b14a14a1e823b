"""The vaccination-duty check (issue 18): /vaccini for the school's «vaccini» role and for
the ATS admins, their buttons, and the upload flow (the school's list, the ATS's answer)."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import public, refuse, requires
from bot.catalog import render
from bot.catalog import vaccines as texts
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, reply
from conversations.vaccines import ats, school
from conversations.vaccines.common import MAX_FILE_BYTES, UploadDraft
from domain.access import Role


class Step(IntEnum):
    LIST_FILE = auto()
    ANSWER_FILE = auto()


flow: Flow[Step] = Flow("vaccines", Step, file_steps=[Step.LIST_FILE, Step.ANSWER_FILE])


@public
async def vaccini(update: Update, context: BotContext) -> None:
    """/vaccini: the ATS's view for an admin (/vaccini CODICE: one school), the school's card
    for a vaccini holder (both for who is both); anyone else is refused."""
    actor = context.actor
    if actor.is_admin:
        if context.args:
            await ats.show_plesso(update, context, context.args[0])
        else:
            await ats.show_overview(update, context)
    if actor.is_vaccines and not (actor.is_admin and context.args):
        await school.show_school(update, context)
    if not actor.is_admin and not actor.is_vaccines:
        await refuse(update, actor, Role.VACCINES)


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    draft = UploadDraft.load(data)
    if step is Step.LIST_FILE:
        await reply(update, texts.ASK_LIST)
    else:
        await reply(update, render(texts.ASK_ANSWER, code=draft.plesso_code))


@requires(Role.VACCINES)
async def start_list(update: Update, context: BotContext) -> Step | int:
    found = school.SCHOOL.tapped_args(update, school.UPLOAD, 1)
    await answer_tap(update)
    if not found or not context.actor.holds_vaccines(found[0]):
        await reply(update, texts.NOT_FOUND)
        return ConversationHandler.END
    return await flow.go(update, context, Step.LIST_FILE, UploadDraft(plesso_code=found[0]).dump())


@requires(Role.ADMIN)
async def start_answer(update: Update, context: BotContext) -> Step | int:
    found = ats.ATS.tapped_args(update, ats.ANSWER, 1)
    await answer_tap(update)
    if not found:
        await reply(update, texts.NOT_FOUND)
        return ConversationHandler.END
    return await flow.go(
        update, context, Step.ANSWER_FILE, UploadDraft(plesso_code=found[0]).dump()
    )


async def _document(update: Update) -> tuple[str, bytes] | None:
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await reply(update, render(texts.FILE_TOO_BIG, max_mb=MAX_FILE_BYTES // 2**20))
        return None
    content = bytes(await (await document.get_file()).download_as_bytearray())
    return document.file_name or "", content


@requires(Role.VACCINES)
async def list_file(update: Update, context: BotContext) -> Step | int:
    draft = UploadDraft.load(await flow.load(update, context))
    received = await _document(update)
    if received is None:
        return Step.LIST_FILE
    await school.list_received(update, context, draft.plesso_code, *received)
    return ConversationHandler.END


@requires(Role.ADMIN)
async def answer_file(update: Update, context: BotContext) -> Step | int:
    draft = UploadDraft.load(await flow.load(update, context))
    received = await _document(update)
    if received is None:
        return Step.ANSWER_FILE
    await ats.answer_received(update, context, draft.plesso_code, *received)
    return ConversationHandler.END


def build() -> FlowHandler:
    return flow.handler(
        entry_points=[
            CallbackQueryHandler(start_list, pattern=school.SCHOOL.pattern(school.UPLOAD)),
            CallbackQueryHandler(start_answer, pattern=ats.ATS.pattern(ats.ANSWER)),
        ],
        states={
            Step.LIST_FILE: [MessageHandler(filters.Document.ALL, list_file)],
            Step.ANSWER_FILE: [MessageHandler(filters.Document.ALL, answer_file)],
        },
    )


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    s, a = school.SCHOOL, ats.ATS
    return [
        CommandHandler("vaccini", vaccini),
        CallbackQueryHandler(school.pick, pattern=s.pattern(school.PICK)),
        CallbackQueryHandler(school.template, pattern=s.pattern(school.TEMPLATE)),
        CallbackQueryHandler(school.review, pattern=s.pattern(school.REVIEW)),
        CallbackQueryHandler(school.send, pattern=s.pattern(school.SEND)),
        CallbackQueryHandler(school.cancel_send, pattern=s.pattern(school.NO)),
        CallbackQueryHandler(school.names, pattern=s.pattern(school.NAMES)),
        CallbackQueryHandler(school.all_invited, pattern=s.pattern(school.ALL_INVITED)),
        CallbackQueryHandler(school.follow_up_page, pattern=s.pattern(school.FOLLOW_UP)),
        CallbackQueryHandler(school.pupil, pattern=s.pattern(school.PUPIL)),
        CallbackQueryHandler(school.record, pattern=s.pattern(school.RECORD)),
        CallbackQueryHandler(school.transmit, pattern=s.pattern(school.TRANSMIT)),
        CallbackQueryHandler(school.transmit_yes, pattern=s.pattern(school.TRANSMIT_YES)),
        CallbackQueryHandler(ats.download, pattern=a.pattern(ats.DOWNLOAD)),
        CallbackQueryHandler(ats.publish, pattern=a.pattern(ats.PUBLISH)),
        CallbackQueryHandler(ats.remind_now, pattern=a.pattern(ats.REMIND)),
        CallbackQueryHandler(ats.outcomes, pattern=a.pattern(ats.OUTCOMES)),
        CallbackQueryHandler(ats.revoke, pattern=a.pattern(ats.REVOKE)),
        CallbackQueryHandler(ats.revoke_yes, pattern=a.pattern(ats.REVOKE_YES)),
        CallbackQueryHandler(ats.revoke_no, pattern=a.pattern(ats.REVOKE_NO)),
    ]
