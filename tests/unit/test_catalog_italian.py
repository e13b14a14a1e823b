"""The catalog reads as written by a person (issue #22): the known mistakes, looked for in
every text, and the helpers that replace them (one plural helper, grouped phones, names as
people write them, durations and missing days in words)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import TypeGuard

import pytest

import bot.catalog
from bot.catalog import contacts, plural, render
from conversations.ats.status import duration, missed_text
from domain.indicators import MissedRecording
from domain.people import display_name, format_phone


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif _is_plural(value):
        yield value[0]  # the plural form of a `Plural` pair is right by construction
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _texts(item)


def _is_plural(value: object) -> TypeGuard[tuple[str, str]]:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(item, str) for item in value)
        and "{count}" in value[1]
    )


def catalog_texts() -> Iterator[tuple[str, str]]:
    """(module.NAME, text) for every text of every catalog module."""
    modules = [bot.catalog] + [
        importlib.import_module(f"bot.catalog.{info.name}")
        for info in pkgutil.iter_modules(bot.catalog.__path__)
    ]
    for module in modules:
        for name, value in vars(module).items():
            if name.isupper():
                for text in _texts(value):
                    yield f"{module.__name__}.{name}", text


# (what is wrong, the pattern that finds it)
KNOWN_MISTAKES = (
    ("«in ATS» / «ad ATS»: write «all'ATS»", re.compile(r"\b(?:in|ad) ATS\b")),
    ("«Email» / «email»: write «e-mail»", re.compile(r"(?<!\{)\b[Ee]mail\b(?![.}])")),
    (
        "a count in a fixed plural: use bot.catalog.plural",
        re.compile(r"\{(?:count|added|skipped|refused)\} (?:contatti|righe|erano)"),
    ),
    ("«manca» before a list of days", re.compile(r"manca \{days\}")),
    ("«attese» for an expected rate", re.compile(r"attese \{")),
    ("«iscritti a <plesso name>»", re.compile(r"iscritti a <b>\{plesso\}")),
)


@pytest.mark.parametrize(("mistake", "pattern"), KNOWN_MISTAKES, ids=[m for m, _ in KNOWN_MISTAKES])
def test_no_text_of_the_catalog_has_a_known_mistake(mistake: str, pattern: re.Pattern[str]) -> None:
    found = [name for name, text in catalog_texts() if pattern.search(text)]
    assert found == [], f"{mistake}: {found}"


def test_one_plural_helper() -> None:
    assert render(plural(1, contacts.IMPORT_REVIEW), case_id=2).startswith(
        "<b>Aggiungo 1 contatto</b>"
    )
    assert render(plural(3, contacts.IMPORT_REVIEW), case_id=2).startswith(
        "<b>Aggiungo 3 contatti</b>"
    )
    assert plural(1, contacts.SUMMARY_REFUSED_COUNT) == "1 riga scartata"
    assert plural(0, contacts.SUMMARY_REFUSED_COUNT) == "0 righe scartate"
    assert "Aggiunto <b>1</b> contatto" in plural(1, contacts.IMPORT_DONE)


def test_phones_are_grouped_and_names_written_as_people_write_them() -> None:
    assert format_phone("+393331234567") == "+39 333 123 4567"
    assert format_phone("+390212345678") == "+39 02 1234 5678"
    assert display_name("MARIA BIANCHI") == "Maria Bianchi"
    assert display_name("GIULIA D'ANGELO-RUSSO") == "Giulia D'Angelo-Russo"


def test_durations_and_missing_days_read_well() -> None:
    assert duration(timedelta(0)) == "meno di un minuto"
    assert duration(timedelta(minutes=7)) == "7 min"
    assert duration(timedelta(hours=5, minutes=20)) == "5 h 20 min"
    two = MissedRecording(
        plesso_code="MIEE8AB01T",
        plesso_name="Primaria",
        missed=[date(2026, 11, 24), date(2026, 11, 26)],
    )
    one = two.model_copy(update={"missed": [date(2026, 11, 24)]})
    assert "mancano 24/11, 26/11" in missed_text([two])
    assert "manca il 24/11" in missed_text([one])
