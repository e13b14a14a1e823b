"""The rules of a contact: the contact window, each answer, the whole form on Save."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cases import Case, CaseStatus, complete_case
from domain.codice_fiscale import parse_codice_fiscale
from domain.comuni import comune_by_code
from domain.contacts import (
    CaseFacts,
    ContactData,
    ContactDraft,
    ContactField,
    ContactWindow,
    IncompleteContact,
    changed_fields,
    check_last_contact,
    complete_contact,
    contact_window,
    parse_address,
    parse_last_contact,
    proposed_last_contact,
)
from domain.people import Role
from tests.domain.helpers import refused
from tests.unit.test_cases_rules import STUDENT_CF, TODAY, full_draft

CLASSMATE_CF = "RSSMRA15A01F205J"  # Mario Rossi, born 01/01/2015 in Milano
TEACHER_CF = "CLMLNE82D62F205B"  # Elena Colombo, born 22/04/1982 in Milano
LAST_DAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)


def facts(**changes: object) -> CaseFacts:
    """What the contact rules know of a pupil's case (class 3 B, at school until 16/11)."""
    data = complete_case(full_draft(**changes), TODAY)
    case = Case(
        id=7,
        status=CaseStatus.OPEN,
        data=data,
        version=1,
        created_by=1,
        created_at=NOW,
        updated_at=NOW,
    )
    return CaseFacts.of(case)


def contact_draft(**changes: object) -> ContactDraft:
    values: dict[str, object] = {
        "role": Role.STUDENT,
        "class_name": "3",
        "section": "B",
        "surname": "ROSSI",
        "name": "MARIO",
        "codice_fiscale": CLASSMATE_CF,
        "birth_date": date(2015, 1, 1),
        "comune": comune_by_code("F205"),
        "phone": "+393331112222",
        "last_contact": LAST_DAY,
    }
    values.update(changes)
    return ContactDraft.model_validate(values)


# --- the window -----------------------------------------------------------------------------


def test_the_window_starts_two_days_before_the_swab() -> None:
    window = contact_window(LAST_DAY, date(2026, 11, 14), None)
    assert window == ContactWindow(earliest=date(2026, 11, 12), latest=LAST_DAY)


def test_the_window_starts_two_days_before_the_onset_when_it_is_earlier() -> None:
    window = contact_window(LAST_DAY, date(2026, 11, 14), date(2026, 11, 10))
    assert window.earliest == date(2026, 11, 8)
    later_onset = contact_window(LAST_DAY, date(2026, 11, 10), date(2026, 11, 14))
    assert later_onset.earliest == date(2026, 11, 8)


def test_without_swab_and_onset_only_the_upper_bound_holds() -> None:
    window = contact_window(LAST_DAY, None, None)
    assert window.earliest is None and window.latest == LAST_DAY
    check_last_contact(date(2020, 1, 1), window, TODAY)
    refused("contact_after_attendance", check_last_contact, TODAY, window, TODAY)


def test_a_last_contact_outside_the_window_is_refused_with_the_window() -> None:
    window = contact_window(LAST_DAY, date(2026, 11, 13), None)
    check_last_contact(date(2026, 11, 11), window, TODAY)
    check_last_contact(LAST_DAY, window, TODAY)
    error = refused("contact_outside_window", check_last_contact, date(2026, 11, 10), window, TODAY)
    assert error.params == {"date": "10/11/2026", "earliest": "11/11/2026", "latest": "16/11/2026"}
    refused("contact_outside_window", parse_last_contact, "17/11/2026", TODAY, window)
    refused("date_in_future", parse_last_contact, "18/11/2026", TODAY, window)
    refused("date_invalid", parse_last_contact, "ieri l'altro", TODAY, window)
    assert parse_last_contact("ieri", TODAY, window) == LAST_DAY


def test_a_case_not_at_school_while_contagious_has_an_empty_window() -> None:
    window = contact_window(date(2026, 11, 2), date(2026, 11, 13), None)
    assert window.is_empty
    refused("contact_window_empty", check_last_contact, date(2026, 11, 2), window, TODAY)
    assert proposed_last_contact(window, TODAY) is None


@given(
    last=st.dates(date(2026, 9, 1), TODAY),
    swab=st.none() | st.integers(-10, 10),
    onset=st.none() | st.integers(-10, 10),
    day=st.dates(date(2026, 8, 1), TODAY),
)
def test_a_day_is_accepted_exactly_inside_the_window(
    last: date, swab: int | None, onset: int | None, day: date
) -> None:
    swab_day = last + timedelta(days=swab) if swab is not None else None
    onset_day = last + timedelta(days=onset) if onset is not None else None
    window = contact_window(last, swab_day, onset_day)
    known = [d for d in (swab_day, onset_day) if d is not None]
    inside = day <= last and (not known or day >= min(known) - timedelta(days=2))
    try:
        check_last_contact(day, window, TODAY)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == inside
    for offered in window.days(TODAY, 6):
        check_last_contact(offered, window, TODAY)


def test_the_proposed_last_contact_is_the_last_day_at_school() -> None:
    assert proposed_last_contact(contact_window(LAST_DAY, None, None), TODAY) == LAST_DAY
    assert facts().window.latest == LAST_DAY


# --- answers and Save -------------------------------------------------------------------------


def test_an_address_is_free_text() -> None:
    assert parse_address("  Via  Roma, 12 ") == "Via Roma, 12"
    refused("text_too_long", parse_address, "x" * 201)


def test_a_complete_contact_passes_and_a_missing_field_is_named() -> None:
    data = complete_contact(contact_draft(), facts(), TODAY)
    assert data.address is None and data.to_complete() == []
    with pytest.raises(IncompleteContact) as missing:
        complete_contact(contact_draft(phone=None, comune=None, address=None), facts(), TODAY)
    assert missing.value.missing == [ContactField.COMUNE, ContactField.PHONE]


def test_save_checks_the_fields_against_each_other_and_the_case() -> None:
    case = facts()
    refused(
        "contact_is_case",
        complete_contact,
        contact_draft(codice_fiscale=STUDENT_CF, birth_date=date(2015, 3, 2)),
        case,
        TODAY,
    )
    refused(
        "cf_birth_date_mismatch",
        complete_contact,
        contact_draft(birth_date=date(2015, 1, 2)),
        case,
        TODAY,
    )
    refused(
        "birth_implausible_for_role",
        complete_contact,
        contact_draft(role=Role.TEACHER),
        case,
        TODAY,
    )
    refused(
        "contact_after_attendance", complete_contact, contact_draft(last_contact=TODAY), case, TODAY
    )
    swabbed = facts(swab_date=date(2026, 11, 14))
    refused(
        "contact_outside_window",
        complete_contact,
        contact_draft(last_contact=date(2026, 11, 1)),
        swabbed,
        TODAY,
    )
    teacher = contact_draft(
        role=Role.TEACHER, codice_fiscale=TEACHER_CF, birth_date=date(1982, 4, 22)
    )
    assert complete_contact(teacher, case, TODAY).role is Role.TEACHER


def test_an_imported_contact_may_lack_comune_and_phone() -> None:
    data = ContactData.model_validate(contact_draft(comune=None, phone=None).model_dump())
    assert data.to_complete() == [ContactField.COMUNE, ContactField.PHONE]


def test_a_new_code_drops_a_birth_date_that_contradicts_it() -> None:
    draft = contact_draft().with_codice_fiscale(parse_codice_fiscale(TEACHER_CF, TODAY))
    assert draft.codice_fiscale == TEACHER_CF and draft.birth_date is None
    same = contact_draft().with_codice_fiscale(parse_codice_fiscale(CLASSMATE_CF, TODAY))
    assert same.birth_date == date(2015, 1, 1)


def test_changed_fields_name_fields_never_values() -> None:
    before = complete_contact(contact_draft(), facts(), TODAY)
    after = before.model_copy(update={"phone": "+393330000000", "address": "Via X"})
    assert changed_fields(before, after) == [ContactField.ADDRESS, ContactField.PHONE]
    assert changed_fields(before, before) == []
