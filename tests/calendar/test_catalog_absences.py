"""The Italian texts of the absence surveillance."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from string import Formatter

import pytest

from bot.catalog import render
from bot.catalog.absences import (
    ERRORS,
    WARNINGS,
    WEEKDAY_NAMES,
    describe_comparison,
    describe_day,
    enrolment_confirmation_text,
    enrolment_warning_texts,
    next_window_text,
    offer_day_text,
)
from domain.absences import Comparison, ComparisonKind, check_absences, compare_with_history
from domain.calendar import (
    Closure,
    SchoolCalendar,
    WindowStatus,
    check_closure_period,
    parse_closure_note,
)
from domain.enrolment import Enrolment, check_enrolment, parse_count
from domain.errors import ValidationFailed
from tests.calendar.helpers import PLESSO, rome

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_FILES = ["domain/calendar.py", "domain/absences.py", "domain/enrolment.py"]
TUESDAY, THURSDAY = 1, 3


def raised_codes() -> set[str]:
    codes: set[str] = set()
    for name in DOMAIN_FILES:
        source = (ROOT / name).read_text(encoding="utf-8")
        codes.update(re.findall(r'ValidationFailed\(\s*"([a-z_]+)"', source))
    codes.update(f"window_{s.value}" for s in WindowStatus if s is not WindowStatus.OPEN)
    return codes


def test_every_raised_code_has_a_text() -> None:
    codes = raised_codes()
    assert len(codes) > 15
    assert codes <= ERRORS.keys()
    assert ERRORS.keys() <= codes  # no stale texts either


def failures() -> list[ValidationFailed]:
    calls: list[Callable[[], object]] = [
        lambda: parse_count("", "pupils"),
        lambda: parse_count("-1", "pupils"),
        lambda: parse_count("1,5", "pupils"),
        lambda: parse_count("tre", "pupils"),
        lambda: parse_count("99999", "pupils"),
        lambda: check_enrolment(0, 1, None),
        lambda: check_enrolment(1, 0, None),
        lambda: check_enrolment(1, 2, None),
        lambda: check_enrolment(700, 2, None),
        lambda: check_absences(1, None, 0),
        lambda: check_absences(-1, None, 10),
        lambda: check_absences(11, None, 10),
        lambda: check_absences(5, -1, 10),
        lambda: check_absences(5, 6, 10),
        lambda: Closure(date(2026, 10, 15), date(2026, 10, 13)),
        lambda: check_closure_period(date(2026, 6, 1), date(2027, 9, 1), date(2026, 6, 1)),
        lambda: check_closure_period(date(2024, 9, 2), date(2024, 9, 3), date(2026, 6, 1)),
        lambda: parse_closure_note("x" * 200),
    ]
    cal = SchoolCalendar(
        start_date=date(2026, 10, 1), closures=(Closure(date(2026, 10, 20), date(2026, 10, 20)),)
    )
    refused_days = [
        (date(2026, 10, 29), rome(2026, 10, 22)),  # too early
        (date(2026, 10, 13), rome(2026, 10, 22)),  # closed
        (date(2026, 10, 21), rome(2026, 10, 21)),  # a Wednesday
        (date(2026, 12, 8), rome(2026, 12, 8)),  # holiday
        (date(2026, 10, 20), rome(2026, 10, 20)),  # closure
        (date(2026, 9, 29), rome(2026, 9, 29)),  # before the start
    ]
    calls.extend(partial(cal.require_open, day, now) for day, now in refused_days)
    found: list[ValidationFailed] = []
    for call in calls:
        with pytest.raises(ValidationFailed) as failed:
            call()
        found.append(failed.value)
    return found


def test_every_text_renders_with_the_params_raised() -> None:
    seen: set[str] = set()
    for error in failures():
        template = ERRORS[error.code]
        fields = {name for _, name, _, _ in Formatter().parse(template) if name}
        assert fields <= error.params.keys(), error.code
        text = render(template, **error.params)
        assert "{" not in text and "." in text
        seen.add(error.code)
    assert seen == raised_codes()


def test_rendered_numbers_are_italian() -> None:
    with pytest.raises(ValidationFailed) as failed:
        check_absences(1201, None, 1200)
    text = render(ERRORS[failed.value.code], **failed.value.params)
    assert text == "Gli assenti (1.201) non possono essere più degli iscritti (1.200)."


def test_weekday_names() -> None:
    assert WEEKDAY_NAMES[TUESDAY] == "martedì"
    assert WEEKDAY_NAMES[THURSDAY] == "giovedì"
    assert len(WEEKDAY_NAMES) == 7


# --- comparison -------------------------------------------------------------------------


def test_in_line_as_in_the_issue() -> None:
    c = compare_with_history(0.041, [0.032, 0.048, 0.040, 0.035])
    assert describe_comparison(c, TUESDAY) == "4,1%, in linea con gli ultimi 4 martedì: 3,2–4,8%"


def test_above_and_below() -> None:
    history = [0.032, 0.048, 0.040, 0.035]
    above = describe_comparison(compare_with_history(0.095, history), THURSDAY)
    assert above == "9,5%, sopra gli ultimi 4 giovedì: 3,2–4,8%"
    below = describe_comparison(compare_with_history(0.01, history), TUESDAY)
    assert below == "1,0%, sotto gli ultimi 4 martedì: 3,2–4,8%"


def test_first_recording() -> None:
    text = describe_comparison(compare_with_history(0.041, []), TUESDAY)
    assert text == "4,1%, prima rilevazione di martedì: nessun confronto."


def test_one_or_two_previous() -> None:
    one = describe_comparison(compare_with_history(0.04, [0.032]), TUESDAY)
    assert one == "4,0%, sopra il martedì precedente: 3,2%"
    two = describe_comparison(compare_with_history(0.04, [0.032, 0.05]), THURSDAY)
    assert two == "4,0%, in linea con gli ultimi 2 giovedì: 3,2–5,0%"
    same = Comparison(ComparisonKind.IN_LINE, 0.04, 0.04, 0.04, 3)
    assert describe_comparison(same, 6) == "4,0%, in linea con le ultime 3 domeniche: 4,0%"


# --- enrolment texts --------------------------------------------------------------------


def test_warning_texts() -> None:
    assert set(WARNINGS) == {"many_pupils_per_class"}
    texts = enrolment_warning_texts(check_enrolment(730, 20, None))
    assert texts == [
        "Attenzione: risultano 36,5 alunni per classe, più di 35. "
        "Controlla il numero di iscritti e di classi."
    ]
    assert enrolment_warning_texts(check_enrolment(200, 10, None)) == []


def test_confirmation_text() -> None:
    previous = Enrolment(plesso_code=PLESSO, pupils=1000, classes=40, valid_from=date(2025, 9, 1))
    question = enrolment_confirmation_text(check_enrolment(1400, 40, previous))
    assert question == (
        "Gli iscritti passano da 1.000 a 1.400 (+40%): una variazione di oltre il 30%. Confermi?"
    )
    drop = enrolment_confirmation_text(check_enrolment(600, 30, previous))
    assert drop is not None and "(−40%)" in drop
    assert enrolment_confirmation_text(check_enrolment(1100, 40, previous)) is None
    assert enrolment_confirmation_text(check_enrolment(1100, 40, None)) is None


# --- window texts -----------------------------------------------------------------------


def test_window_texts() -> None:
    tuesday = date(2026, 10, 13)
    assert describe_day(tuesday) == "martedì 13/10/2026"
    assert offer_day_text(tuesday, tuesday) == "Registra le assenze di oggi, martedì 13/10/2026."
    assert "ultimo giorno utile" in offer_day_text(tuesday, date(2026, 10, 14))
    assert next_window_text(tuesday).endswith("La prossima rilevazione è martedì 13/10/2026.")
    assert "non sono previste" in next_window_text(None)
