"""The ATS's side of the vaccination-duty check: /vaccini (where each school stands, the
missing ones with «Ricorda ora»), /vaccini CODICE (one school: its list as XLSX, the answer
file, «Pubblica»), and the outcomes after 20 July as XLSX."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import common, error_text, render
from bot.catalog import vaccines as texts
from bot.context import BotContext
from bot.replies import answer_tap, close_buttons, reply
from conversations.vaccines.common import day, rules_of, send_protected, year_of
from conversations.vaccines.school import row_errors
from domain.access import Role
from domain.errors import ValidationFailed
from domain.vaccines import ListKind, Outcome, short_name
from reminders.vaccines import deliver_soon
from services import vaccines
from services.vaccines import Refusal

ATS = Buttons("va", "the ATS's /vaccini: rem, out, dl:PLESSO, ans:PLESSO, pub:PLESSO")
REMIND, OUTCOMES, DOWNLOAD, ANSWER, PUBLISH = "rem", "out", "dl", "ans", "pub"
REVOKE, REVOKE_YES, REVOKE_NO = "rv", "rvy", "rvn"
# Schools named per list of the overview: 2 × 15 lines of at most ~100 characters, well
# under Telegram's 4,096 with the header; the rest are counted.
MAX_LISTED = 15


def _local_day(context: BotContext, value: datetime | None) -> str:
    return day(value.astimezone(context.services.settings.tz).date()) if value else ""


async def show_overview(update: Update, context: BotContext) -> None:
    """/vaccini for an admin: lists received and missing, of their ATS (counts and school
    names: no pupil)."""
    year = year_of(context)
    view = await vaccines.overview(context.services, context.actor, year, rules_of(context))
    arrived, missing = view.arrived, view.missing
    text = render(
        texts.ATS_OVERVIEW,
        year=year,
        scope=context.actor.admin_ats or common.SCOPE_REGIONAL,
        arrived=len(arrived),
        total=len(view.rows),
        missing=len(missing),
        due=day(view.deadlines.list_due),
    )
    if not view.rows:
        await reply(update, text + texts.ATS_NONE)
        return
    if arrived:
        text += texts.ATS_ARRIVED_HEADER
        for plesso, campaign in arrived[:MAX_LISTED]:
            first = campaign.first_sent
            assert first is not None
            mark = texts.ATS_TRANSMITTED_MARK if campaign.transmitted_at else ""
            mark = texts.ATS_PUBLISHED_MARK + mark if campaign.published_at else mark
            text += (
                "\n"
                + render(
                    texts.ATS_ARRIVED_LINE,
                    name=short_name(plesso.name),
                    code=plesso.code,
                    sent=_local_day(context, first.sent_at),
                    pupils=campaign.sent_pupils,
                )
                + mark
            )
        if len(arrived) > MAX_LISTED:
            text += "\n" + render(texts.ATS_MORE, more=len(arrived) - MAX_LISTED)
    if missing:
        text += texts.ATS_MISSING_HEADER
        for plesso in missing[:MAX_LISTED]:
            text += "\n" + render(
                texts.ATS_MISSING_LINE, name=short_name(plesso.name), code=plesso.code
            )
        if len(missing) > MAX_LISTED:
            text += "\n" + render(texts.ATS_MORE, more=len(missing) - MAX_LISTED)
    rows: list[list[keyboards.Button]] = []
    if missing:
        rows.append([(texts.BUTTON_REMIND, ATS.data(REMIND))])
    rows.append([(texts.BUTTON_OUTCOMES, ATS.data(OUTCOMES))])
    await reply(update, text, keyboards.inline(rows))


async def show_plesso(update: Update, context: BotContext, code: str) -> None:
    """/vaccini CODICE for an admin: one school of their ATS."""
    year = year_of(context)
    found = await vaccines.ats_plesso(context.services, context.actor, code.upper(), year)
    if found is None:
        await reply(update, render(texts.NOT_FOUND))
        return
    campaign = found.campaign
    sent = [item for item in campaign.lists if item.sent_at is not None]
    lists = (
        "\n".join(
            render(
                texts.ATS_LIST_LINE,
                kind="Elenco" if item.kind is ListKind.FIRST else "Integrazione",
                sent=_local_day(context, item.sent_at),
                pupils=item.pupils,
                receipt=item.receipt or "",
            )
            for item in sent
        )
        if sent
        else texts.ATS_NO_LIST
    )
    if campaign.published_at is None:
        state = texts.ATS_STATE_DRAFT
    else:
        counts = found.follow_up
        state = render(
            texts.ATS_STATE_PUBLISHED,
            published=_local_day(context, campaign.published_at),
            invited=counts.invited,
            documents=counts.documents,
            no_document=counts.no_document,
        )
        if campaign.transmitted_at is not None:
            state += render(
                texts.ATS_STATE_TRANSMITTED,
                transmitted=_local_day(context, campaign.transmitted_at),
            )
    outcomes = found.outcomes
    text = "\n".join(
        [
            render(texts.ATS_PLESSO, name=found.plesso.name, code=found.plesso.code, year=year),
            lists,
            render(
                texts.ATS_PLESSO_OUTCOMES,
                in_order=outcomes[Outcome.IN_ORDER],
                not_in_order=outcomes[Outcome.NOT_IN_ORDER],
                not_found=outcomes[Outcome.NOT_FOUND],
                missing=campaign.sent_pupils - sum(outcomes.values()),
            ),
            state,
        ]
    )
    holders = await vaccines.holders(context.services, context.actor, found.plesso.code) or []
    text += "\n" + (
        render(texts.ATS_HOLDERS, names=", ".join(name for _, name in holders))
        if holders
        else render(texts.ATS_NO_HOLDER, code=found.plesso.code)
    )
    rows: list[list[keyboards.Button]] = [
        [
            (
                render(texts.BUTTON_REVOKE, name=name),
                ATS.data(REVOKE, found.plesso.code, referent_id),
            )
        ]
        for referent_id, name in holders[:MAX_LISTED]
    ]
    if sent:
        rows.append([(texts.BUTTON_DOWNLOAD, ATS.data(DOWNLOAD, found.plesso.code))])
        if campaign.published_at is None:
            rows.append(
                [
                    (texts.BUTTON_ANSWER, ATS.data(ANSWER, found.plesso.code)),
                    (texts.BUTTON_PUBLISH, ATS.data(PUBLISH, found.plesso.code)),
                ]
            )
    await reply(update, text, keyboards.inline(rows) if rows else None)


@requires(Role.ADMIN)
async def download(update: Update, context: BotContext) -> None:
    found = ATS.tapped_args(update, DOWNLOAD, 1)
    await answer_tap(update)
    code = found[0] if found else ""
    content = await vaccines.list_file(context.services, context.actor, code, year_of(context))
    if content is None:
        await reply(update, texts.NO_LIST_YET)
        return
    await send_protected(
        update,
        content,
        f"elenco_vaccini_{code}_{year_of(context)}.xlsx",
        render(texts.LIST_CAPTION, code=code),
    )


async def answer_received(
    update: Update, context: BotContext, code: str, file_name: str, content: bytes
) -> None:
    """The answer file of the upload flow: checked against that school's list."""
    services = context.services
    try:
        loaded = await vaccines.load_answer(
            services, context.actor, code, year_of(context), file_name, content, services.now()
        )
    except ValidationFailed as error:
        await reply(update, texts.FILE_REFUSED + error_text(error))
        return
    if isinstance(loaded, Refusal):
        text = {
            Refusal.LOCKED: texts.ANSWER_PUBLISHED_ALREADY,
            Refusal.NOT_YET: texts.NO_LIST_YET,
        }.get(loaded, texts.NOT_FOUND)
        await reply(update, text)
        return
    text = render(
        texts.ANSWER_LOADED,
        code=code,
        recorded=loaded.recorded,
        in_order=loaded.outcomes[Outcome.IN_ORDER],
        not_in_order=loaded.outcomes[Outcome.NOT_IN_ORDER],
        not_found=loaded.outcomes[Outcome.NOT_FOUND],
        errors=len(loaded.errors),
    ) + row_errors(loaded.errors)
    keyboard = keyboards.inline([[(texts.BUTTON_PUBLISH, ATS.data(PUBLISH, code))]])
    await reply(update, text, keyboard)


@requires(Role.ADMIN)
async def publish(update: Update, context: BotContext) -> None:
    found = ATS.tapped_args(update, PUBLISH, 1)
    await answer_tap(update)
    services = context.services
    result = await vaccines.publish(
        services, context.actor, found[0] if found else "", year_of(context), services.now()
    )
    if isinstance(result, Refusal):
        text = {
            Refusal.LOCKED: texts.ANSWER_PUBLISHED_ALREADY,
            Refusal.NOT_YET: texts.PUBLISH_INCOMPLETE,
        }.get(result, texts.NOT_FOUND)
        await reply(update, text)
        return
    await reply(update, render(texts.PUBLISHED, not_in_order=result))
    deliver_soon(context.application)


@requires(Role.ADMIN)
async def remind_now(update: Update, context: BotContext) -> None:
    await answer_tap(update)
    if ATS.tapped_args(update, REMIND, 0) is None:  # forged or malformed
        await reply(update, common.STALE_BUTTON)
        return
    services = context.services
    count = await vaccines.remind_missing_now(
        services, context.actor, year_of(context), services.now()
    )
    await reply(update, render(texts.REMINDED, count=count))
    deliver_soon(context.application)


@requires(Role.ADMIN)
async def outcomes(update: Update, context: BotContext) -> None:
    await answer_tap(update)
    if ATS.tapped_args(update, OUTCOMES, 0) is None:  # forged or malformed
        await reply(update, common.STALE_BUTTON)
        return
    year = year_of(context)
    content = await vaccines.outcomes_file(context.services, context.actor, year)
    await send_protected(
        update, content, f"esiti_vaccini_{year}.xlsx", render(texts.OUTCOMES_CAPTION, year=year)
    )


async def _holder(update: Update, context: BotContext, verb: str) -> tuple[str, int, str] | None:
    """The plesso, referent id and name of a tapped revoke button, if they hold the role."""
    found = ATS.tapped_args(update, verb, 2)
    if not found or not found[1].isdigit():
        return None
    holders = await vaccines.holders(context.services, context.actor, found[0]) or []
    name = next((n for referent_id, n in holders if referent_id == int(found[1])), None)
    return (found[0], int(found[1]), name) if name is not None else None


@requires(Role.ADMIN)
async def revoke(update: Update, context: BotContext) -> None:
    await answer_tap(update)
    holder = await _holder(update, context, REVOKE)
    if holder is None:
        await reply(update, texts.REVOKE_GONE)
        return
    code, referent_id, name = holder
    keyboard = keyboards.inline(
        [
            [
                (texts.BUTTON_YES, ATS.data(REVOKE_YES, code, referent_id)),
                (texts.BUTTON_NO, ATS.data(REVOKE_NO, code, referent_id)),
            ]
        ]
    )
    await reply(update, render(texts.REVOKE_CONFIRM, name=name, code=code), keyboard)


@requires(Role.ADMIN)
async def revoke_yes(update: Update, context: BotContext) -> None:
    await close_buttons(update)
    await answer_tap(update)
    holder = await _holder(update, context, REVOKE_YES)
    services = context.services
    if holder is None or not await vaccines.revoke_holder(
        services, context.actor, holder[0], holder[1], services.now()
    ):
        await reply(update, texts.REVOKE_GONE)
        return
    await reply(update, render(texts.REVOKED, name=holder[2], code=holder[0]))
    deliver_soon(context.application)


@requires(Role.ADMIN)
async def revoke_no(update: Update, context: BotContext) -> None:
    await close_buttons(update)
    await answer_tap(update)
    await reply(update, texts.REVOKE_KEPT)
