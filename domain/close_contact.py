"""Who is a close contact at school: the ATS definitions ("DEFINIZIONI UTILI"), as rules.

A helper for the referent, who decides: the rules say what the definitions say, and a
contact the rules call "not close" can still be added.

The definitions, sentence by sentence (seed 001):

Positive pupil
- CLASSMATES: classmates are always close contacts.
- TEACHERS_OF_PUPIL: primary and secondary teachers are NOT close contacts if they always
  wore the mask (also during lessons) AND kept at least 2 m from the desks with no
  face-to-face talk under 2 m for more than 15 minutes and no physical contact with the
  pupils; otherwise they are.
- MEALS: teachers are not close contacts when 1 m was kept also during the meal.
- ZERO_SIX: nursery and pre-school (0-6) teachers/educators are always close contacts.
- SUPPORT: support teachers are judged case by case; physical contact makes them close.

Positive teacher
- PUPILS_OF_TEACHER: pupils are NOT close contacts if the teacher always wore the mask
  during lessons AND kept the 2 m distance as above; otherwise they are.
- COLLEAGUES: colleagues are NOT close contacts if they always wore masks (also in lessons
  and meetings) AND kept the distance; otherwise they are.

The definitions name pupils, teachers and educators only. Other school staff are judged
as teachers are (STAFF_AS_TEACHERS, said in the verdict): the same mask and distance.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.people import Role


class Verdict(StrEnum):
    CLOSE = "close"
    NOT_CLOSE = "not_close"
    CASE_BY_CASE = "case_by_case"


class Rule(StrEnum):
    """One sentence of the definitions (the catalog quotes it)."""

    CLASSMATES = "classmates"
    TEACHERS_OF_PUPIL = "teachers_of_pupil"
    MEALS = "meals"
    ZERO_SIX = "zero_six"
    SUPPORT = "support"
    PUPILS_OF_TEACHER = "pupils_of_teacher"
    COLLEAGUES = "colleagues"
    STAFF_AS_TEACHERS = "staff_as_teachers"


class Question(StrEnum):
    """What the rules may need to know, asked in this order."""

    MASK = "mask"
    """Always wore the mask?"""
    DISTANCE = "distance"
    """At least 2 m from the desks, no face-to-face talk under 2 m for over 15 minutes?"""
    PHYSICAL = "physical"
    """Any physical contact (holding hands, picking up)?"""


class MaskUse(StrEnum):
    ALWAYS = "always"
    MEALS_ONLY = "meals"
    """Taken off only to eat, at least 1 m apart (the MEALS sentence)."""
    NOT_ALWAYS = "no"


class Answers(BaseModel):
    """The referent's answers so far (None: not asked yet)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    mask: MaskUse | None = None
    distance: bool | None = None
    physical: bool | None = None

    def with_answer(self, question: Question, value: MaskUse | bool) -> Answers:
        return self.model_copy(update={question.value: value})


class Situation(BaseModel):
    """Who is positive, who the contact is, and whether it is a 0-6 service."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    case_role: Role
    contact_role: Role
    zero_six: bool


class Assessment(BaseModel):
    """The verdict and the sentences of the definitions it rests on."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    verdict: Verdict
    rules: tuple[Rule, ...]


def _as_teacher(role: Role) -> tuple[Rule, ...]:
    """STAFF_AS_TEACHERS when the rule is applied to staff the definitions do not name."""
    return (Rule.STAFF_AS_TEACHERS,) if role is Role.STAFF else ()


def _protected(*conditions: bool | None) -> bool | None:
    """All conditions met: True; one failed: False; not known yet: None."""
    if any(condition is False for condition in conditions):
        return False
    if all(condition is True for condition in conditions):
        return True
    return None


def _verdict(protected: bool | None, rules: tuple[Rule, ...]) -> Assessment | None:
    if protected is None:
        return None
    return Assessment(verdict=Verdict.NOT_CLOSE if protected else Verdict.CLOSE, rules=rules)


def _mask_kept(mask: MaskUse | None, meals_allowed: bool) -> bool | None:
    if mask is None:
        return None
    return mask is MaskUse.ALWAYS or (meals_allowed and mask is MaskUse.MEALS_ONLY)


def _no_physical_contact(answers: Answers) -> bool | None:
    return None if answers.physical is None else not answers.physical


def _pupil_case(situation: Situation, answers: Answers) -> Assessment | None:
    contact = situation.contact_role
    if contact is Role.STUDENT:
        return Assessment(verdict=Verdict.CLOSE, rules=(Rule.CLASSMATES,))
    if situation.zero_six:
        return Assessment(verdict=Verdict.CLOSE, rules=(Rule.ZERO_SIX, *_as_teacher(contact)))
    if contact is Role.SUPPORT_TEACHER:
        if answers.physical is None:
            return None
        verdict = Verdict.CLOSE if answers.physical else Verdict.CASE_BY_CASE
        return Assessment(verdict=verdict, rules=(Rule.SUPPORT,))
    rules = (Rule.TEACHERS_OF_PUPIL, *_as_teacher(contact))
    if answers.mask is MaskUse.MEALS_ONLY:
        rules = (*rules, Rule.MEALS)
    protected = _protected(
        _mask_kept(answers.mask, meals_allowed=True),
        answers.distance,
        _no_physical_contact(answers),
    )
    return _verdict(protected, rules)


def _teacher_case(situation: Situation, answers: Answers) -> Assessment | None:
    contact = situation.contact_role
    staff_rules = _as_teacher(situation.case_role)
    if contact is Role.STUDENT:
        protected = _protected(
            _mask_kept(answers.mask, meals_allowed=False),
            answers.distance,
            _no_physical_contact(answers),
        )
        return _verdict(protected, (Rule.PUPILS_OF_TEACHER, *staff_rules))
    rules = (Rule.COLLEAGUES, *(staff_rules or _as_teacher(contact)))
    protected = _protected(_mask_kept(answers.mask, meals_allowed=False), answers.distance)
    return _verdict(protected, rules)


def assess(situation: Situation, answers: Answers) -> Assessment | None:
    """What the definitions say of this contact, or None while an answer is still needed."""
    if situation.case_role is Role.STUDENT:
        return _pupil_case(situation, answers)
    return _teacher_case(situation, answers)


_ALL = (Question.MASK, Question.DISTANCE, Question.PHYSICAL)


def questions(situation: Situation) -> tuple[Question, ...]:
    """The questions the rule of this situation asks (none: the roles alone decide)."""
    contact = situation.contact_role
    if situation.case_role is Role.STUDENT:
        if contact is Role.STUDENT or situation.zero_six:
            return ()
        return (Question.PHYSICAL,) if contact is Role.SUPPORT_TEACHER else _ALL
    return _ALL if contact is Role.STUDENT else (Question.MASK, Question.DISTANCE)


def next_question(situation: Situation, answers: Answers) -> Question | None:
    """The next question whose answer the verdict needs; None once the verdict is known."""
    if assess(situation, answers) is not None:
        return None
    return next((q for q in questions(situation) if getattr(answers, q.value) is None), None)


def mask_choices(situation: Situation) -> tuple[MaskUse, ...]:
    """The answers to the mask question; "only at meals, 1 m apart" where MEALS applies."""
    meals = situation.case_role is Role.STUDENT and situation.contact_role is not Role.STUDENT
    if meals:
        return (MaskUse.ALWAYS, MaskUse.MEALS_ONLY, MaskUse.NOT_ALWAYS)
    return (MaskUse.ALWAYS, MaskUse.NOT_ALWAYS)


# A yes/no question's answers as its buttons carry them.
YES = "yes"
NO = "no"
_YES_NO = {YES: True, NO: False}


def read_answer(situation: Situation, question: Question, value: str) -> MaskUse | bool | None:
    """The answer `value` stands for, if it is one `question` offers in this situation
    (an old button of another situation, or a forged one, gives None)."""
    if question is Question.MASK:
        return next((mask for mask in mask_choices(situation) if mask.value == value), None)
    return _YES_NO.get(value)
