"""Every code a domain rule can raise has an Italian message, and every message renders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.catalog import ERRORS, render
from bot.catalog import validation as catalog
from domain import people
from domain.people import Role
from domain.schools import SchoolType

DOMAIN = Path(__file__).parents[2] / "domain"
# ValidationFailed("code", ...) possibly over several lines, and RowError(code="...").
RAISED = re.compile(r"ValidationFailed\(\s*\"([a-z0-9_]+)\"|\bcode=\"([a-z0-9_]+)\"")


def raised_codes(path: Path) -> set[str]:
    return {a or b for a, b in RAISED.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda path: path.name)
def test_every_raised_code_has_a_message(path: Path) -> None:
    missing = raised_codes(path) - set(ERRORS)
    assert not missing, f"{path.name} raises codes with no catalog text: {sorted(missing)}"


def test_the_grep_finds_codes() -> None:
    found = raised_codes(DOMAIN / "schools.py")
    assert {"csv_header", "csv_duplicate_code", "csv_row_columns"} <= found


@pytest.mark.parametrize("code", sorted(catalog.ERRORS))
def test_every_template_renders_with_dummy_params(code: str) -> None:
    template = catalog.ERRORS[code]
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    text = render(template, **{name: "<x&y>" for name in names})
    assert "<x&y>" not in text  # values are escaped
    assert "{" not in text and "}" not in text
    assert re.sub(r"</?b>", "", text).count("<") == 0  # only <b> in templates
    assert text.count("<b>") == text.count("</b>")


def test_validation_errors_are_in_the_merged_catalog() -> None:
    assert all(ERRORS[code] == text for code, text in catalog.ERRORS.items())


def test_labels_cover_every_member() -> None:
    assert set(catalog.ROLE_LABELS) == set(Role)
    assert set(catalog.SCHOOL_TYPE_LABELS) == set(SchoolType)
    assert catalog.ROLE_LABELS[Role.SUPPORT_TEACHER] == "Docente di sostegno"


def test_role_words_in_messages_match_the_labels() -> None:
    words = people._ROLE_IN_MESSAGES
    assert {role: label.lower() for role, label in catalog.ROLE_LABELS.items()} == words
