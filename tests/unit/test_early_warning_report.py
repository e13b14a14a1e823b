"""The report of one recording day (domain.early_warning.build_report) and its chart."""

from __future__ import annotations

import struct
from datetime import date, timedelta

import pytest

from domain.early_warning import Observation, Rule, build_report
from formats.chart import render_png

NAMES = {"A": "Primaria A", "B": "Primaria B", "C": "Nuova C"}
FIRST = date(2026, 9, 15)  # a Tuesday


def recording_days(n: int) -> list[date]:
    days: list[date] = []
    day = FIRST
    while len(days) < n:
        if day.weekday() in (1, 3):
            days.append(day)
        day += timedelta(days=1)
    return days


def series(code: str, rates: list[float], enrolled: int | None = 500) -> list[Observation]:
    return [
        Observation(code, day, round(rate * 500), round(rate * 250), enrolled)
        for day, rate in zip(recording_days(len(rates)), rates, strict=True)
    ]


def test_counts_rates_flags_and_short_history() -> None:
    days = recording_days(14)
    observations = [
        *series("A", [0.03] * 13 + [0.12]),
        *series("B", [0.03] * 14),
        *[o for o in series("C", [0.03] * 14) if o.day >= days[11]],  # 3 recordings only
    ]
    report = build_report(days[-1], NAMES, expected=4, observations=observations)
    assert report.day == days[-1]
    assert (report.expected, report.recorded, report.without_enrolment) == (4, 3, 0)
    assert report.today is not None
    assert report.today.rate == pytest.approx((60 + 15 + 15) / 1500)
    assert report.today.ill_rate == pytest.approx((30 + 8 + 8) / 1500, abs=1e-3)
    assert [f.code for f in report.flagged] == ["A"]
    assert report.flagged[0].assessment.rules == (Rule.EARS_C2, Rule.FIXED)
    assert report.flagged[0].flagged_days == (days[-1],)
    assert report.short_history == ("Nuova C",)
    assert len(report.timeline) == 14
    assert report.timeline[-1].flagged == 1 and report.timeline[0].flagged == 0


def test_figures_without_enrolment_have_no_rate() -> None:
    days = recording_days(3)
    report = build_report(days[-1], NAMES, 1, series("A", [0.03] * 3, enrolled=None))
    assert report.recorded == 1 and report.without_enrolment == 1
    assert report.today is None and report.timeline == ()


def test_later_days_and_other_plessi_are_ignored() -> None:
    days = recording_days(10)
    observations = [*series("A", [0.03] * 10), Observation("Z", days[5], 99, None, 100)]
    report = build_report(days[5], NAMES, 1, observations)
    assert report.recorded == 1
    assert [d.day for d in report.timeline] == days[:6]


def test_the_chart_is_a_png_for_a_phone() -> None:
    days = recording_days(14)
    observations = [*series("A", [0.03] * 13 + [0.12]), *series("B", [0.03] * 14)]
    png = render_png(build_report(days[-1], NAMES, 2, observations), "Assenze – ATS-MILANO")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 900 and 600 <= height <= 1500
