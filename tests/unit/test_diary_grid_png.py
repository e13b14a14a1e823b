"""The diary day grid as a PNG (formats/diary_grid.py): one square a day, in the mark's colour."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import cast

from PIL import Image

from domain.diary import Mark
from formats.diary_grid import COLOURS, PER_ROW, diary_grid_png

LEGEND = {Mark.WELL: "nessun sintomo", Mark.ILL: "sintomi", Mark.MISSING: "non compilato"}
D0 = date(2026, 11, 12)


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000) or []
    return {cast(tuple[int, int, int], colour) for _, colour in colours}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_each_mark_is_drawn_in_its_colour_and_a_week_is_a_row() -> None:
    well_only = diary_grid_png([(D0, Mark.WELL)], LEGEND)
    assert well_only.startswith(b"\x89PNG")
    assert _rgb(COLOURS[Mark.WELL]) in _colours(well_only)
    grid = [(D0 + timedelta(days=i), Mark.WELL if i % 3 else Mark.ILL) for i in range(10)]
    grid[4] = (grid[4][0], Mark.MISSING)
    png = diary_grid_png(grid, LEGEND)
    colours = _colours(png)
    assert all(_rgb(COLOURS[mark]) in colours for mark in Mark)
    one_week = Image.open(io.BytesIO(diary_grid_png(grid[:PER_ROW], LEGEND)))
    two_weeks = Image.open(io.BytesIO(png))
    assert two_weeks.height > one_week.height and two_weeks.width == one_week.width
