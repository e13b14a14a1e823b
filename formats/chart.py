"""The early-warning report as a PNG: the ATS-wide rate over the school year with the flagged
days marked, against the band of the earlier school years (the same weeks), and a small panel
per flagged plesso. Sized for a phone: 900 px wide, large type, at most MAX_PANELS plessi
(the text lists the rest).

matplotlib runs headless (the Agg backend, chosen before pyplot is imported) and is CPU
work: callers run `render_png` off the event loop (`asyncio.to_thread`). Every figure is
closed after saving, so a long-running bot does not pile them up.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from domain.early_warning import FIXED_THRESHOLD, EarlyWarningReport, FlaggedPlesso
from domain.signals import Baseline, Kind, Level

MAX_PANELS = 6
WIDTH_INCHES = 9.0
DPI = 100
_RED = "#c62828"
_BLUE = "#1565c0"
_GREY = "#757575"


def _shorten(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _x(days: Iterable[date]) -> list[float]:
    # Days as ordinals: plain numbers, labelled back as dates by the axis formatter.
    return [float(day.toordinal()) for day in days]


MIN_SPAN_DAYS = 14  # the x-axis shows at least two weeks, the data in the middle


def x_range(days: Sequence[date]) -> tuple[date, date]:
    """The days the x-axis spans: the data's range with a day of margin each side, widened
    evenly to at least MIN_SPAN_DAYS (one recording day is not a point in the void)."""
    first, last = min(days), max(days)
    pad = timedelta(days=max(1, (MIN_SPAN_DAYS - (last - first).days + 1) // 2))
    return first - pad, last + pad


def date_label(value: float, with_year: bool) -> str:
    """dd/mm, or dd/mm/yy when the axis crosses the new year."""
    day = date.fromordinal(max(1, round(value)))
    return day.strftime("%d/%m/%y" if with_year else "%d/%m")


def percent_label(value: float) -> str:
    """A rate as the tick shows it, truthfully: 0.025 is "2,5%", 0.03 is "3%"."""
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return ("0" if text in ("", "-0") else text).replace(".", ",") + "%"


def _dates_axis(axis: Axes, ticks: int, days: Sequence[date]) -> None:
    if not days:
        return
    start, end = x_range(days)
    axis.set_xlim(start.toordinal(), end.toordinal())
    with_year = start.year != end.year
    axis.xaxis.set_major_locator(MaxNLocator(nbins=ticks, integer=True, min_n_ticks=2))
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: date_label(value, with_year)))
    if not with_year:
        axis.set_xlabel(str(end.year), fontsize=10, color=_GREY, loc="right")


def _percent_axis(axis: Axes) -> None:
    axis.set_ylim(bottom=0)
    axis.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: percent_label(value)))


def render_png(report: EarlyWarningReport, title: str) -> bytes:
    """The chart of `report` as PNG bytes."""
    figure = build_figure(report, title)
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def build_figure(report: EarlyWarningReport, title: str) -> Figure:
    """The chart of `report` as a matplotlib figure (the caller closes it: `plt.close`)."""
    panels = report.flagged[:MAX_PANELS]
    panel_rows = (len(panels) + 1) // 2
    height = 4.6 + 2.6 * panel_rows
    figure = plt.figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    try:
        grid = figure.add_gridspec(1 + panel_rows, 2, height_ratios=[1.6] + [1.0] * panel_rows)
        main = figure.add_subplot(grid[0, :])
        _main_panel(main, report, title)
        for index, flagged in enumerate(panels):
            _plesso_panel(figure.add_subplot(grid[1 + index // 2, index % 2]), flagged)
        figure.tight_layout()
    except BaseException:
        plt.close(figure)
        raise
    return figure


def _band(main: Axes, report: EarlyWarningReport) -> None:
    """The range of the earlier school years in the same weeks (the seasonal baseline of the
    aggregate signal) behind this year's line, and its days at "segnale" ringed."""
    series = next((s for s in report.signals if s.kind is Kind.ABSENCE), None)
    if series is None:
        return
    band = [
        d
        for d in series.days
        if d.baseline is Baseline.EARLIER_YEARS and d.low is not None and d.high is not None
    ]
    if band:
        main.fill_between(
            _x(d.day for d in band),
            [d.low or 0.0 for d in band],
            [d.high or 0.0 for d in band],
            color=_GREY,
            alpha=0.25,
            step="mid",
            label="Anni precedenti (stesse settimane)",
        )
    signal = [d for d in series.days if d.level is Level.SIGNAL]
    if signal:
        main.scatter(
            _x(d.day for d in signal),
            [d.value for d in signal],
            s=160,
            facecolors="none",
            edgecolors=_RED,
            linewidths=2,
            zorder=4,
            label="Segnale regionale",
        )


def _main_panel(main: Axes, report: EarlyWarningReport, title: str) -> None:
    days = [d.day for d in report.timeline]
    _band(main, report)
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
        # Markers too: a single day of figures is a point, and a dashed line of one point
        # is not drawn at all.
        main.plot(
            _x(d for d, _ in ill),
            [r for _, r in ill],
            color=_GREY,
            lw=1.4,
            ls="--",
            marker="s",
            ms=3.5,
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
    _percent_axis(main)
    main.grid(alpha=0.3)
    main.legend(fontsize=11, loc="upper left")
    main.tick_params(labelsize=11)
    _dates_axis(main, 7, days)


def _plesso_panel(axis: Axes, flagged: FlaggedPlesso) -> None:
    when = [d for d, _ in flagged.series]
    axis.plot(_x(when), [r for _, r in flagged.series], color=_BLUE, lw=1.8, marker="o", ms=3)
    hits = set(flagged.flagged_days)
    points = [(d, r) for d, r in flagged.series if d in hits]
    axis.scatter(_x(d for d, _ in points), [r for _, r in points], s=50, color=_RED, zorder=3)
    axis.axhline(FIXED_THRESHOLD, color=_GREY, lw=1, ls=":")
    rules = ", ".join(str(rule) for rule in flagged.assessment.rules)
    axis.set_title(f"{_shorten(flagged.name)}\n{rules}", fontsize=12, loc="left")
    _percent_axis(axis)
    _dates_axis(axis, 4, when)
    axis.tick_params(labelsize=10)
    axis.grid(alpha=0.3)
