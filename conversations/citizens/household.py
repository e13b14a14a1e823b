"""The household members ("conviventi") a citizen reports: surname, name, codice fiscale
(birth date and sex read back), mobile (optional), last contact or "vive ancora con me",
already positive?, school? Deletable until the ATS takes them in charge, then read-only.
The messages that carried a codice fiscale are deleted once saved."""

from __future__ import annotations

from datetime import date
from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from bot import keyboards
from bot.access import public
from bot.callbacks import Buttons
from bot.catalog import citizens as texts
from bot.catalog import error_text, render
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from conversations.citizens.common import MENU_LABELS, current, delete_at_once, send
from domain.codice_fiscale import mask_codice_fiscale
from domain.dates import check_not_future, format_date, parse_date
from domain.errors import ValidationFailed
from domain.isolation import HouseholdMember, quarantine_end
from domain.people import parse_phone
from domain.schools import validate_codice_meccanografico
from domain.text import collapse_spaces, normalize_person_name
from services import citizens
from services.citizens import MemberRefusal


class Step(IntEnum):
    SURNAME = auto()
    NAME = auto()
    CODICE_FISCALE = auto()
    PHONE = auto()
    CONTACT = auto()
    POSITIVE = auto()
    SCHOOL = auto()
    REVIEW = auto()


flow: Flow[Step] = Flow(
    "citizen_household", Step, button_steps=[Step.POSITIVE, Step.REVIEW], personal=True
)
HOUSE = Buttons("ch", "citizen household members: add, delete, answers")


class MemberDraft(FlowDraft):
    member_id: int = 0  # a member being corrected; 0 for a new one
    reviewing: bool = False  # past the review once: an answer goes back to it
    surname: str = ""
    name: str = ""
    codice_fiscale: str = ""
    phone: str = ""
    last_contact: date | None = None
    already_positive: bool = False
    school: str = ""

    def member(self) -> HouseholdMember:
        return HouseholdMember(
            surname=self.surname,
            name=self.name,
            codice_fiscale=self.codice_fiscale,
            phone=self.phone,
            last_contact=self.last_contact,
            already_positive=self.already_positive,
            school=self.school,
        )


def member_line(member: HouseholdMember, *, quarantine: bool = False) -> str:
    """One member, codice fiscale masked; `quarantine`: with the end of the quarantine from
    the last contact (the ATS desk), by the rules in force then."""
    contact = (
        texts.HOUSEHOLD_LIVES_WITH
        if member.last_contact is None
        else render(texts.HOUSEHOLD_LAST_CONTACT, day=format_date(member.last_contact))
    )
    return (
        render(
            texts.HOUSEHOLD_LINE,
            surname=member.surname,
            name=member.name,
            cf=mask_codice_fiscale(member.codice_fiscale),
            contact=contact,
        )
        + (texts.HOUSEHOLD_POSITIVE if member.already_positive else "")
        + (render(texts.HOUSEHOLD_SCHOOL, school=member.school) if member.school else "")
        + (
            render(texts.HOUSEHOLD_QUARANTINE, day=format_date(quarantine_end(member.last_contact)))
            if quarantine and member.last_contact is not None
            else ""
        )
    )


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


_ONE_BUTTON = {
    Step.PHONE: (texts.BUTTON_SKIP, "skip"),
    Step.CONTACT: (texts.BUTTON_LIVES_WITH, "live"),
    Step.SCHOOL: (texts.BUTTON_NO, "nosch"),
}
_QUESTIONS = {
    Step.SURNAME: texts.ASK_MEMBER_SURNAME,
    Step.NAME: texts.ASK_MEMBER_NAME,
    Step.CODICE_FISCALE: texts.ASK_MEMBER_CF,
    Step.PHONE: texts.ASK_MEMBER_PHONE,
    Step.CONTACT: texts.ASK_MEMBER_CONTACT,
    Step.SCHOOL: texts.ASK_MEMBER_SCHOOL,
}


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    draft = MemberDraft.load(data)
    if step is Step.POSITIVE:
        keyboard = keyboards.inline(
            [[(texts.BUTTON_YES, HOUSE.data("pos", 1)), (texts.BUTTON_NO, HOUSE.data("pos", 0))]]
        )
        await reply(update, texts.ASK_MEMBER_POSITIVE, keyboard)
    elif step is Step.REVIEW:
        fixes = [(label, HOUSE.data("fix", int(fix))) for fix, label in _FIXES.items()]
        rows = [[(texts.BUTTON_SAVE, HOUSE.data("save"))]]
        rows.extend(fixes[i : i + 2] for i in range(0, len(fixes), 2))
        await reply(
            update, texts.MEMBER_REVIEW + member_line(draft.member()), keyboards.inline(rows)
        )
    elif step in _ONE_BUTTON:
        label, verb = _ONE_BUTTON[step]
        await reply(update, _QUESTIONS[step], keyboards.inline([[(label, HOUSE.data(verb))]]))
    else:
        await reply(update, _QUESTIONS[step])


async def show(update: Update, context: BotContext) -> None:
    """The list, with «Elimina» per member and «Aggiungi» while not taken in charge."""
    assert update.effective_user is not None
    found = await citizens.members(context.services, update.effective_user.id, _today(context))
    if found is None:
        await current(update, context)  # says this is not for them
        return
    standing, members = found
    lines = [render(texts.HOUSEHOLD_HEAD, initials=standing.citizen.initials)]
    lines.extend(member_line(m) for m in members)
    if not members:
        lines.append(texts.HOUSEHOLD_EMPTY)
    locked = standing.citizen.household_taken_at is not None or not standing.citizen.is_open
    if locked:
        lines.append(texts.HOUSEHOLD_TAKEN)
        await send(update, "\n".join(lines))
        return
    await reply(update, "\n".join(lines), _list_keyboard(members))


_FIXES = {
    Step.SURNAME: texts.FIX_SURNAME,
    Step.NAME: texts.FIX_NAME,
    Step.CODICE_FISCALE: texts.FIX_CF,
    Step.PHONE: texts.FIX_PHONE,
    Step.CONTACT: texts.FIX_CONTACT,
    Step.POSITIVE: texts.FIX_POSITIVE,
    Step.SCHOOL: texts.FIX_SCHOOL,
}


def _list_keyboard(members: list[HouseholdMember]) -> InlineKeyboardMarkup:
    rows = [
        [
            (render(texts.BUTTON_EDIT_MEMBER, surname=m.surname), HOUSE.data("edit", m.id)),
            (render(texts.BUTTON_DELETE_MEMBER, surname=m.surname), HOUSE.data("del", m.id)),
        ]
        for m in members
    ]
    rows.append([(texts.BUTTON_ADD_MEMBER, HOUSE.data("add"))])
    return keyboards.inline(rows)


@public
async def add(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    if await current(update, context) is None:
        return ConversationHandler.END
    await answer_tap(update)
    return await flow.go(update, context, Step.SURNAME, MemberDraft().dump())


@public
async def edit(update: Update, context: BotContext) -> int:
    """«Modifica»: the member's review, each answer changeable, until taken in charge."""
    assert update.effective_user is not None
    ids = HOUSE.tapped_ids(update, "edit")
    member = (
        await citizens.member_to_edit(
            context.services, update.effective_user.id, ids[0], _today(context)
        )
        if ids
        else None
    )
    await close_buttons(update)
    if member is None:
        await answer_tap(update, texts.MEMBER_GONE)
        return ConversationHandler.END
    await answer_tap(update)
    draft = MemberDraft(
        member_id=member.id,
        reviewing=True,
        **member.model_dump(exclude={"id", "citizen_id"}),
    )
    return await flow.go(update, context, Step.REVIEW, draft.dump())


@public
async def fix(update: Update, context: BotContext) -> int | None:
    """A «Cambia …» button of the review: that question again, then back to the review."""
    ids = HOUSE.tapped_ids(update, "fix")
    step = Step(ids[0]) if ids and ids[0] in {int(s) for s in _FIXES} else None
    if step is None:
        await answer_tap(update, texts.MEMBER_GONE)
        return None
    await close_buttons(update)
    await answer_tap(update)
    draft = MemberDraft.load(await flow.load(update, context))
    draft = draft.model_copy(update={"reviewing": True})
    return await flow.go(update, context, step, draft.dump())


def _next(draft: MemberDraft, step: Step) -> Step:
    return Step.REVIEW if draft.reviewing or step is Step.SCHOOL else Step(step + 1)


@public
async def delete(update: Update, context: BotContext) -> None:
    assert update.effective_user is not None
    ids = HOUSE.tapped_ids(update, "del")
    services = context.services
    deleted = ids is not None and await citizens.delete_member(
        services, update.effective_user.id, ids[0], services.now(), _today(context)
    )
    await close_buttons(update)
    await answer_tap(update, texts.MEMBER_DELETED if deleted else texts.MEMBER_GONE)
    if deleted:
        await show(update, context)


def _parsed_step(step: Step, field: str, parse: Any) -> Any:
    @public
    async def handle(update: Update, context: BotContext) -> Step:
        assert update.message is not None and update.message.text is not None
        draft = MemberDraft.load(await flow.load(update, context))
        if step is Step.CODICE_FISCALE:
            await delete_at_once(update, context)
        try:
            value = parse(update.message.text, _today(context))
        except ValidationFailed as error:
            await reply(update, error_text(error))
            await flow.ask(update, context, step, draft.dump())
            return step
        if step is Step.CODICE_FISCALE and update.effective_user is not None:
            refusal = await citizens.member_cf_refusal(
                context.services, update.effective_user.id, value, _today(context), draft.member_id
            )
            if refusal is MemberRefusal.DUPLICATE:
                await reply(update, texts.MEMBER_DUPLICATE)
                await flow.ask(update, context, step, draft.dump())
                return step
        draft = draft.model_copy(update={field: value})
        if step is Step.CODICE_FISCALE:
            cf = citizens.check_member_cf(value, _today(context))
            await reply(update, render(texts.MEMBER_CF_READ, birth=format_date(cf[1]), sex=cf[2]))
        return await flow.go(update, context, _next(draft, step), draft.dump())

    handle.__name__ = f"household_{field}"
    return handle


def _cf(text: str, today: date) -> str:
    return citizens.check_member_cf(text, today)[0]


def _last_contact(text: str, today: date) -> date:
    day = parse_date(text, today)
    check_not_future(day, today, "ultimo contatto")
    return day


def _school(text: str, today: date) -> str:
    """ "MIEE8AB01T 3A": the plesso's code and the class."""
    parts = collapse_spaces(text).split(" ", 1)
    code = validate_codice_meccanografico(parts[0])
    klass = parts[1].upper()[:10] if len(parts) > 1 else ""
    return f"{code} {klass}".strip()


@public
async def on_button(update: Update, context: BotContext) -> int | None:
    draft = MemberDraft.load(await flow.load(update, context))
    step = await flow.current_step(update, context)
    await close_buttons(update)
    if step is Step.PHONE and HOUSE.tapped_args(update, "skip", 0) is not None:
        draft = draft.model_copy(update={"phone": ""})
        return await flow.go(update, context, _next(draft, step), draft.dump())
    if step is Step.CONTACT and HOUSE.tapped_args(update, "live", 0) is not None:
        draft = draft.model_copy(update={"last_contact": None})
        return await flow.go(update, context, _next(draft, step), draft.dump())
    positive = HOUSE.tapped_args(update, "pos", 1)
    if step is Step.POSITIVE and positive is not None:
        draft = draft.model_copy(update={"already_positive": positive[0] == "1"})
        return await flow.go(update, context, _next(draft, step), draft.dump())
    if step is Step.SCHOOL and HOUSE.tapped_args(update, "nosch", 0) is not None:
        draft = draft.model_copy(update={"school": ""})
        return await flow.go(update, context, _next(draft, step), draft.dump())
    await answer_tap(update, texts.MEMBER_GONE)
    return None


@public
async def save(update: Update, context: BotContext) -> int:
    assert update.effective_user is not None
    await close_buttons(update)
    draft = MemberDraft.load(await flow.load(update, context))
    services = context.services
    added = await citizens.save_member(
        services,
        update.effective_user.id,
        draft.member_id,
        draft.member(),
        services.now(),
        _today(context),
    )
    if added is None:
        await current(update, context)
        return ConversationHandler.END
    if added.refused is MemberRefusal.DUPLICATE:
        await reply(update, texts.MEMBER_DUPLICATE)
    elif added.refused is MemberRefusal.LOCKED:
        await reply(update, texts.MEMBER_LOCKED)
    else:
        await reply(update, texts.MEMBER_UPDATED if draft.member_id else texts.MEMBER_SAVED)
        if added.in_register:
            await reply(update, texts.MEMBER_IN_REGISTER)
    await flow.delete_personal_messages(update, context)
    await show(update, context)
    return ConversationHandler.END


def _surname(text: str, today: date) -> str:
    return normalize_person_name(text, "cognome")


def _name(text: str, today: date) -> str:
    return normalize_person_name(text, "nome")


def _phone(text: str, today: date) -> str:
    return parse_phone(text)


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND & ~filters.Text(list(MENU_LABELS))
    button = CallbackQueryHandler(on_button, pattern=keyboards.pattern(HOUSE.prefix))
    return flow.handler(
        entry_points=[
            CallbackQueryHandler(add, pattern=HOUSE.pattern("add")),
            CallbackQueryHandler(edit, pattern=HOUSE.pattern("edit")),
        ],
        states={
            Step.SURNAME: [MessageHandler(text, _parsed_step(Step.SURNAME, "surname", _surname))],
            Step.NAME: [MessageHandler(text, _parsed_step(Step.NAME, "name", _name))],
            Step.CODICE_FISCALE: [
                MessageHandler(text, _parsed_step(Step.CODICE_FISCALE, "codice_fiscale", _cf))
            ],
            Step.PHONE: [MessageHandler(text, _parsed_step(Step.PHONE, "phone", _phone)), button],
            Step.CONTACT: [
                MessageHandler(text, _parsed_step(Step.CONTACT, "last_contact", _last_contact)),
                button,
            ],
            Step.POSITIVE: [button],
            Step.SCHOOL: [
                MessageHandler(text, _parsed_step(Step.SCHOOL, "school", _school)),
                button,
            ],
            Step.REVIEW: [
                CallbackQueryHandler(save, pattern=HOUSE.pattern("save")),
                CallbackQueryHandler(fix, pattern=HOUSE.pattern("fix")),
            ],
        },
    )


def handlers() -> list[CallbackQueryHandler[BotContext, None]]:
    """Outside the flow: delete a member from the list."""
    return [CallbackQueryHandler(delete, pattern=HOUSE.pattern("del"))]
