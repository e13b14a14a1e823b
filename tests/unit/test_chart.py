"""The report chart's axes (issue 22): one recording day does not span centuries, ticks
say the truth (2.5% is not "2%"), a single illness figure is drawn."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import matplotlib.pyplot as plt
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from domain.early_warning import EarlyWarningReport, Observation, build_report
from formats.chart import build_figure, percent_label, x_range

NAMES = {"A": "Primaria A", "B": "Primaria B"}
TUESDAY = date(2026, 11, 17)


def observations(code: str, days: list[date], rate: float, ill: bool = True) -> list[Observation]:
    return [
        Observation(code, d, round(rate * 400), round(rate * 200) if ill else None, 400)
        for d in days
    ]


@contextmanager
def drawn(report: EarlyWarningReport) -> Iterator[Figure]:
    figure = build_figure(report, "Assenze – ATS-MILANO")
    try:
        figure.canvas.draw()
        yield figure
    finally:
        plt.close(figure)


def x_days(axis: Axes) -> tuple[date, date]:
    low, high = axis.get_xlim()
    return date.fromordinal(round(low)), date.fromordinal(round(high))


def visible_ticks(axis: Axes, which: str) -> list[tuple[float, str]]:
    ticks = axis.xaxis.get_ticklabels() if which == "x" else axis.yaxis.get_ticklabels()
    low, high = axis.get_xlim() if which == "x" else axis.get_ylim()
    return [
        (t.get_position()[0 if which == "x" else 1], t.get_text())
        for t in ticks
        if low <= t.get_position()[0 if which == "x" else 1] <= high
    ]


def test_percent_labels_are_truthful() -> None:
    assert percent_label(0.025) == "2,5%"
    assert percent_label(0.03) == "3%"
    assert percent_label(0.0) == "0%"
    assert percent_label(0.1) == "10%"


def test_one_recording_day_spans_two_weeks_around_it() -> None:
    report = build_report(TUESDAY, NAMES, 1, observations("A", [TUESDAY], 0.025))
    with drawn(report) as figure:
        main = figure.axes[0]
        assert x_days(main) == (TUESDAY - timedelta(days=7), TUESDAY + timedelta(days=7))
        labels = [text for _, text in visible_ticks(main, "x")]
        assert labels and all(len(text) == 5 and text.endswith("/11") for text in labels)
        assert main.get_xlabel() == "2026"
        # The illness line has one point: drawn as a marker.
        (_rate_line, ill_line) = main.get_lines()
        assert len(list(ill_line.get_xdata())) == 1  # type: ignore[arg-type]
        assert ill_line.get_marker() not in (None, "None", "")
        for value, text in visible_ticks(main, "y"):
            assert text == percent_label(value)
        assert (
            "2,5%" in [text for _, text in visible_ticks(main, "y")] or main.get_ylim()[1] > 0.025
        )


def test_two_days_and_no_illness_figures() -> None:
    days = [TUESDAY, TUESDAY + timedelta(days=2)]
    report = build_report(days[-1], NAMES, 1, observations("A", days, 0.03, ill=False))
    with drawn(report) as figure:
        main = figure.axes[0]
        start, end = x_days(main)
        assert start < days[0] and end > days[-1] and (end - start).days == 14
        assert len(main.get_lines()) == 1  # no illness line
        for value, text in visible_ticks(main, "y"):
            assert text == percent_label(value)


def test_a_flagged_plesso_gets_its_panel_with_the_same_kind_of_axes() -> None:
    days = [date(2026, 9, 15) + timedelta(days=7 * w + k) for w in range(8) for k in (0, 2)]
    flagged = [*observations("A", days[:-1], 0.03), *observations("A", days[-1:], 0.125)]
    report = build_report(days[-1], NAMES, 2, [*flagged, *observations("B", days, 0.03)])
    assert [f.code for f in report.flagged] == ["A"]
    with drawn(report) as figure:
        main, panel = figure.axes
        assert x_days(main) == (days[0] - timedelta(days=1), days[-1] + timedelta(days=1))
        assert x_days(panel) == x_days(main)
        for axis in (main, panel):
            for value, text in visible_ticks(axis, "y"):
                assert text == percent_label(value)
            assert all(text.count("/") == 1 for _, text in visible_ticks(axis, "x"))


def test_across_the_new_year_dates_carry_the_year() -> None:
    days = [date(2026, 12, 22), date(2027, 1, 7)]
    report = build_report(days[-1], NAMES, 1, observations("A", days, 0.03))
    with drawn(report) as figure:
        labels = [text for _, text in visible_ticks(figure.axes[0], "x")]
        assert labels and all(text.count("/") == 2 for text in labels)


@pytest.mark.parametrize("n", [1, 2, 30])
def test_x_range_covers_the_data(n: int) -> None:
    days = [TUESDAY + timedelta(days=2 * i) for i in range(n)]
    start, end = x_range(days)
    assert start < days[0] and end > days[-1] and (end - start).days >= 14
