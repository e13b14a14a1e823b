"""How a sent-home report is shown: its fields, the text for the family, the buttons under a
sent report, the list lines. The button families of the feature are declared here."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import keyboards
from bot.callbacks import Buttons
from bot.catalog import render
from bot.catalog import senthome as texts
from bot.forms import plain_value
from domain.dates import format_date
from domain.registry import Plesso
from domain.senthome import SentHomeData, SentHomeDraft, SentHomeReport, SentHomeRow, State

# shl:<verb>[:<arg>]: the referent's list and the buttons under a sent report.
REPORTS = Buttons("shl", "sent-home reports: new, Rettifica, list, view (referents)")
NEW = "new"
RECTIFY = "fix"
LIST = "list"
VIEW = "view"
# sha:<verb>[:<arg>]: the admins' list.
ADMIN = Buttons("sha", "sent-home reports of the ATS: pages and one report (admins)")
PAGE = "pg"
SHOW = "view"


def _value(value: object) -> str:
    return texts.NOT_GIVEN if value is None else plain_value(value)


def fields_text(draft: SentHomeDraft | SentHomeData, plesso: Plesso | None) -> str:
    """Every field (symptoms included: the referent's own report, or the ATS)."""
    symptoms = ", ".join(texts.SYMPTOM_LABELS[s] for s in draft.symptoms or ())
    temperature = f"{draft.temperature:.1f} °C".replace(".", ",") if draft.temperature else None
    return render(
        texts.FIELDS,
        plesso=f"{plesso.name} ({plesso.code})" if plesso else _value(draft.plesso_code),
        role=texts.ROLE_LABELS[draft.role] if draft.role else texts.NOT_GIVEN,
        class_name=_value(draft.class_name),
        section=_value(draft.section),
        surname=_value(draft.surname),
        name=_value(draft.name),
        cf=_value(draft.codice_fiscale),
        comune=_value(draft.comune),
        phone1=_value(draft.phone1),
        phone2=_value(draft.phone2),
        day=_value(draft.day),
        time=_value(draft.time),
        symptoms=symptoms or texts.NOT_GIVEN,
        temperature=temperature or texts.NOT_GIVEN,
        handed_to=texts.HANDED_TO_LABELS[draft.handed_to] if draft.handed_to else texts.NOT_GIVEN,
    )


def family_text(data: SentHomeData, plesso: Plesso | None) -> str:
    """A plain text the referent forwards to the family: what to do, no health detail."""
    return render(
        texts.FAMILY_TEXT,
        day=format_date(data.day),
        time=data.time,
        name=data.name.title(),
        plesso=plesso.name if plesso else data.plesso_code,
    )


def sent_keyboard(
    report: SentHomeReport, first: list[keyboards.Button] | None = None
) -> InlineKeyboardMarkup:
    """Under a report: «Rettifica» and «Nuovo allontanamento» (`first`, a row, on top)."""
    return keyboards.inline(
        [
            *([first] if first else []),
            [(texts.BUTTON_CORRECT, REPORTS.data(RECTIFY, report.id))],
            [(texts.BUTTON_NEW, REPORTS.data(NEW, report.data.plesso_code))],
        ]
    )


def list_line(row: SentHomeRow, state: State) -> str:
    return render(
        texts.LIST_LINE,
        report_id=row.id,
        day=format_date(row.day),
        class_name=row.class_name,
        section=row.section,
        surname=row.surname,
        name=row.name,
        state=texts.STATE_LABELS[state],
    )


def initials(name: str, surname: str) -> str:
    return f"{name[:1]}.{surname[:1]}.".upper()


def admin_line(row: SentHomeRow, state: State) -> str:
    return render(
        texts.ADMIN_LINE,
        report_id=row.id,
        plesso=row.plesso_name,
        class_name=row.class_name,
        section=row.section,
        initials=initials(row.name, row.surname),
        state=texts.STATE_LABELS[state],
    )
