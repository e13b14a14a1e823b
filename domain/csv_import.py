"""The frame of the ATS's CSV imports (the register of positive people, the swab points and
slots, the laboratory's results, the doctors' referrals): a cap on the file's size, a header
naming the columns (in any order and spelling, "," or ";"), blank lines skipped, and each
line read by the feature's own function: a good line becomes a row, a line's problems become
`RowError`s with its line number (the header is line 1) and the line is left out."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TypeVar

from domain.contact_import import csv_rows, header_key
from domain.errors import ValidationFailed
from domain.schools import RowError, row_error

T = TypeVar("T")

MAX_BYTES = 2 * 1024 * 1024
MAX_LINES = 5000


class LineProblems(Exception):
    """Every problem of one line, raised by a line reader that checks all its fields."""

    def __init__(self, problems: list[ValidationFailed]) -> None:
        super().__init__(len(problems))
        self.problems = problems


def header_positions(
    cells: Sequence[str], columns: Sequence[str], optional: Collection[str] = ()
) -> dict[str, int]:
    """Where each of `columns` is in the header row (the first place of a column named
    twice); the required ones that are missing refuse the file, naming what was found."""
    keys = [header_key(cell) for cell in cells]
    positions: dict[str, int] = {}
    for column in columns:
        if header_key(column) in keys:
            positions[column] = keys.index(header_key(column))
    missing = [c for c in columns if c not in positions and c not in optional]
    if missing:
        found = ", ".join(cell.strip() for cell in cells if cell.strip()) or "-"
        raise ValidationFailed("csv_header", missing=", ".join(missing), found=found)
    return positions


def read_csv(
    data: bytes,
    columns: Sequence[str],
    read_line: Callable[[int, Mapping[str, str]], T],
    *,
    optional: Collection[str] = (),
    capped: bool = True,
) -> tuple[list[T], list[RowError]]:
    """The rows of the good lines and the errors of the others.

    `read_line(line, cells by column)` returns the line's row or raises ValidationFailed (its
    first problem) or LineProblems (all of them). A file over MAX_BYTES is refused, and with
    `capped` one with more than MAX_LINES lines (rows and errors counted as read)."""
    if len(data) > MAX_BYTES:
        raise _too_large()
    records = csv_rows(data)
    try:
        _, header = next(records)
    except StopIteration:
        raise ValidationFailed("csv_empty") from None
    positions = header_positions([str(cell) for cell in header], columns, optional)
    rows: list[T] = []
    errors: list[RowError] = []
    for line, raw in records:
        cells = [str(cell or "") for cell in raw]
        if not any(cell.strip() for cell in cells):
            continue
        if capped and len(rows) + len(errors) >= MAX_LINES:
            raise _too_large()
        named = {c: (cells[i] if i < len(cells) else "") for c, i in positions.items()}
        try:
            rows.append(read_line(line, named))
        except LineProblems as failed:
            errors.extend(row_error(line, problem) for problem in failed.problems)
        except ValidationFailed as error:
            errors.append(row_error(line, error))
    return rows, errors


def _too_large() -> ValidationFailed:
    return ValidationFailed("csv_too_large", max_rows=MAX_LINES, max_mb=MAX_BYTES // 2**20)
