"""The early-warning report as a PNG: the ATS-wide rate over the school year with the flagged
days marked, and a small panel per flagged plesso. Sized for a phone: 900 px wide, large
type, at most MAX_PANELS plessi (the text lists the rest).

matplotlib runs headless (the Agg backend, chosen before pyplot is imported) and is CPU
work: callers run `render_png` off the event loop (`asyncio.to_thread`). Every figure is
closed after saving, so a long-running bot does not pile them up.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from domain.early_warning import FIXED_THRESHOLD, EarlyWarningReport

MAX_PANELS = 6
WIDTH_INCHES = 9.0
DPI = 100
_RED = "#c62828"
_BLUE = "#1565c0"
_GREY = "#757575"


def _shorten(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _x(days: Iterable[date]) -> list[float]:
    # Days as ordinals: plain numbers, labelled back as dd/mm by the axis formatter.
    return [float(day.toordinal()) for day in days]


def _dates_axis(axis: Axes, ticks: int) -> None:
    axis.xaxis.set_major_locator(MaxNLocator(nbins=ticks, integer=True))
    axis.xaxis.set_major_formatter(
        FuncFormatter(lambda value, _: date.fromordinal(max(1, int(value))).strftime("%d/%m"))
    )


def render_png(report: EarlyWarningReport, title: str) -> bytes:
    """The chart of `report` as PNG bytes."""
    panels = report.flagged[:MAX_PANELS]
    panel_rows = (len(panels) + 1) // 2
    height = 4.6 + 2.6 * panel_rows
    figure = plt.figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    try:
        grid = figure.add_gridspec(1 + panel_rows, 2, height_ratios=[1.6] + [1.0] * panel_rows)
        main = figure.add_subplot(grid[0, :])
        days = [d.day for d in report.timeline]
        main.plot(
            _x(days),
            [d.rate for d in report.timeline],
            color=_BLUE,
            lw=2.2,
            marker="o",
            ms=3.5,
            label="Tasso di assenza ATS",
        )
        ill = [(d.day, d.ill_rate) for d in report.timeline if d.ill_rate is not None]
        if ill:
            main.plot(
                _x(d for d, _ in ill),
                [r for _, r in ill],
                color=_GREY,
                lw=1.4,
                ls="--",
                label="di cui per malattia",
            )
        marked = [d for d in report.timeline if d.flagged]
        if marked:
            main.scatter(
                _x(d.day for d in marked),
                [d.rate for d in marked],
                s=90,
                color=_RED,
                zorder=3,
                label="Giorni con plessi segnalati",
            )
        main.set_title(title, fontsize=15, loc="left")
        main.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        main.set_ylim(bottom=0)
        main.grid(alpha=0.3)
        main.legend(fontsize=11, loc="upper left")
        main.tick_params(labelsize=11)
        _dates_axis(main, 7)
        for index, flagged in enumerate(panels):
            axis = figure.add_subplot(grid[1 + index // 2, index % 2])
            when = [d for d, _ in flagged.series]
            axis.plot(_x(when), [r for _, r in flagged.series], color=_BLUE, lw=1.8)
            hits = set(flagged.flagged_days)
            points = [(d, r) for d, r in flagged.series if d in hits]
            axis.scatter(
                _x(d for d, _ in points), [r for _, r in points], s=50, color=_RED, zorder=3
            )
            axis.axhline(FIXED_THRESHOLD, color=_GREY, lw=1, ls=":")
            rules = ", ".join(str(rule) for rule in flagged.assessment.rules)
            axis.set_title(f"{_shorten(flagged.name)}\n{rules}", fontsize=12, loc="left")
            axis.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            axis.set_ylim(bottom=0)
            _dates_axis(axis, 4)
            axis.tick_params(labelsize=10)
            axis.grid(alpha=0.3)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
