"""/scuole: an admin counts the plessi, or loads them from a CSV file."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.access import requires
from bot.catalog import admin as texts
from bot.catalog import common, render
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.replies import reply
from conversations.common.csv_upload import FileDraft, Step, read_upload, reason, upload_handler
from domain.access import Actor, Role
from domain.schools import RowError, parse_schools_csv
from services import registry
from services.registry import SchoolsImported

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_LISTED_ERRORS = 30


flow: Flow[Step] = Flow("schools", Step, file_steps=[Step.FILE])


def _scope(actor: Actor) -> str:
    return actor.admin_ats or common.SCOPE_REGIONAL


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    await reply(update, texts.SCHOOLS_ASK_FILE)


@requires(Role.ADMIN)
async def schools(update: Update, context: BotContext) -> Step:
    counts = await registry.school_counts(context.services, context.actor)
    await reply(
        update,
        render(
            texts.SCHOOLS_COUNT,
            scope=_scope(context.actor),
            total=counts.plessi,
            sentinel=counts.sentinel,
        ),
    )
    return await flow.go(update, context, Step.FILE, FileDraft().dump())


@requires(Role.ADMIN)
async def file_received(update: Update, context: BotContext) -> Step | int:
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await reply(update, render(texts.SCHOOLS_FILE_TOO_BIG, max_mb=MAX_FILE_BYTES // 2**20))
        return Step.FILE
    refused = render(texts.SCHOOLS_REFUSED_WHOLE, reason="")
    parsed = await read_upload(update, context, flow, parse_schools_csv, refused=refused)
    if parsed is None:
        return Step.FILE
    services = context.services
    imported = await registry.import_schools(services, context.actor, parsed, services.now())
    await reply(update, _result_text(imported))
    return ConversationHandler.END


def _result_text(imported: SchoolsImported) -> str:
    counts = imported.counts
    summary = render(
        texts.SCHOOLS_RESULT,
        added=counts.added,
        updated=counts.updated,
        unchanged=counts.unchanged,
        refused=len(imported.refused),
    )
    return summary + _refused_rows(imported.refused)


def _refused_rows(errors: list[RowError]) -> str:
    if not errors:
        return ""
    lines = [
        render(texts.SCHOOLS_REFUSED_LINE, line=error.line, reason="") + reason(error)
        for error in errors[:MAX_LISTED_ERRORS]
    ]
    if len(errors) > MAX_LISTED_ERRORS:
        lines.append(render(texts.SCHOOLS_REFUSED_MORE, more=len(errors) - MAX_LISTED_ERRORS))
    return texts.SCHOOLS_REFUSED_HEADER + "\n" + "\n".join(lines)


def build() -> FlowHandler:
    return upload_handler(flow, "scuole", schools, file_received)
