"""The ATS definitions of a close contact ("DEFINIZIONI UTILI", seed 001): one test for
each sentence, plus what the helper asks and when it stops asking."""

from __future__ import annotations

import itertools
from typing import cast

import pytest

from bot.catalog import contacts as texts
from domain.close_contact import (
    NO,
    YES,
    Answers,
    MaskUse,
    Question,
    Rule,
    Situation,
    Verdict,
    assess,
    mask_choices,
    next_question,
    questions,
    read_answer,
)
from domain.people import Role

PROTECTED = Answers(mask=MaskUse.ALWAYS, distance=True, physical=False)


def pupil_case(contact: Role, zero_six: bool = False) -> Situation:
    return Situation(case_role=Role.STUDENT, contact_role=contact, zero_six=zero_six)


def teacher_case(contact: Role, case_role: Role = Role.TEACHER) -> Situation:
    return Situation(case_role=case_role, contact_role=contact, zero_six=False)


def verdict(situation: Situation, answers: Answers) -> tuple[Verdict, tuple[Rule, ...]]:
    found = assess(situation, answers)
    assert found is not None
    return found.verdict, found.rules


# --- NEL CASO DI UN ALUNNO POSITIVO --------------------------------------------------------


def test_classmates_are_always_close_contacts() -> None:
    """«I compagni di classe: sono sempre considerati contatti stretti»."""
    situation = pupil_case(Role.STUDENT)
    assert questions(situation) == ()
    assert verdict(situation, Answers()) == (Verdict.CLOSE, (Rule.CLASSMATES,))
    assert verdict(situation, PROTECTED) == (Verdict.CLOSE, (Rule.CLASSMATES,))


def test_teachers_with_mask_and_distance_are_not_close_contacts() -> None:
    """«NON sono da considerare contatti stretti SE: 1) hanno sempre utilizzato la mascherina
    ed inoltre 2) hanno rispettato il distanziamento di almeno 2 metri dai banchi senza
    colloqui faccia a faccia ... o contatti fisici»."""
    situation = pupil_case(Role.TEACHER)
    assert questions(situation) == (Question.MASK, Question.DISTANCE, Question.PHYSICAL)
    assert verdict(situation, PROTECTED) == (Verdict.NOT_CLOSE, (Rule.TEACHERS_OF_PUPIL,))


@pytest.mark.parametrize(
    "answers",
    [
        Answers(mask=MaskUse.NOT_ALWAYS),
        Answers(mask=MaskUse.ALWAYS, distance=False),
        Answers(mask=MaskUse.ALWAYS, distance=True, physical=True),
    ],
    ids=["no mask", "no distance", "physical contact"],
)
def test_otherwise_teachers_are_close_contacts(answers: Answers) -> None:
    """«In caso contrario sono considerati contatti stretti» — one failed condition is enough,
    and the questions stop there."""
    situation = pupil_case(Role.TEACHER)
    assert verdict(situation, answers) == (Verdict.CLOSE, (Rule.TEACHERS_OF_PUPIL,))
    assert next_question(situation, answers) is None


def test_a_meal_at_one_metre_does_not_make_teachers_close_contacts() -> None:
    """«Gli insegnanti non sono da considerare contatti stretti se è stato garantito il
    distanziamento fisico di 1 metro anche durante il consumo del pasto»."""
    situation = pupil_case(Role.TEACHER)
    assert MaskUse.MEALS_ONLY in mask_choices(situation)
    answers = PROTECTED.with_answer(Question.MASK, MaskUse.MEALS_ONLY)
    assert verdict(situation, answers) == (Verdict.NOT_CLOSE, (Rule.TEACHERS_OF_PUPIL, Rule.MEALS))


@pytest.mark.parametrize("contact", [Role.TEACHER, Role.EDUCATOR, Role.SUPPORT_TEACHER])
def test_nursery_and_preschool_educators_are_always_close_contacts(contact: Role) -> None:
    """«Gli insegnanti/educatori nido e materna: sono sempre considerati contatti stretti»."""
    situation = pupil_case(contact, zero_six=True)
    assert questions(situation) == ()
    assert verdict(situation, PROTECTED) == (Verdict.CLOSE, (Rule.ZERO_SIX,))


def test_support_teachers_are_case_by_case_and_close_with_physical_contact() -> None:
    """«Nel caso dei docenti di sostegno, la situazione va considerata caso per caso; se c'è
    contatto fisico il docente va considerato contatto stretto»."""
    situation = pupil_case(Role.SUPPORT_TEACHER)
    assert questions(situation) == (Question.PHYSICAL,)
    assert next_question(situation, Answers()) is Question.PHYSICAL
    assert verdict(situation, Answers(physical=True)) == (Verdict.CLOSE, (Rule.SUPPORT,))
    assert verdict(situation, Answers(physical=False)) == (Verdict.CASE_BY_CASE, (Rule.SUPPORT,))


def test_staff_are_judged_as_teachers_and_the_verdict_says_so() -> None:
    """The definitions do not name other staff: the teachers' rule applies by analogy."""
    assert verdict(pupil_case(Role.STAFF), PROTECTED) == (
        Verdict.NOT_CLOSE,
        (Rule.TEACHERS_OF_PUPIL, Rule.STAFF_AS_TEACHERS),
    )
    assert verdict(pupil_case(Role.STAFF, zero_six=True), Answers()) == (
        Verdict.CLOSE,
        (Rule.ZERO_SIX, Rule.STAFF_AS_TEACHERS),
    )


# --- NEL CASO DI UN INSEGNANTE POSITIVO ----------------------------------------------------


def test_pupils_of_a_teacher_with_mask_and_distance_are_not_close_contacts() -> None:
    """«Gli studenti: NON sono da considerarsi contatti stretti se l'insegnante positivo
    1) ha sempre utilizzato la mascherina durante le lezioni ed inoltre 2) ha rispettato il
    distanziamento di almeno 2 metri dai banchi ...»."""
    situation = teacher_case(Role.STUDENT)
    assert questions(situation) == (Question.MASK, Question.DISTANCE, Question.PHYSICAL)
    assert verdict(situation, PROTECTED) == (Verdict.NOT_CLOSE, (Rule.PUPILS_OF_TEACHER,))


@pytest.mark.parametrize(
    "answers",
    [
        Answers(mask=MaskUse.NOT_ALWAYS),
        Answers(mask=MaskUse.MEALS_ONLY),  # the meal sentence speaks of teachers as contacts
        Answers(mask=MaskUse.ALWAYS, distance=False),
        Answers(mask=MaskUse.ALWAYS, distance=True, physical=True),
    ],
    ids=["no mask", "mask off at meals", "no distance", "physical contact"],
)
def test_otherwise_the_pupils_of_a_teacher_are_close_contacts(answers: Answers) -> None:
    """«In caso contrario gli studenti/bambini sono considerati contatti stretti»."""
    situation = teacher_case(Role.STUDENT)
    assert MaskUse.MEALS_ONLY not in mask_choices(situation)
    assert verdict(situation, answers) == (Verdict.CLOSE, (Rule.PUPILS_OF_TEACHER,))


@pytest.mark.parametrize("colleague", [Role.TEACHER, Role.SUPPORT_TEACHER, Role.EDUCATOR])
def test_colleagues_with_masks_and_distance_are_not_close_contacts(colleague: Role) -> None:
    """«Gli insegnanti: NON sono da considerarsi contatti stretti dei colleghi se 1) hanno
    sempre utilizzato la mascherina, anche durante le lezioni e/o le riunioni, 2) hanno
    rispettato il distanziamento»."""
    situation = teacher_case(colleague)
    assert questions(situation) == (Question.MASK, Question.DISTANCE)
    answers = Answers(mask=MaskUse.ALWAYS, distance=True)
    assert verdict(situation, answers) == (Verdict.NOT_CLOSE, (Rule.COLLEAGUES,))


@pytest.mark.parametrize(
    "answers",
    [Answers(mask=MaskUse.NOT_ALWAYS), Answers(mask=MaskUse.ALWAYS, distance=False)],
    ids=["no mask", "no distance"],
)
def test_otherwise_colleagues_are_close_contacts(answers: Answers) -> None:
    """«In caso contrario sono considerati contatti stretti»."""
    assert verdict(teacher_case(Role.TEACHER), answers) == (Verdict.CLOSE, (Rule.COLLEAGUES,))


def test_a_positive_staff_member_is_judged_as_a_teacher() -> None:
    situation = teacher_case(Role.STUDENT, case_role=Role.STAFF)
    assert verdict(situation, PROTECTED) == (
        Verdict.NOT_CLOSE,
        (Rule.PUPILS_OF_TEACHER, Rule.STAFF_AS_TEACHERS),
    )
    colleagues = teacher_case(Role.STAFF)
    assert verdict(colleagues, Answers(mask=MaskUse.ALWAYS, distance=True)) == (
        Verdict.NOT_CLOSE,
        (Rule.COLLEAGUES, Rule.STAFF_AS_TEACHERS),
    )


# --- the helper as a whole -----------------------------------------------------------------

ALL_SITUATIONS = [
    Situation(case_role=case, contact_role=contact, zero_six=zero_six)
    for case, contact, zero_six in itertools.product(Role, Role, (False, True))
]
ALL_ANSWERS = [
    Answers(mask=mask, distance=distance, physical=physical)
    for mask, distance, physical in itertools.product(
        (None, *MaskUse), (None, True, False), (None, True, False)
    )
]


@pytest.mark.parametrize("situation", ALL_SITUATIONS)
def test_asking_the_next_question_always_ends_in_a_verdict(situation: Situation) -> None:
    """Whatever the answers, the questions run out and a verdict with its rules comes."""
    for final in itertools.product(
        *([MaskUse.NOT_ALWAYS, MaskUse.ALWAYS], [True, False], [True, False])
    ):
        answers = Answers()
        asked = []
        while (question := next_question(situation, answers)) is not None:
            assert question in questions(situation) and question not in asked
            asked.append(question)
            value = cast("MaskUse | bool", dict(zip(Question, final, strict=True))[question])
            answers = answers.with_answer(question, value)
        found = assess(situation, answers)
        assert found is not None and found.rules


@pytest.mark.parametrize("answers", ALL_ANSWERS)
def test_every_rule_and_verdict_has_a_text(answers: Answers) -> None:
    for situation in ALL_SITUATIONS:
        found = assess(situation, answers)
        if found is not None:
            assert texts.VERDICTS[found.verdict]
            assert all(texts.RULE_QUOTES[rule] for rule in found.rules)
    assert set(texts.RULE_QUOTES) == set(Rule)
    assert set(texts.QUESTIONS) == set(Question)
    assert set(texts.MASK_LABELS) == set(MaskUse)


def test_a_tapped_answer_is_read_only_if_the_question_offers_it() -> None:
    """ "Only at meals" answers the mask question where the MEALS sentence applies (a pupil's
    teacher), not for a teacher's pupils; yes/no answer the other questions."""
    teacher = pupil_case(Role.TEACHER)
    assert read_answer(teacher, Question.MASK, MaskUse.MEALS_ONLY.value) is MaskUse.MEALS_ONLY
    assert read_answer(teacher, Question.MASK, MaskUse.ALWAYS.value) is MaskUse.ALWAYS
    assert read_answer(teacher_case(Role.STUDENT), Question.MASK, MaskUse.MEALS_ONLY.value) is None
    assert read_answer(teacher, Question.MASK, YES) is None
    assert read_answer(teacher, Question.DISTANCE, YES) is True
    assert read_answer(teacher, Question.PHYSICAL, NO) is False
    assert read_answer(teacher, Question.PHYSICAL, MaskUse.ALWAYS.value) is None
