"""The school's side of the vaccination-duty check (the «vaccini» role of a plesso): the
status card, the template, the list uploaded, reviewed and sent, the ATS's answer as counts
and a protected file, the follow-up per pupil and its transmission.

Pupils are never named in a message: the follow-up buttons carry the number of the pupil
in the protected file and the class."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Update

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import error_text, plural, render
from bot.catalog import vaccines as texts
from bot.context import BotContext
from bot.replies import answer_tap, close_buttons, reply
from conversations.common.csv_upload import reason
from conversations.vaccines.common import (
    MAX_LISTED,
    day,
    days_left,
    rules_of,
    send_protected,
    today_of,
    year_of,
)
from domain.access import Role
from domain.errors import ValidationFailed
from domain.schools import RowError
from domain.vaccines import Document, ListKind, Service, Stage, StoredPupil, next_deadline
from services import vaccines
from services.vaccines import Refusal, SchoolStatus

SCHOOL = Buttons("vx", "the school's /vaccini: VERB:PLESSO[:ID[:DOCUMENT]]")
PICK, TEMPLATE, UPLOAD, REVIEW, SEND, NO = "pl", "tpl", "up", "rev", "send", "no"
NAMES, ALL_INVITED, FOLLOW_UP, PUPIL, RECORD = "names", "all", "fu", "p", "d"
TRANSMIT, TRANSMIT_YES = "tx", "txok"
INVITED = "inv"
PAGE_SIZE = 10
_REFUSALS = {
    Refusal.NOT_FOUND: texts.NOT_FOUND,
    Refusal.LOCKED: texts.LOCKED,
    Refusal.EMPTY: texts.NOTHING_TO_SEND,
    Refusal.NOT_YET: texts.NOT_PUBLISHED,
}
_SERVICE_LABELS = {
    Service.NIDO: "nido",
    Service.INFANZIA: "infanzia",
    Service.PRIMARIA: "primaria",
    Service.SECONDARIA: "secondaria",
}


# --- the card ---------------------------------------------------------------------------------


async def show_school(update: Update, context: BotContext) -> None:
    """/vaccini for a vaccini holder: the card of their plesso, or a choice of plesso."""
    plessi = await vaccines.school_plessi(context.services, context.actor)
    if len(plessi) == 1:
        await _card(update, context, plessi[0].code)
        return
    rows = [[(f"{p.name} ({p.code})", SCHOOL.data(PICK, p.code))] for p in plessi[:MAX_LISTED]]
    await reply(update, texts.PICK_PLESSO, keyboards.inline(rows))


@requires(Role.VACCINES)
async def pick(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, PICK, 1)
    await answer_tap(update)
    await _card(update, context, found[0] if found else "")


async def _card(update: Update, context: BotContext, code: str) -> None:
    year = year_of(context)
    status = await vaccines.school_status(
        context.services, context.actor, code, year, rules_of(context)
    )
    if status is None:
        await reply(update, texts.NOT_FOUND)
        return
    text = render(
        texts.CARD,
        plesso=status.plesso.name,
        code=status.plesso.code,
        year=year,
        next_year=year + 1,
    ) + _stage_text(status, context)
    await reply(update, text, _card_keyboard(status))


def _stage_text(status: SchoolStatus, context: BotContext) -> str:
    campaign, due = status.campaign, status.deadlines
    lines: list[str] = []
    first = campaign.first_sent
    if first is None:
        draft = campaign.draft
        lines.append(
            render(
                texts.STAGE_DRAFT,
                pupils=plural(draft.pupils, texts.PUPILS),
                refused=plural(draft.rows_refused, texts.ROWS_EXCLUDED),
            )
            if draft
            else texts.STAGE_NO_LIST
        )
    else:
        sent_at = first.sent_at.astimezone(context.services.settings.tz) if first.sent_at else None
        lines.append(
            render(
                texts.STAGE_SENT,
                sent=day(sent_at.date()) if sent_at else "",
                pupils=campaign.sent_pupils,
                receipt=first.receipt or "",
            )
        )
        if campaign.draft is not None:
            lines.append(render(texts.DRAFT_PENDING, pupils=campaign.draft.pupils))
    stage = campaign.stage
    if stage is Stage.SENT:
        lines.append(render(texts.STAGE_WAITING, due=day(due.answer_due)))
    if stage in (Stage.PUBLISHED, Stage.TRANSMITTED):
        counts = status.follow_up
        lines.append(
            render(
                texts.STAGE_PUBLISHED,
                not_in_order=counts.not_in_order,
                invited=counts.invited,
                documents=counts.documents,
                no_document=counts.no_document,
                open=counts.open,
            )
        )
        if status.not_in_order_per_class:
            classes = ", ".join(
                f"{name} {count}"
                for name, count in list(status.not_in_order_per_class.items())[:MAX_LISTED]
            )
            lines.append(render(texts.STAGE_PER_CLASS, classes=classes))
        if stage is Stage.PUBLISHED and status.invite_due is not None:
            lines.append(
                render(
                    texts.STAGE_INVITE_DUE,
                    due=day(status.invite_due),
                    documents=day(due.documents_due),
                )
            )
    if stage is Stage.TRANSMITTED and campaign.transmitted_at is not None:
        sent = campaign.transmitted_at.astimezone(context.services.settings.tz)
        lines.append(render(texts.STAGE_TRANSMITTED, sent=day(sent.date())))
    text = "\n".join(lines)
    upcoming = next_deadline(stage, due, today_of(context))
    if upcoming is not None:
        what, when = upcoming
        text += render(
            texts.NEXT_DEADLINE,
            what=texts.NEXT_LIST if what == "list" else texts.NEXT_OUTCOME,
            due=day(when),
            left=days_left(when, today_of(context)),
        )
    return text


def _card_keyboard(status: SchoolStatus) -> InlineKeyboardMarkup | None:
    code, campaign = status.plesso.code, status.campaign
    stage = campaign.stage
    rows: list[list[keyboards.Button]] = []
    if stage is not Stage.TRANSMITTED:
        upload = texts.BUTTON_UPLOAD if campaign.first_sent is None else texts.BUTTON_UPLOAD_LATE
        rows.append(
            [
                (texts.BUTTON_TEMPLATE, SCHOOL.data(TEMPLATE, code)),
                (upload, SCHOOL.data(UPLOAD, code)),
            ]
        )
        if campaign.draft is not None:
            rows.append([(texts.BUTTON_SEND, SCHOOL.data(REVIEW, code))])
    if stage in (Stage.PUBLISHED, Stage.TRANSMITTED):
        rows.append([(texts.BUTTON_NAMES, SCHOOL.data(NAMES, code))])
    if stage is Stage.PUBLISHED:
        rows.append(
            [
                (texts.BUTTON_ALL_INVITED, SCHOOL.data(ALL_INVITED, code)),
                (texts.BUTTON_FOLLOW_UP, SCHOOL.data(FOLLOW_UP, code, 0)),
            ]
        )
        rows.append([(texts.BUTTON_TRANSMIT, SCHOOL.data(TRANSMIT, code))])
    return keyboards.inline(rows) if rows else None


# --- the list ---------------------------------------------------------------------------------


@requires(Role.VACCINES)
async def template(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, TEMPLATE, 1)
    await answer_tap(update)
    if not found or not context.actor.holds_vaccines(found[0]):
        await reply(update, texts.NOT_FOUND)
        return
    content = await asyncio.to_thread(vaccines.template_file)
    await send_protected(update, content, "modello_elenco_vaccini.xlsx", texts.TEMPLATE_CAPTION)


async def list_received(
    update: Update, context: BotContext, code: str, file_name: str, content: bytes
) -> None:
    """The file of the upload flow: checked, kept as the draft, and the row report."""
    services = context.services
    try:
        uploaded = await vaccines.upload_list(
            services, context.actor, code, year_of(context), file_name, content, services.now()
        )
    except ValidationFailed as error:
        await reply(update, texts.FILE_REFUSED + error_text(error))
        return
    if isinstance(uploaded, Refusal):
        await reply(update, _REFUSALS[uploaded])
        return
    checked = uploaded.checked
    text = render(texts.ROWS_REPORT, valid=len(checked.pupils), errors=len(checked.errors))
    if uploaded.kind is ListKind.LATE:
        text += render(texts.ROWS_REPORT_KIND, kind=texts.KIND_LATE)
    text += row_errors(checked.errors)
    if checked.errors:
        text += texts.ROWS_FIX
    keyboard = keyboards.inline(
        [
            [(texts.BUTTON_SEND, SCHOOL.data(REVIEW, code))]
            if checked.pupils
            else [(texts.BUTTON_UPLOAD, SCHOOL.data(UPLOAD, code))]
        ]
    )
    await reply(update, text, keyboard)


def row_errors(errors: list[RowError]) -> str:
    if not errors:
        return ""
    lines = [
        render(texts.ROW_ERROR, line=error.line, reason="") + reason(error)
        for error in errors[:MAX_LISTED]
    ]
    if len(errors) > MAX_LISTED:
        lines.append(render(texts.ROWS_MORE, more=len(errors) - MAX_LISTED))
    return "\n" + "\n".join(lines)


@requires(Role.VACCINES)
async def review(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, REVIEW, 1)
    await answer_tap(update)
    code = found[0] if found else ""
    result = await vaccines.review(context.services, context.actor, code, year_of(context))
    if isinstance(result, Refusal):
        await reply(update, _REFUSALS[result])
        return
    services_lines = "\n".join(
        render(texts.REVIEW_SERVICE, service=_SERVICE_LABELS[s], count=n)
        for s, n in result.per_service.items()
    )
    text = render(
        texts.REVIEW,
        kind=texts.KIND_FIRST if result.kind is ListKind.FIRST else texts.KIND_LATE,
        pupils=sum(result.per_service.values()),
        services=services_lines,
        refused=render(
            texts.REVIEW_REFUSED, refused=plural(result.rows_refused, texts.ROWS_EXCLUDED)
        )
        if result.rows_refused
        else "",
    )
    keyboard = keyboards.inline(
        [
            [
                (texts.BUTTON_CONFIRM_SEND, SCHOOL.data(SEND, code, result.list_id)),
                (texts.BUTTON_CANCEL, SCHOOL.data(NO, code)),
            ]
        ]
    )
    await reply(update, text, keyboard)


@requires(Role.VACCINES)
async def send(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, SEND, 2)
    await close_buttons(update)
    await answer_tap(update)
    if not found or not found[1].isdigit():
        await reply(update, texts.NOT_FOUND)
        return
    services = context.services
    result = await vaccines.send_list(
        services, context.actor, found[0], year_of(context), int(found[1]), services.now()
    )
    if isinstance(result, Refusal):
        await reply(update, texts.ALREADY_SENT if result is Refusal.LOCKED else _REFUSALS[result])
        return
    local = result.sent_at.astimezone(services.settings.tz)
    await reply(
        update,
        render(
            texts.SENT,
            kind=("Elenco" if result.kind is ListKind.FIRST else "Integrazione"),
            date=day(local.date()),
            time=local.strftime("%H:%M"),
            pupils=result.pupils,
            receipt=result.receipt,
        ),
    )


@requires(Role.VACCINES)
async def cancel_send(update: Update, context: BotContext) -> None:
    await close_buttons(update)
    await answer_tap(update)
    await reply(update, texts.SEND_CANCELLED)


# --- the answer and the follow-up ---------------------------------------------------------


@requires(Role.VACCINES)
async def names(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, NAMES, 1)
    await answer_tap(update)
    code = found[0] if found else ""
    pupils = await vaccines.names_not_in_order(
        context.services, context.actor, code, year_of(context)
    )
    if pupils is None:
        await reply(update, texts.NOT_PUBLISHED)
        return
    content = await vaccines.follow_up_file(context.services, context.actor, code, year_of(context))
    assert content is not None
    await send_protected(
        update,
        content,
        f"non_in_regola_{code}.xlsx",
        render(texts.NAMES_CAPTION, count=len(pupils)),
    )


@requires(Role.VACCINES)
async def all_invited(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, ALL_INVITED, 1)
    await answer_tap(update)
    result = await vaccines.mark_all_invited(
        context.services,
        context.actor,
        found[0] if found else "",
        year_of(context),
        today_of(context),
    )
    if isinstance(result, Refusal):
        await reply(update, _REFUSALS[result])
        return
    await reply(update, render(texts.ALL_INVITED, count=result))


@requires(Role.VACCINES)
async def follow_up_page(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, FOLLOW_UP, 2)
    await answer_tap(update)
    if not found or not found[1].isdigit():
        await reply(update, texts.NOT_FOUND)
        return
    code, page = found[0], int(found[1])
    pupils = await vaccines.names_not_in_order(
        context.services, context.actor, code, year_of(context)
    )
    if pupils is None:
        await reply(update, texts.NOT_PUBLISHED)
        return
    if not pupils:
        await reply(update, texts.FOLLOW_UP_NONE)
        return
    pages = (len(pupils) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(page, pages - 1)
    rows: list[list[keyboards.Button]] = [
        [
            (
                render(
                    texts.FOLLOW_UP_BUTTON,
                    number=number,
                    class_name=pupil.class_name or "-",
                    mark=_mark(pupil),
                ),
                SCHOOL.data(PUPIL, code, pupil.id),
            )
        ]
        for number, pupil in list(enumerate(pupils, start=1))[
            page * PAGE_SIZE : (page + 1) * PAGE_SIZE
        ]
    ]
    turn: list[keyboards.Button] = []
    if page > 0:
        turn.append((texts.BUTTON_PREVIOUS, SCHOOL.data(FOLLOW_UP, code, page - 1)))
    if page + 1 < pages:
        turn.append((texts.BUTTON_NEXT, SCHOOL.data(FOLLOW_UP, code, page + 1)))
    if turn:
        rows.append(turn)
    text = render(texts.FOLLOW_UP_PAGE, total=len(pupils), page=page + 1, pages=pages)
    await reply(update, text, keyboards.inline(rows))


def _mark(pupil: StoredPupil) -> str:
    if pupil.document is Document.NONE:
        return " ✗"
    if pupil.document is not None:
        return " ✓"
    return " ✉" if pupil.invited_on else ""


async def _numbered(
    context: BotContext, code: str, pupil_id: int
) -> tuple[int, StoredPupil] | None:
    pupils = await vaccines.names_not_in_order(
        context.services, context.actor, code, year_of(context)
    )
    for number, pupil in enumerate(pupils or [], start=1):
        if pupil.id == pupil_id:
            return number, pupil
    return None


@requires(Role.VACCINES)
async def pupil(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, PUPIL, 2)
    await answer_tap(update)
    numbered = (
        await _numbered(context, found[0], int(found[1])) if found and found[1].isdigit() else None
    )
    if found is None or numbered is None:
        await reply(update, texts.NOT_FOUND)
        return
    number, item = numbered
    document = (
        render(
            texts.DOCUMENT_ON,
            document=texts.DOCUMENT_BUTTONS[item.document.value],
            date=day(item.document_on),
        )
        if item.document is not None and item.document_on is not None
        else texts.NOT_YET
    )
    text = render(
        texts.PUPIL,
        number=number,
        class_name=item.class_name or "-",
        invited=day(item.invited_on) if item.invited_on else texts.NOT_YET,
        document=document,
    )
    code = found[0]
    buttons = [(texts.BUTTON_INVITED, SCHOOL.data(RECORD, code, item.id, INVITED))] + [
        (label, SCHOOL.data(RECORD, code, item.id, value))
        for value, label in texts.DOCUMENT_BUTTONS.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await reply(update, text, keyboards.inline(rows))


@requires(Role.VACCINES)
async def record(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, RECORD, 3)
    await answer_tap(update)
    choices = {INVITED: None, **{d.value: d for d in Document}}
    if not found or not found[1].isdigit() or found[2] not in choices:
        await reply(update, texts.NOT_FOUND)
        return
    code, pupil_id = found[0], int(found[1])
    refused = await vaccines.record_follow_up(
        context.services,
        context.actor,
        code,
        year_of(context),
        pupil_id,
        choices[found[2]],
        today_of(context),
    )
    if refused is not None:
        await reply(update, _REFUSALS[refused])
        return
    await close_buttons(update)
    numbered = await _numbered(context, code, pupil_id)
    await reply(update, render(texts.RECORDED, number=numbered[0] if numbered else "?"))


@requires(Role.VACCINES)
async def transmit(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, TRANSMIT, 1)
    await answer_tap(update)
    code = found[0] if found else ""
    status = await vaccines.school_status(
        context.services, context.actor, code, year_of(context), rules_of(context)
    )
    if status is None:
        await reply(update, texts.NOT_FOUND)
        return
    if status.campaign.stage is not Stage.PUBLISHED:
        await reply(update, texts.LOCKED if status.campaign.transmitted_at else texts.NOT_PUBLISHED)
        return
    counts = status.follow_up
    text = render(
        texts.TRANSMIT_CONFIRM,
        not_in_order=counts.not_in_order,
        documents=counts.documents,
        no_document=counts.no_document,
        open=counts.open,
    )
    keyboard = keyboards.inline(
        [
            [
                (texts.BUTTON_CONFIRM_TRANSMIT, SCHOOL.data(TRANSMIT_YES, code)),
                (texts.BUTTON_CANCEL, SCHOOL.data(NO, code)),
            ]
        ]
    )
    await reply(update, text, keyboard)


@requires(Role.VACCINES)
async def transmit_yes(update: Update, context: BotContext) -> None:
    found = SCHOOL.tapped_args(update, TRANSMIT_YES, 1)
    await close_buttons(update)
    await answer_tap(update)
    services = context.services
    result = await vaccines.transmit(
        services, context.actor, found[0] if found else "", year_of(context), services.now()
    )
    if isinstance(result, Refusal):
        await reply(update, _REFUSALS[result])
        return
    local = services.now().astimezone(services.settings.tz)
    await reply(
        update, render(texts.TRANSMITTED, date=day(local.date()), time=local.strftime("%H:%M"))
    )
