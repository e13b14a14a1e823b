"""The rules of a case report: each answer, the whole form on Save, the list's pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from codicefiscale import codicefiscale as cf_lib
from hypothesis import given
from hypothesis import strategies as st

from domain.cases import (
    DUPLICATE_WINDOW,
    OPTIONAL_FIELDS,
    CaseData,
    CaseDraft,
    CaseField,
    IncompleteCase,
    changed_fields,
    check_case,
    clamp_page,
    complete_case,
    duplicate_since,
    page_count,
    parse_birth_date,
    parse_class_name,
    parse_given_name,
    parse_past_date,
    parse_section,
    parse_surname,
)
from domain.codice_fiscale import mask_codice_fiscale, parse_codice_fiscale
from domain.comuni import comune_by_code
from domain.dates import format_date
from domain.people import Role
from domain.schools import SchoolType
from tests.domain.helpers import refused

TODAY = date(2026, 11, 17)  # a Tuesday
STUDENT_CF = "BNCLCU15C02F205O"  # Luca Bianchi, born 02/03/2015 in Milano
STUDENT_BIRTH = date(2015, 3, 2)
TEACHER_CF = "VRDGLI80E50E648Y"  # Giulia Verdi, born 10/05/1980 in Lodi
MILANO = comune_by_code("F205")


def full_draft(**changes: object) -> CaseDraft:
    values: dict[str, object] = {
        "plesso_code": "MIEE8AB01T",
        "school_type": SchoolType.PRIMARIA,
        "class_name": "3",
        "section": "B",
        "referent_name": "MARIA ROSSI",
        "referent_phone": "+393331234567",
        "referent_email": "maria.rossi@scuola.example.it",
        "role": Role.STUDENT,
        "surname": "BIANCHI",
        "name": "LUCA",
        "codice_fiscale": STUDENT_CF,
        "birth_date": STUDENT_BIRTH,
        "comune": MILANO,
        "phone1": "+393471234567",
        "last_attendance": date(2026, 11, 16),
    }
    values.update(changes)
    return CaseDraft.model_validate(values)


# --- single answers -----------------------------------------------------------------------------


def test_names_are_trimmed_collapsed_and_upper_case() -> None:
    assert parse_surname("  de   la  Cruz ") == "DE LA CRUZ"
    assert parse_given_name("anna’maria") == "ANNA'MARIA"
    refused("name_empty", parse_surname, "   ")
    refused("name_invalid_chars", parse_given_name, "Luca2")


def test_class_and_section_are_mandatory_and_short() -> None:
    assert parse_class_name(" 3 ") == "3"
    assert parse_section("Bolla  dei   girasoli") == "Bolla dei girasoli"
    refused("text_empty", parse_class_name, "  ")
    refused("text_too_long", parse_class_name, "x" * 21)
    refused("text_empty", parse_section, "")


def test_zero_six_class_name_goes_in_both_fields() -> None:
    infanzia = CaseDraft(school_type=SchoolType.INFANZIA).with_class_name("Girasoli")
    assert (infanzia.class_name, infanzia.section) == ("Girasoli", "Girasoli")
    nido = CaseDraft(school_type=SchoolType.NIDO).with_class_name("Bolla 1")
    assert nido.section == "Bolla 1"
    primaria = CaseDraft(school_type=SchoolType.PRIMARIA).with_class_name("3")
    assert (primaria.class_name, primaria.section) == ("3", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16/11/2026", date(2026, 11, 16)),
        ("16/11/26", date(2026, 11, 16)),
        ("16-11-2026", date(2026, 11, 16)),
        ("oggi", TODAY),
        ("Ieri", date(2026, 11, 16)),
        ("2026-11-10", date(2026, 11, 10)),
    ],
)
def test_past_dates_in_every_accepted_form(text: str, expected: date) -> None:
    assert parse_past_date(text, TODAY, "ultimo giorno di frequenza") == expected


def test_last_attendance_in_the_future_is_refused_with_both_dates() -> None:
    error = refused("date_in_future", parse_past_date, "18/11/2026", TODAY, "ultimo giorno")
    assert error.params["date"] == "18/11/2026"
    assert error.params["today"] == "17/11/2026"
    refused("date_invalid", parse_past_date, "31/02/2026", TODAY, "ultimo giorno")
    refused("date_invalid", parse_past_date, "domani forse", TODAY, "ultimo giorno")


def test_birth_date_must_match_the_codice_fiscale() -> None:
    cf = parse_codice_fiscale(STUDENT_CF, TODAY)
    assert parse_birth_date("02/03/2015", TODAY, Role.STUDENT, cf) == STUDENT_BIRTH
    error = refused(
        "cf_birth_date_mismatch", parse_birth_date, "03/02/2015", TODAY, Role.STUDENT, cf
    )
    assert error.params == {"cf_date": "02/03/2015", "typed_date": "03/02/2015"}


def test_birth_date_must_be_plausible_for_the_role() -> None:
    refused("birth_implausible_for_role", parse_birth_date, "15/01/1950", TODAY, Role.STUDENT, None)
    refused("birth_implausible_for_role", parse_birth_date, "02/03/2015", TODAY, Role.TEACHER, None)
    assert parse_birth_date("15/01/1960", TODAY, Role.STAFF, None) == date(1960, 1, 15)
    refused("birth_in_future", parse_birth_date, "01/01/2027", TODAY, Role.STUDENT, None)
    refused("date_in_future", parse_birth_date, "01/01/2027", TODAY, None, None)


def test_a_new_code_drops_a_birth_date_it_contradicts() -> None:
    student = parse_codice_fiscale(STUDENT_CF, TODAY)
    teacher = parse_codice_fiscale(TEACHER_CF, TODAY)
    draft = full_draft()
    assert draft.with_codice_fiscale(student).birth_date == STUDENT_BIRTH
    changed = draft.with_codice_fiscale(teacher)
    assert changed.codice_fiscale == TEACHER_CF
    assert changed.birth_date is None


def test_duplicate_window_is_thirty_days() -> None:
    now = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
    assert timedelta(days=30) == DUPLICATE_WINDOW
    assert duplicate_since(now) == datetime(2026, 10, 18, 8, 30, tzinfo=UTC)


def test_masked_codice_fiscale_shows_first_two_and_last_two() -> None:
    assert mask_codice_fiscale(STUDENT_CF) == "BN…5O"


# --- the whole form -----------------------------------------------------------------------------


def test_a_complete_draft_becomes_a_case() -> None:
    data = complete_case(full_draft(), TODAY)
    assert data.codice_fiscale == STUDENT_CF
    assert data.phone2 is None and data.swab_date is None and data.onset_date is None
    assert data.as_draft() == full_draft()


def test_missing_mandatory_fields_are_listed_in_form_order() -> None:
    draft = full_draft(surname=None, class_name=None, phone2=None)
    with pytest.raises(IncompleteCase) as caught:
        complete_case(draft, TODAY)
    assert caught.value.missing == [CaseField.CLASS_NAME, CaseField.SURNAME]
    assert CaseDraft().missing() == [f for f in CaseField if f not in OPTIONAL_FIELDS]


def test_save_checks_the_fields_against_each_other() -> None:
    refused("cf_birth_date_mismatch", complete_case, full_draft(birth_date=date(2015, 3, 3)), TODAY)
    refused("birth_implausible_for_role", complete_case, full_draft(role=Role.TEACHER), TODAY)
    refused("date_in_future", complete_case, full_draft(swab_date=date(2026, 11, 18)), TODAY)
    refused("date_in_future", complete_case, full_draft(onset_date=date(2026, 12, 1)), TODAY)
    refused("date_too_early", complete_case, full_draft(onset_date=date(2014, 1, 1)), TODAY)
    refused("cf_checksum", complete_case, full_draft(codice_fiscale="BNCLCU15C02F205A"), TODAY)


def test_save_on_a_later_day_still_accepts_yesterdays_answers() -> None:
    data = complete_case(full_draft(last_attendance=TODAY), TODAY)
    check_case(data, TODAY + timedelta(days=1))


def test_changed_fields_name_fields_only() -> None:
    before = complete_case(full_draft(), TODAY)
    after = CaseData.model_validate(
        {**before.model_dump(), "surname": "BIANCO", "phone2": "+390212345678"}
    )
    assert changed_fields(before, after) == [CaseField.SURNAME, CaseField.PHONE2]
    assert changed_fields(before, before) == []


def test_case_data_hides_personal_data_in_errors() -> None:
    with pytest.raises(ValueError) as caught:
        CaseData.model_validate({**full_draft().model_dump(), "birth_date": "not a date"})
    assert STUDENT_CF not in str(caught.value)


# --- pages --------------------------------------------------------------------------------------


def test_pages() -> None:
    assert page_count(0) == 1
    assert page_count(5) == 1
    assert page_count(6) == 2
    assert clamp_page(0, 12) == 1
    assert clamp_page(9, 12) == 3
    assert clamp_page(2, 12) == 2


@given(total=st.integers(0, 10_000), size=st.integers(1, 50), page=st.integers(-5, 10_000))
def test_clamped_page_is_always_a_real_page(total: int, size: int, page: int) -> None:
    pages = page_count(total, size)
    current = clamp_page(page, total, size)
    assert 1 <= current <= pages
    assert (pages - 1) * size < max(total, 1) <= pages * size


# --- properties: dates --------------------------------------------------------------------------

past_days = st.dates(min_value=date(2001, 1, 1), max_value=TODAY)
any_days = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))


@given(day=past_days)
def test_every_past_day_reads_back_in_each_format(day: date) -> None:
    for text in (
        format_date(day),
        day.strftime("%d/%m/%y"),
        day.strftime("%d-%m-%Y"),
        f"{day.day}/{day.month}/{day.year}",
    ):
        assert parse_past_date(text, TODAY, "ultimo giorno") == day


@given(day=any_days)
def test_a_past_date_is_never_after_today(day: date) -> None:
    text = format_date(day)
    if day > TODAY:
        refused("date_in_future", parse_past_date, text, TODAY, "data del tampone")
    else:
        assert parse_past_date(text, TODAY, "data del tampone") == day


# --- properties: codici fiscali -----------------------------------------------------------------

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MONTHS = "ABCDEHLMPRST"


@st.composite
def codici_fiscali(draw: st.DrawFn) -> tuple[str, date]:
    """A valid code for someone born in the last 90 years, and their birth date."""
    birth = draw(st.dates(min_value=date(1937, 1, 1), max_value=TODAY))
    female = draw(st.booleans())
    letters = "".join(draw(st.lists(st.sampled_from(_LETTERS), min_size=6, max_size=6)))
    place = draw(st.sampled_from(["F205", "E648", "A794", "Z404"]))
    day = birth.day + (40 if female else 0)
    body = f"{letters}{birth.year % 100:02d}{_MONTHS[birth.month - 1]}{day:02d}{place}"
    return body + cf_lib.encode_cin(body), birth


@given(generated=codici_fiscali(), lower=st.booleans())
def test_every_valid_code_proposes_its_birth_date(generated: tuple[str, date], lower: bool) -> None:
    code, birth = generated
    typed = code.lower() if lower else code
    cf = parse_codice_fiscale(typed, TODAY)
    assert cf.value == code
    assert cf.birth_date == birth
    assert parse_birth_date(format_date(birth), TODAY, None, cf) == birth


@given(generated=codici_fiscali(), shift=st.integers(1, 3000))
def test_a_birth_date_other_than_the_codes_is_refused(
    generated: tuple[str, date], shift: int
) -> None:
    code, birth = generated
    cf = parse_codice_fiscale(code, TODAY)
    other = birth - timedelta(days=shift)
    error = refused("cf_birth_date_mismatch", parse_birth_date, format_date(other), TODAY, None, cf)
    assert error.params["cf_date"] == format_date(birth)
    assert error.params["typed_date"] == format_date(other)


@given(generated=codici_fiscali(), position=st.integers(0, 14))
def test_a_code_with_one_wrong_character_is_refused(
    generated: tuple[str, date], position: int
) -> None:
    code, _ = generated
    original = code[position]
    replacement = "X" if original != "X" else "Y"
    if original.isdigit():
        replacement = str((int(original) + 1) % 10)
    wrong = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValueError):
        parse_codice_fiscale(wrong, TODAY)
