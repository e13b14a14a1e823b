"""The contact form's memory and order of questions, without Telegram; its texts and buttons."""

from __future__ import annotations

import json
import string
from datetime import date

import pytest

from bot import keyboards
from bot.catalog import contacts as texts
from bot.catalog import render
from conversations.contacts.buttons import CONTACTS, DELETE_YES, LIST, list_contacts
from conversations.contacts.steps import (
    BUTTONS,
    FIELD_STEP,
    FORM_ORDER,
    IMPORT_ORDER,
    RULE_ANSWER,
    STEP_FIELD,
    ContactForm,
    ContactStep,
)
from conversations.contacts.views import fields_text, summary_text
from domain.close_contact import MaskUse, Question, Verdict
from domain.contact_import import ContactList, ImportedPerson, plan_import
from domain.contacts import ContactDraft, ContactField
from domain.people import Role
from domain.schools import RowError, SchoolType
from tests.unit.test_contacts_rules import contact_draft, facts

Step = ContactStep


def walk(form: ContactForm, answers: dict[Step, object]) -> list[Step]:
    asked: list[ContactStep] = []
    while (step := form.next_step()) is not Step.REVIEW:
        asked.append(step)
        if step is Step.RULES:
            form = form.model_copy(
                update={"check_rules": answers[step], "answered": form.answered | {step}}
            )
        elif step is Step.VERDICT:
            form = form.with_draft(form.draft, step)
        else:
            form = form.answer(step, answers[step])
    return asked


ANSWERS: dict[Step, object] = {
    **{FIELD_STEP[f]: getattr(contact_draft(), f.value) for f in ContactField},
    Step.ADDRESS: None,
    Step.RULES: False,
}


def test_a_classmate_walks_the_portals_order_without_rule_questions() -> None:
    asked = walk(ContactForm(case=facts()), ANSWERS)
    assert asked == [
        step for step in FORM_ORDER if step not in (Step.RULES, Step.RULE, Step.VERDICT)
    ]


def test_a_teacher_of_a_pupil_is_offered_the_rules_after_the_role() -> None:
    answers = {**ANSWERS, Step.ROLE: Role.TEACHER}
    asked = walk(ContactForm(case=facts()), answers)
    assert asked[:3] == [Step.ROLE, Step.RULES, Step.CLASS_NAME]


def test_the_rule_step_lasts_until_the_verdict_and_a_new_role_asks_again() -> None:
    form = ContactForm(case=facts()).answer(Step.ROLE, Role.TEACHER)
    form = form.model_copy(update={"check_rules": True, "answered": form.answered | {Step.RULES}})
    assert form.next_step() is Step.RULE
    form = form.model_copy(
        update={"answers": form.answers.with_answer(Question.MASK, MaskUse.NOT_ALWAYS)}
    )
    assert form.next_step() is Step.VERDICT
    assessment = form.assessment()
    assert assessment is not None and assessment.verdict is Verdict.CLOSE
    form = form.with_draft(form.draft, Step.VERDICT)
    assert form.next_step() is Step.CLASS_NAME
    changed = form.answer(Step.ROLE, Role.STUDENT)
    assert changed.check_rules is None and changed.answers.mask is None
    assert changed.next_step() is Step.CLASS_NAME  # a classmate: no questions
    back = changed.answer(Step.ROLE, Role.STAFF)
    assert back.next_step() is Step.RULES


def test_the_zero_six_rule_needs_no_questions() -> None:
    infanzia = facts(school_type=SchoolType.INFANZIA, section="3")
    form = ContactForm(case=infanzia).answer(Step.ROLE, Role.EDUCATOR)
    assert form.next_step() is Step.CLASS_NAME
    assessment = form.assessment()
    assert assessment is not None and assessment.verdict is Verdict.CLOSE


def test_an_import_asks_four_fields_and_skips_what_is_proposed() -> None:
    batch = ContactDraft(
        role=Role.STUDENT, class_name="3", section="B", last_contact=date(2026, 11, 16)
    )
    form = ContactForm(mode="import", case=facts(), draft=batch, answered=frozenset(IMPORT_ORDER))
    assert form.order() == IMPORT_ORDER
    assert form.next_step() is Step.REVIEW
    no_date = form.model_copy(update={"draft": batch.model_copy(update={"last_contact": None})})
    assert no_date.next_step() is Step.LAST_CONTACT


def test_the_form_survives_json() -> None:
    person = ImportedPerson(
        line=3,
        surname="ROSSI",
        name="MARIO",
        codice_fiscale="RSSMRA15A01F205J",
        birth_date=date(2015, 1, 1),
    )
    form = ContactForm(
        mode="edit",
        case=facts(swab_date=date(2026, 11, 14)),
        contact_id=4,
        version=2,
        draft=contact_draft(),
        answered=frozenset(FORM_ORDER),
        check_rules=True,
        people=(person,),
    )
    form = form.model_copy(update={"answers": form.answers.with_answer(Question.DISTANCE, True)})
    assert ContactForm.load(json.loads(json.dumps(form.dump()))) == form


def test_every_field_has_a_step_and_a_label() -> None:
    assert set(FIELD_STEP) == set(ContactField) == set(texts.FIELD_LABELS)
    assert set(STEP_FIELD.values()) == set(ContactField)
    assert all(step in FORM_ORDER for step in FIELD_STEP.values())


def test_callbacks_are_short_and_checked() -> None:
    longest = BUTTONS.data(RULE_ANSWER, Question.DISTANCE.value, MaskUse.MEALS_ONLY.value)
    assert len(longest.encode()) <= keyboards.MAX_CALLBACK_BYTES
    paging = list_contacts(999_999_999_999, 999_999)
    assert CONTACTS.args(paging, LIST, 2) == ["999999999999", "999999"]
    assert CONTACTS.args(list_contacts(7), LIST, 1) == ["7"]
    for forged in ["ct:dely", "ct:dely:1:2", "ct:dely:<b>", "cs:dely:1", "ct:del:1"]:
        with pytest.raises(keyboards.BadCallback):
            CONTACTS.args(forged, DELETE_YES, 1)


def test_fields_and_summary_escape_values() -> None:
    text = fields_text(contact_draft(section="<b>B</b>", address=None, phone=None), saved=True)
    assert "&lt;b&gt;B&lt;/b&gt;" in text
    assert "Indirizzo: <i>non indicato</i>" in text
    assert "Telefono cellulare: <i>da completare</i>" in text
    person = ImportedPerson(
        line=2,
        surname="<X>",
        name="Y",
        codice_fiscale="RSSMRA15A01F205J",
        birth_date=date(2015, 1, 1),
    )
    errors = [
        RowError(line=5, code="cf_length", params={"length": "3"}),
        RowError(line=5, code="name_empty", params={"field": "<nome>"}),
    ]
    plan = plan_import(ContactList(people=[person], errors=errors), {person.codice_fiscale}, "")
    summary = summary_text(plan, 7)
    assert "riga 2: &lt;X&gt; Y" in summary
    assert "riga 5: Il codice fiscale deve avere 16 caratteri" in summary
    assert "&lt;nome&gt;" in summary


def _templates() -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in vars(texts).items():
        if not name.isupper():
            continue
        if isinstance(value, str):
            found[name] = value
        elif isinstance(value, dict):
            found.update({f"{name}[{key}]": text for key, text in value.items()})
    return found


@pytest.mark.parametrize("name", sorted(_templates()))
def test_every_contact_text_renders_and_is_balanced_html(name: str) -> None:
    template = _templates()[name]
    fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    text = render(template, **{field: "<x&y>" for field in fields})
    assert "<x&y>" not in text
    for tag in ("b", "i", "code"):
        assert text.count(f"<{tag}>") == text.count(f"</{tag}>")


def test_a_long_summary_fits_in_one_message() -> None:
    errors = [RowError(line=n, code="cf_pattern", params={}) for n in range(1, 400)]
    known = [
        ImportedPerson(
            line=n,
            surname="X" * 60,
            name="Y" * 60,
            codice_fiscale=f"RSSMRA15A01F{n:03d}J",
            birth_date=date(2015, 1, 1),
        )
        for n in range(400, 600)
    ]
    found = ContactList(people=known, errors=errors)
    summary = summary_text(plan_import(found, {p.codice_fiscale for p in known}, ""), 7)
    assert len(summary) < 4096
    assert "… e altre" in summary
    assert summary.count("<b>") == summary.count("</b>")


def test_a_rule_answer_counts_only_for_the_pending_question_and_its_choices() -> None:
    form = ContactForm(case=facts()).answer(Step.ROLE, Role.TEACHER)
    form = form.model_copy(update={"check_rules": True, "answered": form.answered | {Step.RULES}})
    assert form.rule_question() is Question.MASK
    assert form.with_rule_answer(Question.DISTANCE.value, "yes") is None  # not asked yet
    assert form.with_rule_answer(Question.MASK.value, "yes") is None  # not a mask answer
    meals = form.with_rule_answer(Question.MASK.value, MaskUse.MEALS_ONLY.value)
    assert meals is not None and meals.answers.mask is MaskUse.MEALS_ONLY
    assert meals.rule_question() is Question.DISTANCE
    assert meals.with_rule_answer(Question.MASK.value, MaskUse.ALWAYS.value) is None  # earlier
    close = meals.with_rule_answer(Question.DISTANCE.value, "no")
    assert close is not None and close.rule_question() is None
    assessment = close.assessment()
    assert assessment is not None and assessment.verdict is Verdict.CLOSE
    assert ContactForm(case=facts()).rule_question() is None  # no role yet
