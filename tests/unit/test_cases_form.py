"""The case form's memory and its order of questions, without Telegram; and its texts."""

from __future__ import annotations

import json
import string
from datetime import date

import pytest

from bot import keyboards
from bot.catalog import cases as texts
from bot.catalog import render
from conversations.cases.steps import (
    BUTTONS,
    FIELD_STEP,
    ORDER,
    REFERENT_STEPS,
    STEP_FIELD,
    Form,
    Step,
)
from conversations.cases.views import case_fields_text, field_value
from domain.cases import CaseDraft, CaseField
from domain.codice_fiscale import parse_codice_fiscale
from domain.people import Role
from domain.schools import SchoolType
from tests.unit.test_cases_rules import TEACHER_CF, TODAY, full_draft


def new_form() -> Form:
    draft = CaseDraft(referent_name="MARIA ROSSI", referent_phone="+39", referent_email="m@x.it")
    return Form(draft=draft, answered=frozenset(REFERENT_STEPS))


def test_a_new_form_walks_the_portals_order() -> None:
    form = new_form()
    asked: list[Step] = []
    answers: dict[Step, object] = {
        Step.PLESSO: "MIEE8AB01T",
        Step.SCHOOL_TYPE: SchoolType.PRIMARIA,
        Step.CLASS_NAME: "3",
        Step.SECTION: "B",
        Step.ROLE: Role.STUDENT,
        Step.SURNAME: "BIANCHI",
        Step.NAME: "LUCA",
        Step.CODICE_FISCALE: "X",
        Step.BIRTH_DATE: date(2015, 3, 2),
        Step.COMUNE: None,
        Step.PHONE1: "+39",
        Step.PHONE2: None,
        Step.LAST_ATTENDANCE: date(2026, 11, 16),
        Step.SWAB_DATE: None,
        Step.ONSET_DATE: None,
    }
    while (step := form.next_step()) is not Step.REVIEW:
        asked.append(step)
        if step is Step.REFERENT:
            form = form.with_draft(form.draft, Step.REFERENT)
        elif step is Step.COMUNE:
            form = form.answer(step, full_draft().comune)
        else:
            form = form.answer(step, answers[step])
    assert asked == [s for s in ORDER if s not in REFERENT_STEPS]


def test_skipped_optional_fields_are_not_asked_again() -> None:
    form = Form(draft=full_draft(), answered=frozenset(ORDER))
    assert form.next_step() is Step.REVIEW
    assert form.answer(Step.SWAB_DATE, None).next_step() is Step.REVIEW


def test_a_fix_asks_one_question_then_returns_to_the_review() -> None:
    form = Form(mode="edit", case_id=7, version=3, draft=full_draft(), answered=frozenset(ORDER))
    reopened = form.reopen(Step.SURNAME)
    assert reopened.next_step() is Step.SURNAME
    assert reopened.answer(Step.SURNAME, "BIANCO").next_step() is Step.REVIEW


def test_a_new_code_that_contradicts_the_birth_date_asks_it_again() -> None:
    draft = full_draft().model_copy(update={"surname": "VERDI", "name": "GIULIA"})
    form = Form(draft=draft, answered=frozenset(ORDER))
    teacher = parse_codice_fiscale(TEACHER_CF, TODAY)
    changed = form.with_draft(form.draft.with_codice_fiscale(teacher), Step.CODICE_FISCALE)
    assert changed.next_step() is Step.BIRTH_DATE
    answered = changed.answer(Step.BIRTH_DATE, teacher.birth_date)
    assert answered.next_step() is Step.REVIEW


def test_changing_the_referent_asks_its_three_fields() -> None:
    form = new_form().answer(Step.PLESSO, "X").answer(Step.SCHOOL_TYPE, SchoolType.PRIMARIA)
    form = form.answer(Step.CLASS_NAME, "1").answer(Step.SECTION, "A")
    assert form.next_step() is Step.REFERENT
    changed = form.with_draft(form.draft, Step.REFERENT).reopen(*REFERENT_STEPS)
    assert changed.next_step() is Step.REFERENT_NAME
    changed = changed.answer(Step.REFERENT_NAME, "LUCA BIANCHI")
    assert changed.next_step() is Step.REFERENT_PHONE


def test_the_form_survives_json() -> None:
    form = Form(
        mode="edit",
        case_id=7,
        version=3,
        draft=full_draft(swab_date=date(2026, 11, 15)),
        answered=frozenset(ORDER),
        duplicate_accepted=4,
    )
    stored = json.loads(json.dumps(form.dump()))
    assert Form.load(stored) == form
    assert Form.load(json.loads(json.dumps(new_form().dump()))) == new_form()


def test_every_field_has_a_step_and_a_label() -> None:
    assert set(FIELD_STEP) == set(CaseField)
    assert set(STEP_FIELD.values()) == set(CaseField)
    assert set(texts.FIELD_LABELS) == set(CaseField)
    assert all(step in ORDER for step in FIELD_STEP.values())


def test_form_callbacks_are_short_and_checked() -> None:
    longest = BUTTONS.data("day", CaseField.LAST_ATTENDANCE.value, "2026-11-16")
    assert len(longest.encode()) <= keyboards.MAX_CALLBACK_BYTES
    assert BUTTONS.args(longest, "day", 2) == ["last_attendance", "2026-11-16"]
    for field in CaseField:
        data = BUTTONS.data("fix", field.value)
        assert len(data.encode()) <= keyboards.MAX_CALLBACK_BYTES
        assert BUTTONS.args(data, "fix", 1) == [field.value]
    for forged in ["nc:fix", "nc:day:2026-11-16", "cs:fix:surname", "nc:fix:a:b", "nc:fix:<b>"]:
        with pytest.raises(keyboards.BadCallback):
            BUTTONS.args(forged, "fix", 1)


def test_review_text_escapes_values_and_marks_missing_ones() -> None:
    draft = full_draft(class_name="<b>3</b>", phone2=None)
    text = case_fields_text(draft, None)
    assert "&lt;b&gt;3&lt;/b&gt;" in text
    assert "Telefono 2: <i>non indicato</i>" in text
    assert "Comune di domicilio: <b>Milano (MI)</b>" in text
    assert "Data di nascita: <b>02/03/2015</b>" in text
    assert field_value(draft, CaseField.ROLE, None) == "Studente"
    assert field_value(draft, CaseField.SCHOOL_TYPE, None) == "Scuola primaria"


def _templates() -> dict[str, str]:
    return {
        name: value
        for name, value in vars(texts).items()
        if name.isupper() and isinstance(value, str)
    }


@pytest.mark.parametrize("name", sorted(_templates()))
def test_every_case_text_renders_and_is_balanced_html(name: str) -> None:
    template = _templates()[name]
    fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    text = render(template, **{field: "<x&y>" for field in fields})
    assert "<x&y>" not in text
    for tag in ("b", "i"):
        assert text.count(f"<{tag}>") == text.count(f"</{tag}>")


def test_a_code_of_other_names_is_confirmed_first_and_again_after_a_new_name() -> None:
    form = Form(draft=full_draft(), answered=frozenset(ORDER))  # BIANCHI LUCA, their code
    assert form.next_step() is Step.REVIEW
    other = form.answer(Step.SURNAME, "NERI")
    assert other.next_step() is Step.CF_MISMATCH
    confirmed = other.model_copy(
        update={"draft": other.draft.model_copy(update={"cf_mismatch_confirmed": True})}
    )
    assert confirmed.next_step() is Step.REVIEW
    assert confirmed.answer(Step.NAME, "SARA").next_step() is Step.CF_MISMATCH
