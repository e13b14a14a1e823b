"""The pure rules of closing: receipt codes, the reminders before closing, who is told,
the back-off, the admins' filters, and the XLSX."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl  # type: ignore[import-untyped]

from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from conversations.ats.cases import parse_filters
from domain.cases import Case, CaseStatus, complete_case
from domain.closing import (
    ClosedFilter,
    Reminder,
    export_filename,
    new_receipt_code,
    next_attempt,
    normalize_receipt_code,
    recipients,
    review_before_closing,
)
from domain.comuni import comune_by_code
from domain.contacts import Contact, ContactData, ContactSource
from domain.invitations import ALPHABET
from domain.people import Role
from formats.case_export import CASE_HEADERS, CONTACT_HEADERS, ExportLabels, case_workbook
from tests.unit.test_cases_rules import TODAY, full_draft

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
ROME = ZoneInfo("Europe/Rome")


def a_case(**changes: object) -> Case:
    return Case(
        id=7,
        status=CaseStatus.CLOSED,
        data=complete_case(full_draft(**changes), TODAY),
        version=1,
        created_by=1,
        created_at=NOW,
        updated_at=NOW,
        closed_at=NOW,
        receipt_code="ABCD-EFGH",
    )


def a_contact(
    contact_id: int,
    last: date,
    role: Role = Role.STUDENT,
    section: str = "B",
    phone: str | None = "+393331112222",
) -> Contact:
    data = ContactData(
        role=role,
        class_name="3",
        section=section,
        surname="ROSSI",
        name="MARIO",
        codice_fiscale="RSSMRA15A01F205J",
        birth_date=date(2015, 1, 1),
        comune=comune_by_code("F205"),
        phone=phone,
        last_contact=last,
    )
    return Contact(
        id=contact_id,
        case_id=7,
        number=contact_id,
        data=data,
        source=ContactSource.FORM,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def test_receipt_codes_are_short_grouped_and_unambiguous() -> None:
    codes = {new_receipt_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert all(char in ALPHABET for char in code.replace("-", ""))


def test_receipt_codes_are_read_in_any_case_with_or_without_dash() -> None:
    assert normalize_receipt_code("abcd-efgh") == "ABCD-EFGH"
    assert normalize_receipt_code("ABCDEFGH") == "ABCD-EFGH"
    assert normalize_receipt_code(" abcd efgh ") == "ABCD-EFGH"
    assert normalize_receipt_code("12") is None
    assert normalize_receipt_code("ABCD-EFG0") is None  # 0 is not in the alphabet
    assert normalize_receipt_code("ÄBCD-EFGH") is None


def test_no_contacts_is_pointed_out() -> None:
    assert review_before_closing(a_case(), []).reminders == (Reminder.NO_CONTACTS,)


def test_a_classmate_inside_the_window_raises_nothing() -> None:
    case = a_case()
    review = review_before_closing(case, [a_contact(1, case.data.last_attendance)])
    assert review.reminders == ()


def test_outside_the_window_and_no_classmates() -> None:
    case = a_case()
    late = case.data.last_attendance + timedelta(days=1)
    review = review_before_closing(case, [a_contact(4, late, section="C")])
    assert review.reminders == (Reminder.OUTSIDE_WINDOW, Reminder.NO_CLASSMATES)
    assert review.outside_window == (4,)


def test_a_teacher_case_needs_no_classmates() -> None:
    case = a_case()
    case = case.model_copy(update={"data": case.data.model_copy(update={"role": Role.TEACHER})})
    review = review_before_closing(
        case, [a_contact(1, case.data.last_attendance, role=Role.TEACHER)]
    )
    assert Reminder.NO_CLASSMATES not in review.reminders


def test_recipients_are_the_ats_own_admins_else_the_regional_ones() -> None:
    admins = [(100, "ATS-MILANO"), (101, None), (102, "ATS-VALPADANA"), (103, "ATS-MILANO")]
    assert recipients(admins, "ATS-MILANO") == [100, 103]
    assert recipients(admins, "ATS-BERGAMO") == [101]
    assert recipients([(102, "ATS-VALPADANA")], "ATS-BERGAMO") == []


def test_back_off_doubles_up_to_an_hour() -> None:
    assert next_attempt(1, NOW) == NOW + timedelta(minutes=1)
    assert next_attempt(3, NOW) == NOW + timedelta(minutes=4)
    assert next_attempt(20, NOW) == NOW + timedelta(hours=1)


def test_admin_filters() -> None:
    today = date(2026, 11, 17)
    assert parse_filters([], today) == ClosedFilter()
    assert parse_filters(["mieE8ab01t"], today) == ClosedFilter(plesso_code="MIEE8AB01T")
    assert parse_filters(["30/11/2026", "01/11/2026"], today) == ClosedFilter(
        since=date(2026, 11, 1), until=date(2026, 11, 30)
    )
    assert parse_filters(["01/11/2026"], today) == ClosedFilter(
        since=date(2026, 11, 1), until=today
    )
    try:
        parse_filters(["boh"], today)
    except ValueError as error:
        assert str(error) == "boh"
    else:
        raise AssertionError("a word that is neither a plesso nor a date is refused")


def test_the_workbook_has_the_portal_headers_real_dates_and_no_formulas() -> None:
    case = a_case()
    labels = ExportLabels(
        roles=ROLE_LABELS,
        school_types=SCHOOL_TYPE_LABELS,
        timezone=ROME,
        plesso="Primaria (MIEE8AB01T)",
    )
    contact = a_contact(3, case.data.last_attendance, phone="=HYPERLINK(1)")
    workbook = openpyxl.load_workbook(io.BytesIO(case_workbook(case, [contact], labels)))
    sheet = workbook["Caso"]
    assert tuple(cell.value for cell in sheet[1]) == CASE_HEADERS
    row = dict(zip(CASE_HEADERS, [cell.value for cell in sheet[2]], strict=True))
    assert row["Chiuso il"] == datetime(2026, 11, 17, 9, 30)  # local time
    assert row["Data di nascita"] == datetime.combine(case.data.birth_date, datetime.min.time())
    assert row["Ruolo"] == "Studente"
    assert row["Telefono 1"] == case.data.phone1  # a "+39…" phone as typed, no apostrophe
    assert sheet["M2"].number_format == "dd/mm/yyyy"  # Data di nascita
    assert sheet["T2"].number_format == "dd/mm/yyyy hh:mm"  # Chiuso il
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2" and workbook["Contatti"].freeze_panes == "A2"
    # As wide as the longest cell plus 2, within 8..40: "Id caso" (7), "Chiuso il" (16).
    assert sheet.column_dimensions["A"].width == 9
    assert sheet.column_dimensions["T"].width == 18
    contacts = workbook["Contatti"]
    assert tuple(cell.value for cell in contacts[1]) == CONTACT_HEADERS
    values = dict(zip(CONTACT_HEADERS, [cell.value for cell in contacts[2]], strict=True))
    # An inline string: Excel never evaluates it, so it reads as typed, with no apostrophe.
    assert values["Telefono cellulare"] == "=HYPERLINK(1)"
    assert contacts["K2"].data_type == "s"
    assert values["Comune di domicilio"] == "Milano (MI)"
    assert export_filename(case) == "caso-7-ABCD-EFGH.xlsx"
