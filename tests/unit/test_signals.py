"""The pandemic signal (issue 21) on hand-made series: the aggregate rule against the same
weeks of earlier years or the year so far, episodes, the peer comparison of a plesso with
short history, and each kind of series through the same machinery."""

from __future__ import annotations

from datetime import date, timedelta

from domain.early_warning import Observation, Rule, build_report, judge_signals
from domain.signals import (
    SPECS,
    Baseline,
    Judged,
    Kind,
    Level,
    Mode,
    Point,
    Tuning,
    against_peers,
    judge,
    new_episode,
    peers_for,
)


def tue_thu(first: date, n: int) -> list[date]:
    days: list[date] = []
    day = first
    while len(days) < n:
        if day.weekday() in (1, 3):
            days.append(day)
        day += timedelta(days=1)
    return days


LAST_YEAR = tue_thu(date(2025, 9, 16), 60)
THIS_YEAR = tue_thu(date(2026, 9, 15), 20)
CODES = ["A", "B", "C", "D", "E", "F"]


def wobble(index: int, number: int = 0) -> float:
    """A deterministic ±0,2-point noise."""
    return 0.001 * ((index * 7 + number * 3) % 5 - 2)


def world(last: list[float] | None, this: list[float], pupils: int = 400) -> list[Observation]:
    """Six plessi sharing the rates `this` (this year) and `last` (last year), with noise."""
    observations: list[Observation] = []
    for number, code in enumerate(CODES):
        years = [(THIS_YEAR, this)] + ([(LAST_YEAR, last)] if last is not None else [])
        for days, rates in years:
            for index, (day, rate) in enumerate(zip(days, rates, strict=False)):
                absent = round(pupils * (rate + wobble(index, number)))
                observations.append(Observation(code, day, absent, absent // 2, pupils))
    return observations


def absence(series: tuple[object, ...]) -> list[Judged]:
    found = [s for s in series if getattr(s, "kind", None) is Kind.ABSENCE]
    assert found
    return list(found[0].days)  # type: ignore[attr-defined]


def test_a_wave_every_plesso_shares_is_flagged_at_the_aggregate_level() -> None:
    this = [0.03] * 16 + [0.045, 0.055, 0.065, 0.075]  # under 10%, slowly, everywhere
    observations = world([0.03] * 60, this)
    day = THIS_YEAR[-1]
    current = [o for o in observations if o.day >= THIS_YEAR[0]]
    report = build_report(day, {c: c for c in CODES}, 6, current)
    assert report.flagged == ()  # no plesso alone is abnormal
    judged = absence(judge_signals(day, observations, {}))
    assert [d.level for d in judged[:16]] == [Level.NORMAL] * 16  # no false alarm before
    assert judged[16].level in (Level.RISING, Level.SIGNAL)
    assert judged[-1].level is Level.SIGNAL
    assert judged[0].baseline is Baseline.EARLIER_YEARS  # the first weeks: last year's
    assert judged[-1].baseline is Baseline.THIS_YEAR  # later: the year so far (hybrid)
    assert judged[-1].expected is not None and abs(judged[-1].expected - 0.03) < 0.002
    assert judged[-1].low is not None  # the chart's band of earlier years is there
    # The same wave against the same weeks of last year alone (Mode.SEASONAL): flagged too.
    seasonal = judge(
        [Point(d.day, d.value) for d in judged],
        [Point(o.day, o.rate or 0) for o in observations if o.day < THIS_YEAR[0]],
        SPECS[Kind.ABSENCE],
        Tuning(mode=Mode.SEASONAL),
    )
    assert seasonal.days[-1].baseline is Baseline.EARLIER_YEARS
    assert seasonal.level is Level.SIGNAL


def test_without_earlier_years_the_year_so_far_is_the_baseline() -> None:
    points = [Point(d, 0.03 + wobble(i)) for i, d in enumerate(THIS_YEAR[:14])]
    points += [Point(d, v) for d, v in zip(THIS_YEAR[14:], [0.04, 0.045, 0.05], strict=False)]
    judged = judge(points, [], SPECS[Kind.ABSENCE])
    assert judged.days[0].baseline is Baseline.NONE  # the first days: nothing to compare
    assert judged.days[10].baseline is Baseline.THIS_YEAR
    assert all(d.level is Level.NORMAL for d in judged.days[:14])
    assert judged.level is Level.SIGNAL


def test_the_same_weeks_of_earlier_years_carry_the_season() -> None:
    # Last year rose to 6% in November; this year does the same: the season, not a signal.
    season = [0.03] * 20 + [0.06] * 10 + [0.03] * 30
    earlier = [
        Point(d, v + wobble(i)) for i, (d, v) in enumerate(zip(LAST_YEAR, season, strict=True))
    ]
    this_days = tue_thu(date(2026, 9, 15), 30)
    current = [
        Point(d, v + wobble(i, 1)) for i, (d, v) in enumerate(zip(this_days, season, strict=False))
    ]
    seasonal = Tuning(mode=Mode.SEASONAL)
    judged = judge(current, earlier, SPECS[Kind.ABSENCE], seasonal)
    assert all(d.level is not Level.SIGNAL for d in judged.days)
    # The same rise against a flat last year is a signal.
    flat = [Point(d, 0.03 + wobble(i)) for i, d in enumerate(LAST_YEAR)]
    assert judge(current, flat, SPECS[Kind.ABSENCE], seasonal).level is Level.SIGNAL


def test_in_the_first_weeks_the_earlier_years_judge_a_rise_from_the_first_recording() -> None:
    # A wave from the very first week: nothing of this year to compare with, last year is.
    flat = [Point(d, 0.03 + wobble(i)) for i, d in enumerate(LAST_YEAR)]
    current = [Point(d, v) for d, v in zip(THIS_YEAR, [0.045, 0.05, 0.055], strict=False)]
    judged = judge(current, flat, SPECS[Kind.ABSENCE])
    assert [d.baseline for d in judged.days] == [Baseline.EARLIER_YEARS] * 3
    assert judged.level is Level.SIGNAL
    assert judge(current, [], SPECS[Kind.ABSENCE]).days[-1].baseline is Baseline.NONE


def test_the_push_fires_on_the_first_day_of_an_episode_only() -> None:
    def day(level: Level) -> Judged:
        return Judged(date(2026, 11, 17), 0.05, level, Baseline.THIS_YEAR)

    assert new_episode([day(Level.NORMAL), day(Level.SIGNAL)])
    assert new_episode([day(Level.RISING), day(Level.SIGNAL)])
    assert not new_episode([day(Level.SIGNAL), day(Level.SIGNAL)])
    assert not new_episode([day(Level.SIGNAL), day(Level.RISING)])
    assert new_episode([day(Level.SIGNAL)])
    assert not new_episode([])


def test_a_lone_plesso_at_the_start_of_the_year_is_judged_against_its_peers() -> None:
    days = THIS_YEAR[:2]
    observations = [
        Observation(
            code, d, round(400 * (0.09 if code == "A" and d == days[1] else 0.03)), None, 400
        )
        for code in CODES
        for d in days
    ]
    report = build_report(days[1], {c: c for c in CODES}, 6, observations)
    assert report.short_history == ()  # "storico troppo breve" is gone after one recording
    assert report.compared_with_peers == 6
    assert [f.code for f in report.flagged] == ["A"]  # 9%: under the 10% rule, far above peers
    assert report.flagged[0].assessment.rules == (Rule.PEERS,)
    # Its first recording had no history at all but peers: judged, not flagged.
    first = build_report(days[0], {c: c for c in CODES}, 6, observations)
    assert first.short_history == () and first.flagged == ()


def test_the_peers_are_of_the_same_school_type() -> None:
    types = {"A": "primaria", "B": "primaria", "C": "primaria", "D": "primaria", "E": "primaria"}
    types |= {
        "I1": "infanzia",
        "I2": "infanzia",
        "I3": "infanzia",
        "I4": "infanzia",
        "I5": "infanzia",
    }
    rates = {c: 0.03 for c in types if c[0] != "I"} | {c: 0.08 for c in types if c[0] == "I"}
    rates["I1"] = 0.09
    rates["A"] = 0.09
    assert not against_peers(rates["I1"], peers_for("I1", rates, types))  # infanzia: usual
    assert against_peers(rates["A"], peers_for("A", rates, types))  # primaria: far above
    # Without enough of its type, every other plesso is a peer.
    assert len(peers_for("A", {"A": 0.09, "B": 0.03, "I1": 0.08}, types)) == 2


def test_a_new_plesso_is_judged_against_its_last_school_year() -> None:
    days = THIS_YEAR[:1]
    observations = [Observation("A", days[0], 36, None, 400)]  # 9%, alone, first recording
    report = build_report(days[0], {"A": "A"}, 1, observations, last_year={"A": [0.03] * 40})
    assert report.short_history == ()
    assert report.flagged[0].assessment.rules == (Rule.LAST_YEAR,)
    alone = build_report(days[0], {"A": "A"}, 1, observations)
    assert alone.short_history == ("A",) and alone.flagged == ()


def test_each_series_runs_through_the_same_machinery() -> None:
    this = [0.03] * 16 + [0.045, 0.055, 0.065, 0.075]
    observations = world([0.03] * 60, this)
    day = THIS_YEAR[-1]
    # Sent home: one pupil a day in each plesso last year and this, then ten.
    sent = {(c, d): 1 for c in CODES for d in LAST_YEAR + THIS_YEAR[:-2]}
    sent |= {(c, d): 10 for c in CODES for d in THIS_YEAR[-2:]}
    series = judge_signals(day, observations, sent)
    assert [s.kind for s in series] == [Kind.ABSENCE, Kind.ILLNESS, Kind.SENT_HOME]
    assert all(s.level is Level.SIGNAL for s in series)
    assert abs(series[2].days[-1].value - 10 / 400) < 1e-9
    # No reports at all: the sent-home series is left out; no ill figures: no illness series.
    bare = [Observation(o.plesso_code, o.day, o.absent, None, o.enrolled) for o in observations]
    assert [s.kind for s in judge_signals(day, bare, {})] == [Kind.ABSENCE]


def test_a_flat_year_raises_nothing() -> None:
    observations = world([0.03] * 60, [0.03] * 20)
    judged = absence(judge_signals(THIS_YEAR[-1], observations, {}))
    assert all(d.level is Level.NORMAL for d in judged)
