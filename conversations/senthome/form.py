"""/allontanamento and «Rettifica»: the sent-home form, one question at a time, a review
with ✏️ per field, then «Invia all'ATS» (it goes at once: a report has no sub-records).

Built like the case form (conversations/cases/form.py) on the FormKit: handlers read the
answer, let a `domain.senthome` rule check it, keep it in the form (saved before the next
question is asked: a restart loses nothing), ask what comes next.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from bot import keyboards
from bot.access import requires
from bot.catalog import cases as case_texts
from bot.catalog import common, error_text, render
from bot.catalog import senthome as texts
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.forms import (
    CANCEL,
    SAVE,
    SKIP,
    TEXT,
    AnyHandler,
    FormKit,
    days_keyboard,
    field_reader,
    fix_button,
    merge_states,
    pairs,
    today_of,
)
from bot.replies import answer_tap, close_buttons, reply
from conversations.senthome.steps import (
    BUTTONS,
    DONE,
    HANDED,
    PICK_PLESSO,
    PICK_ROLE,
    TOGGLE,
    Form,
    Step,
)
from conversations.senthome.views import (
    NEW,
    RECTIFY,
    REPORTS,
    family_text,
    fields_text,
    sent_keyboard,
)
from domain.access import Role
from domain.calendar import SchoolCalendar
from domain.cases import parse_class_name, parse_given_name, parse_section, parse_surname
from domain.codice_fiscale import parse_codice_fiscale
from domain.dates import format_date
from domain.errors import ValidationFailed
from domain.people import parse_phone
from domain.senthome import (
    HandedTo,
    IncompleteReport,
    SentHomeData,
    SentHomeField,
    SentHomeRole,
    Symptom,
    complete_report,
    correction_deadline,
    parse_sent_day,
    parse_sent_time,
    parse_temperature,
    sent_days,
)
from reminders.senthome import deliver_soon
from services import cases as cases_service
from services import senthome as service

flow: Flow[Step] = Flow(
    "senthome",
    Step,
    button_steps=[Step.PLESSO, Step.ROLE, Step.DAY, Step.SYMPTOMS, Step.HANDED_TO, Step.REVIEW],
    personal=True,
)

Result = Step | int


@flow.asker
async def _ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    await _QUESTIONS[step](update, context, Form.load(data))


# --- the questions --------------------------------------------------------------------


async def _plesso(update: Update, context: BotContext, form: Form) -> None:
    buttons = [
        (
            texts.PLESSO_BUTTON.format(name=p.name, comune=p.comune_name),
            BUTTONS.data(PICK_PLESSO, p.code),
        )
        for p in await cases_service.actor_plessi(context.services, context.actor)
    ]
    await reply(update, texts.ASK_PLESSO, keyboards.column(buttons))


async def _role(update: Update, context: BotContext, form: Form) -> None:
    buttons = [
        (label, BUTTONS.data(PICK_ROLE, role.value)) for role, label in texts.ROLE_LABELS.items()
    ]
    await reply(update, texts.ASK_ROLE, keyboards.inline(pairs(buttons)))


async def _codice_fiscale(update: Update, context: BotContext, form: Form) -> None:
    await reply(update, texts.ASK_CODICE_FISCALE)


async def _phone1(update: Update, context: BotContext, form: Form) -> None:
    pupil = form.draft.role is SentHomeRole.PUPIL
    await reply(update, texts.ASK_PHONE_FAMILY if pupil else texts.ASK_PHONE_PERSON)


def _skippable(text: str, field: SentHomeField) -> Callable[[Update, BotContext, Form], Any]:
    async def ask(update: Update, context: BotContext, form: Form) -> None:
        keyboard = keyboards.inline([[(texts.BUTTON_SKIP, BUTTONS.data(SKIP, field.value))]])
        await reply(update, text, keyboard)

    return ask


async def _day(update: Update, context: BotContext, form: Form) -> None:
    code = form.draft.plesso_code
    calendar = await service.calendar_of(context.services, code) if code else SchoolCalendar()
    days = sent_days(calendar, today_of(context), code)
    keyboard = days_keyboard(BUTTONS, SentHomeField.DAY, today_of(context), days)
    await reply(update, texts.ASK_DAY, keyboard)


def _symptoms_keyboard(form: Form) -> InlineKeyboardMarkup:
    rows = [
        [
            (
                (f"✅ {label}" if symptom in form.picking else label),
                BUTTONS.data(TOGGLE, symptom.value),
            )
        ]
        for symptom, label in texts.SYMPTOM_LABELS.items()
    ]
    rows.append([(texts.BUTTON_DONE, BUTTONS.data(DONE))])
    return keyboards.inline(rows)


def _chosen(symptoms: tuple[Symptom, ...]) -> str:
    return ", ".join(texts.SYMPTOM_LABELS[s] for s in symptoms) or texts.NONE_CHOSEN


async def _symptoms(update: Update, context: BotContext, form: Form) -> None:
    await reply(
        update, render(texts.ASK_SYMPTOMS, chosen=_chosen(form.picking)), _symptoms_keyboard(form)
    )


async def _handed_to(update: Update, context: BotContext, form: Form) -> None:
    buttons = [
        (label, BUTTONS.data(HANDED, value.value))
        for value, label in texts.HANDED_TO_LABELS.items()
    ]
    await reply(update, texts.ASK_HANDED_TO, keyboards.column(buttons))


async def review(update: Update, context: BotContext, form: Form) -> None:
    """All the fields, ✏️ for each, then «Invia all'ATS» / Annulla."""
    plesso = await cases_service.plesso(context.services, form.draft.plesso_code)
    header = (
        render(texts.REVIEW_CORRECTION, report_id=form.report_id)
        if form.mode == "correct"
        else texts.REVIEW_NEW
    )
    several = context.actor.referent is not None and len(context.actor.referent.plessi) > 1
    fields = [
        field
        for field in SentHomeField
        if (field is not SentHomeField.PLESSO or (form.mode == "new" and several))
        and (field is not SentHomeField.HANDED_TO or form.draft.role is SentHomeRole.PUPIL)
    ]
    rows = pairs([fix_button(BUTTONS, f, texts.FIELD_LABELS[f]) for f in fields])
    rows.append(
        [
            (
                texts.BUTTON_SEND if form.mode == "new" else texts.BUTTON_SAVE_CORRECTION,
                BUTTONS.data(SAVE),
            ),
            (case_texts.BUTTON_CANCEL, BUTTONS.data(CANCEL)),
        ]
    )
    text = "\n\n".join([header, fields_text(form.draft, plesso)])
    await reply(update, text, keyboards.inline(rows))


def _plain(text: str) -> Callable[[Update, BotContext, Form], Any]:
    async def ask(update: Update, context: BotContext, form: Form) -> None:
        await reply(update, text)

    return ask


_QUESTIONS: dict[Step, Callable[[Update, BotContext, Form], Any]] = {
    Step.PLESSO: _plesso,
    Step.ROLE: _role,
    Step.CLASS_NAME: _plain(texts.ASK_CLASS),
    Step.SECTION: _plain(texts.ASK_SECTION),
    Step.SURNAME: _plain(texts.ASK_SURNAME),
    Step.NAME: _plain(texts.ASK_NAME),
    Step.CODICE_FISCALE: _codice_fiscale,
    Step.COMUNE: _plain(texts.ASK_COMUNE),
    Step.PHONE1: _phone1,
    Step.PHONE2: _skippable(texts.ASK_PHONE2, SentHomeField.PHONE2),
    Step.DAY: _day,
    Step.TIME: _plain(texts.ASK_TIME),
    Step.SYMPTOMS: _symptoms,
    Step.TEMPERATURE: _skippable(texts.ASK_TEMPERATURE, SentHomeField.TEMPERATURE),
    Step.HANDED_TO: _handed_to,
    Step.REVIEW: review,
}

# --- typed answers --------------------------------------------------------------------

Reader = Callable[[str, Form, date], Form]


def _codice_fiscale_read(text: str, form: Form, today: date) -> Form:
    return form.answer(Step.CODICE_FISCALE, parse_codice_fiscale(text, today).value)


def _day_read(text: str, form: Form, today: date) -> Form:
    day = parse_sent_day(text, today)
    form = form.answer(Step.DAY, day)
    # A time typed for another day may now be in the future: ask it again.
    return form.reopen(Step.TIME) if form.draft.time is not None else form


_READERS: dict[Step, Reader] = {
    Step.CLASS_NAME: field_reader(Step.CLASS_NAME, parse_class_name),
    Step.SECTION: field_reader(Step.SECTION, parse_section),
    Step.SURNAME: field_reader(Step.SURNAME, parse_surname),
    Step.NAME: field_reader(Step.NAME, parse_given_name),
    Step.CODICE_FISCALE: _codice_fiscale_read,
    Step.PHONE1: field_reader(Step.PHONE1, parse_phone),
    Step.PHONE2: field_reader(Step.PHONE2, parse_phone),
    Step.DAY: _day_read,
    Step.TEMPERATURE: field_reader(Step.TEMPERATURE, parse_temperature),
}

kit: FormKit[Step, Form] = FormKit(flow, Form, BUTTONS, _READERS)
_load, _go, _again, _stale, _tapped = kit.load, kit.go, kit.again, kit.stale, kit.tapped


@requires(Role.REFERENT)
async def codice_fiscale_typed(update: Update, context: BotContext) -> Step:
    """The code, and what it says (birth date, sex) shown at once."""
    assert update.message is not None and update.message.text is not None
    form = await _load(update, context)
    try:
        code = parse_codice_fiscale(update.message.text, today_of(context))
    except ValidationFailed as error:
        return await _again(update, context, Step.CODICE_FISCALE, error)
    await reply(update, render(texts.CF_READ, birth=format_date(code.birth_date), sex=code.sex))
    return await _go(update, context, form.answer(Step.CODICE_FISCALE, code.value))


@requires(Role.REFERENT)
async def time_typed(update: Update, context: BotContext) -> Step:
    """The time: never later than now when the day is today."""
    assert update.message is not None and update.message.text is not None
    form = await _load(update, context)
    now = context.services.local_now()
    try:
        value = parse_sent_time(update.message.text, form.draft.day, now)
    except ValidationFailed as error:
        return await _again(update, context, Step.TIME, error)
    return await _go(update, context, form.answer(Step.TIME, value))


# --- starting --------------------------------------------------------------------


async def _start_new(update: Update, context: BotContext, plesso_code: str | None) -> Result:
    plessi = await cases_service.actor_plessi(context.services, context.actor)
    if not plessi:
        await reply(update, texts.NO_PLESSO)
        return ConversationHandler.END
    form = Form()
    chosen = next((p for p in plessi if p.code == plesso_code), None)
    if chosen is None and len(plessi) == 1:
        chosen = plessi[0]
    if chosen is not None:
        form = form.answer(Step.PLESSO, chosen.code)
        await reply(
            update,
            render(
                texts.PLESSO_TAKEN, name=chosen.name, code=chosen.code, comune=chosen.comune_name
            ),
        )
    return await _go(update, context, form)


@requires(Role.REFERENT)
async def new_report(update: Update, context: BotContext) -> Result:
    """/allontanamento"""
    return await _start_new(update, context, None)


@requires(Role.REFERENT)
async def new_report_button(update: Update, context: BotContext) -> Result:
    """ "➕ Nuovo allontanamento" under the list."""
    tapped = REPORTS.tapped_args(update, NEW, 1)
    if tapped is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    await close_buttons(update)
    return await _start_new(update, context, tapped[0])


@requires(Role.REFERENT)
async def correct(update: Update, context: BotContext) -> Result:
    """«Rettifica»: the review of the sent report, each field changeable, for 24 hours."""
    tapped = REPORTS.tapped_ids(update, RECTIFY)
    services = context.services
    found = await service.report_to_correct(
        services, context.actor, tapped[0] if tapped else None, services.now()
    )
    if found is service.Refusal.LOCKED:
        await answer_tap(update)
        await reply(update, render(texts.LOCKED, report_id=tapped[0] if tapped else ""))
        return ConversationHandler.END
    if isinstance(found, service.Refusal):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    await close_buttons(update)
    form = Form(
        mode="correct",
        report_id=found.id,
        draft=found.data.as_draft(),
        answered=frozenset(Step) - {Step.REVIEW},
        picking=found.data.symptoms,
    )
    return await _go(update, context, form, Step.REVIEW)


# --- buttons --------------------------------------------------------------------


@requires(Role.REFERENT)
async def plesso_picked(update: Update, context: BotContext) -> Step:
    code = _tapped(update, PICK_PLESSO)
    if code is None or not context.actor.holds_plesso(code):
        return await _stale(update, Step.PLESSO)
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.answer(Step.PLESSO, code))


@requires(Role.REFERENT)
async def role_picked(update: Update, context: BotContext) -> Step:
    value = _tapped(update, PICK_ROLE)
    if value not in set(SentHomeRole):
        return await _stale(update, Step.ROLE)
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.answer(Step.ROLE, SentHomeRole(value)))


@requires(Role.REFERENT)
async def symptom_toggled(update: Update, context: BotContext) -> Step:
    value = _tapped(update, TOGGLE)
    if value not in set(Symptom):
        return await _stale(update, Step.SYMPTOMS)
    form = await _load(update, context)
    symptom = Symptom(value)
    chosen = set(form.picking) ^ {symptom}
    picking = tuple(s for s in Symptom if s in chosen)
    form = form.model_copy(update={"picking": picking})
    await flow.save(update, context, Step.SYMPTOMS, form.dump())
    query = update.callback_query
    assert query is not None
    await answer_tap(update)
    await query.edit_message_text(
        render(texts.ASK_SYMPTOMS, chosen=_chosen(picking)),
        parse_mode="HTML",
        reply_markup=_symptoms_keyboard(form),
    )
    return Step.SYMPTOMS


@requires(Role.REFERENT)
async def symptoms_done(update: Update, context: BotContext) -> Step:
    form = await _load(update, context)
    if not form.picking:
        await answer_tap(update, error_text(ValidationFailed("sent_home_no_symptom")), alert=True)
        return Step.SYMPTOMS
    await close_buttons(update)
    return await _go(update, context, form.answer(Step.SYMPTOMS, form.picking))


@requires(Role.REFERENT)
async def handed_picked(update: Update, context: BotContext) -> Step:
    value = _tapped(update, HANDED)
    if value not in set(HandedTo):
        return await _stale(update, Step.HANDED_TO)
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.answer(Step.HANDED_TO, HandedTo(value)))


# --- «Invia all'ATS», «Rettifica», Annulla ---------------------------------------------------


def _missing_text(missing: list[SentHomeField]) -> str:
    return render(texts.MISSING_FIELDS, fields=", ".join(texts.FIELD_LABELS[f] for f in missing))


@requires(Role.REFERENT)
async def send(update: Update, context: BotContext) -> Result:
    await close_buttons(update)
    form = await _load(update, context)
    try:
        data = complete_report(form.draft, context.services.local_now())
    except IncompleteReport as incomplete:
        await reply(update, _missing_text(incomplete.missing))
        return await _go(update, context, form)
    except ValidationFailed as error:
        await reply(update, f"{texts.SEND_REFUSED} {error_text(error)}")
        return await _go(update, context, form, Step.REVIEW)
    if form.mode == "correct":
        return await _save_correction(update, context, form, data)
    return await _send_new(update, context, data)


def _deadline_text(context: BotContext, report: Any) -> str:
    moment = correction_deadline(report).astimezone(context.services.settings.tz)
    return moment.strftime("%d/%m/%Y %H:%M")


async def _send_new(update: Update, context: BotContext, data: SentHomeData) -> Result:
    services = context.services
    settings = services.settings
    sent = await service.send_report(
        services,
        context.actor,
        data,
        services.now(),
        admins=[(entry.user_id, entry.ats_code) for entry in settings.admin_ids],
        rule=service.ClusterRule(
            size=settings.sent_home_cluster_size,
            school_days=settings.sent_home_cluster_school_days,
        ),
    )
    if isinstance(sent, service.Refusal):
        await reply(update, render(texts.PLESSO_REVOKED, code=data.plesso_code))
        return ConversationHandler.END
    deliver_soon(context.application)
    report = sent.report
    values = {
        "report_id": report.id,
        "receipt": report.receipt_code,
        "deadline": _deadline_text(context, report),
    }
    if sent.updated:
        earlier = format_date(report.created_at.astimezone(settings.tz).date())
        await reply(
            update,
            render(texts.UPDATED, initials=data.initials, earlier=earlier, **values),
            sent_keyboard(report),
        )
    else:
        await reply(update, render(texts.SENT, **values), sent_keyboard(report))
    plesso = await cases_service.plesso(services, data.plesso_code)
    await reply(update, texts.FAMILY_HEADER)
    await reply(update, family_text(data, plesso))
    await flow.delete_personal_messages(update, context)
    return ConversationHandler.END


async def _save_correction(
    update: Update, context: BotContext, form: Form, data: SentHomeData
) -> Result:
    services = context.services
    assert form.report_id is not None
    result = await service.correct_report(
        services, context.actor, form.report_id, data, services.now()
    )
    if result is service.Refusal.LOCKED:
        await reply(update, render(texts.LOCKED, report_id=form.report_id))
        return ConversationHandler.END
    if isinstance(result, service.Refusal):
        await reply(update, texts.NOT_FOUND)
        return ConversationHandler.END
    await reply(
        update,
        render(texts.CORRECTED, report_id=result.id, version=result.version),
        sent_keyboard(result),
    )
    await flow.delete_personal_messages(update, context)
    return ConversationHandler.END


@requires(Role.REFERENT)
async def cancel(update: Update, context: BotContext) -> Result:
    await close_buttons(update)
    await reply(update, texts.CANCELLED)
    return ConversationHandler.END


# --- wiring --------------------------------------------------------------------


def _button_steps() -> dict[Step, list[AnyHandler]]:
    fix = kit.fix_handler(
        kit.fix(lambda form, field: field is not SentHomeField.PLESSO or form.mode == "new")
    )
    return {
        Step.PLESSO: [kit.button(PICK_PLESSO, plesso_picked)],
        Step.ROLE: [kit.button(PICK_ROLE, role_picked)],
        Step.CODICE_FISCALE: [MessageHandler(TEXT, codice_fiscale_typed)],
        Step.TIME: [MessageHandler(TEXT, time_typed)],
        Step.SYMPTOMS: [kit.button(TOGGLE, symptom_toggled), kit.button(DONE, symptoms_done)],
        Step.HANDED_TO: [kit.button(HANDED, handed_picked)],
        Step.REVIEW: [kit.button(SAVE, send), kit.button(CANCEL, cancel), fix],
    }


def build() -> FlowHandler:
    return flow.handler(
        entry_points=[
            CommandHandler("allontanamento", new_report),
            CallbackQueryHandler(new_report_button, pattern=REPORTS.pattern(NEW)),
            CallbackQueryHandler(correct, pattern=REPORTS.pattern(RECTIFY)),
        ],
        states=merge_states(
            Step,
            _button_steps(),
            kit.text_states(),
            kit.day_states(Step.DAY),
            kit.skip_states(Step.PHONE2, Step.TEMPERATURE),
            kit.comune_states(Step.COMUNE),
        ),
    )
