"""The diary of one person in isolation as a PNG day grid for the ATS (/isolamento N): a
square a day from D0, a week a row, green no symptoms, red symptoms, grey nothing written,
each with its day number and date. The text grid stays in the message; the picture is
easier to read on a phone over a long isolation.

matplotlib runs headless (Agg, as formats/chart.py) and is CPU work: callers run
`diary_grid_png` off the event loop. Nothing personal is drawn: days and colours only.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.patches import Patch, Rectangle

from domain.diary import Mark

PER_ROW = 7
CELL_INCHES = 0.9
DPI = 100
LEGEND_INCHES = 0.6
COLOURS: Mapping[Mark, str] = {Mark.WELL: "#2e7d32", Mark.ILL: "#c62828", Mark.MISSING: "#bdbdbd"}


def diary_grid_png(grid: Sequence[tuple[date, Mark]], legend: Mapping[Mark, str]) -> bytes:
    """The grid (day, mark) from D0 as PNG bytes; `legend` names the marks (catalog words)."""
    rows = max(1, -(-len(grid) // PER_ROW))
    height = rows * CELL_INCHES + LEGEND_INCHES
    figure = plt.figure(figsize=(PER_ROW * CELL_INCHES, height), dpi=DPI)
    try:
        bottom = LEGEND_INCHES / height  # room for the legend under the squares
        axes = figure.add_axes((0.02, bottom, 0.96, 1 - bottom - 0.02))
        axes.set_xlim(0, PER_ROW)
        axes.set_ylim(rows, 0)
        axes.set_axis_off()
        for index, (day, mark) in enumerate(grid):
            row, column = divmod(index, PER_ROW)
            axes.add_patch(
                Rectangle((column + 0.05, row + 0.05), 0.9, 0.9, color=COLOURS[mark], lw=0)
            )
            text_colour = "black" if mark is Mark.MISSING else "white"
            axes.text(
                column + 0.5,
                row + 0.4,
                f"G{index}",
                ha="center",
                va="center",
                fontsize=13,
                fontweight="bold",
                color=text_colour,
            )
            axes.text(
                column + 0.5,
                row + 0.72,
                f"{day:%d/%m}",
                ha="center",
                va="center",
                fontsize=9,
                color=text_colour,
            )
        handles = [Patch(color=COLOURS[mark], label=legend[mark]) for mark in Mark]
        figure.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
