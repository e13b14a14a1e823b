"""Early warning on absence rates: CDC EARS C1/C2/C3 and the fixed 10% threshold.

The sentinel plessi record absences on Tuesday and Thursday so that the ATS may spot early "a
signal of a possible pandemic threat" (seeds 002, 003). A plesso is flagged when its rate is
abnormally high against its own history, by a published aberration-detection method:

- **EARS C1, C2, C3** (Hutwagner L, Thompson W, Seeman GM, Treadwell T. "The bioterrorism
  preparedness and response Early Aberration Reporting System (EARS)". J Urban Health 2003;
  80(2 Suppl 1):i89-96). The baseline is the 7 recordings before the day (C1), or the 7 before
  a guard band of 2 recordings (C2, C3), so that a slowly rising outbreak does not hide in its
  own baseline. C1 and C2 = (rate - mean) / sd of the baseline, flag above 3. C3 = the sum of
  max(0, C2 - 1) over the day and the two recordings before it, flag above 2.
- **Fixed threshold**: the rate is above 10% ("soglia 10%"). It needs no history.

**Which series.** The baseline is the plesso's *combined* Tuesday/Thursday series: the last
recordings whatever their weekday. Seven same-weekday recordings plus a guard band of two
would take nine weeks (until November, and again after every long break) before the first
possible signal; the combined series needs four and a half weeks. Tuesday and Thursday are
both mid-week days, where school absences show no weekday pattern of their own (it sits on
Mondays and Fridays), so mixing them does not inflate the baseline's spread. The benchmark
(benchmarks/early_warning.py) also runs C2 on the same-weekday series: it raises no fewer
false alarms and detects fewer outbreaks, later.

**Noise guards.** A baseline of seven near-identical rates has an sd near zero, and then any
wiggle is "three sd" away. So the sd is floored at MIN_SD (1,5 percentage points, about the
binomial noise of a 4% rate in a plesso of 170 pupils) and an EARS signal also needs the
rate to exceed the baseline mean by MIN_EXCESS (5 points) in absolute terms. Both values
come from the benchmark: lower ones let C2 raise more false alarms than the 10% rule.

**Short history.** With fewer recordings than the method's baseline (7 for C1, 9 for C2,
11 for C3: C3 needs the C2 of the two recordings before the day) EARS says nothing: the
result is SHORT_HISTORY, never a flag from EARS, and the report lists those plessi apart.
The 10% threshold still applies to them: it compares with no history.

Rates are fractions (0.041 = 4,1%). Nothing here reads the clock or the database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import partial

from domain.calendar import school_year_of
from domain.signals import (
    MIN_COMPARED_PEERS,
    MIN_LAST_YEAR,
    MIN_PEERS,
    SPECS,
    Kind,
    Level,
    Point,
    SignalSeries,
    against_last_year,
    agreeing,
    beyond_peers,
    judge,
    overall,
    peer_stats,
)

BASELINE = 7  # recordings in the baseline (Hutwagner et al.)
GUARD = 2  # recordings between the baseline and the day, for C2 and C3
C12_THRESHOLD = 3.0  # C1, C2: sd above the baseline mean
C3_THRESHOLD = 2.0  # C3: sum of the three C2 excesses above 1
C3_DAYS = 3  # the day and the two recordings before it
MIN_SD = 0.015  # 1,5 percentage points
MIN_EXCESS = 0.05  # 5 percentage points above the baseline mean
FIXED_THRESHOLD = 0.10  # "soglia 10%"


class Method(StrEnum):
    C1 = "C1"
    C2 = "C2"
    C3 = "C3"


# The method the report uses: chosen by benchmarks/early_warning.py (see README).
REPORT_METHOD = Method.C2


class Rule(StrEnum):
    """A rule that can flag a plesso; the value is what the report says fired."""

    EARS_C1 = "EARS C1"
    EARS_C2 = "EARS C2"
    EARS_C3 = "EARS C3"
    FIXED = "soglia 10%"
    PEERS = "confronto con i pari"  # short history: far above the other plessi that day
    LAST_YEAR = "confronto con l'anno scorso"  # short history: far above its last year


_EARS_RULE = {Method.C1: Rule.EARS_C1, Method.C2: Rule.EARS_C2, Method.C3: Rule.EARS_C3}


class Status(StrEnum):
    FLAGGED = "flagged"
    NORMAL = "normal"
    SHORT_HISTORY = "short_history"  # too few recordings for the EARS baseline


@dataclass(frozen=True)
class Assessment:
    """The verdict on the last value of a series."""

    rate: float
    status: Status
    rules: tuple[Rule, ...] = ()  # the rules that fired, EARS first
    baseline_mean: float | None = None
    statistic: float | None = None  # C1/C2 in sd, or the C3 sum
    history: int = 0  # recordings before the day

    @property
    def flagged(self) -> bool:
        return self.status is Status.FLAGGED


def required_history(method: Method) -> int:
    """Recordings needed before the day for `method` to say anything."""
    if method is Method.C1:
        return BASELINE
    if method is Method.C2:
        return BASELINE + GUARD
    return BASELINE + GUARD + C3_DAYS - 1


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    mean = math.fsum(values) / len(values)
    # Sample sd (n - 1), as in EARS.
    variance = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, max(math.sqrt(variance), MIN_SD)


def _score(series: Sequence[float], index: int, guard: int) -> tuple[float, float] | None:
    """(standardised excess, baseline mean) of series[index], or None without a baseline."""
    end = index - guard
    start = end - BASELINE
    if start < 0:
        return None
    mean, sd = _mean_sd(series[start:end])
    return (series[index] - mean) / sd, mean


def ears(series: Sequence[float], method: Method) -> tuple[bool, float, float] | None:
    """EARS on the last value of `series` (oldest first): (signal, statistic, baseline mean),
    or None when the history is too short for `method`.

    The signal needs both the method's threshold and MIN_EXCESS over the baseline mean.
    """
    last = len(series) - 1
    if last < required_history(method):
        return None
    if method is Method.C1:
        scored = _score(series, last, 0)
        assert scored is not None
        value, mean = scored
        return value > C12_THRESHOLD and series[last] - mean >= MIN_EXCESS, value, mean
    scored = _score(series, last, GUARD)
    assert scored is not None
    value, mean = scored
    if method is Method.C2:
        return value > C12_THRESHOLD and series[last] - mean >= MIN_EXCESS, value, mean
    total = 0.0
    for index in range(last - C3_DAYS + 1, last + 1):
        past = _score(series, index, GUARD)
        assert past is not None
        total += max(0.0, past[0] - 1.0)
    return total > C3_THRESHOLD and series[last] - mean >= MIN_EXCESS, total, mean


def assess(series: Sequence[float], method: Method = REPORT_METHOD) -> Assessment:
    """The verdict on the last rate of `series` (the plesso's recordings, oldest first)."""
    if not series:
        raise ValueError("an empty series has no last value")
    rate = series[-1]
    fixed = rate > FIXED_THRESHOLD
    result = ears(series, method)
    rules: list[Rule] = []
    if result is None:
        status = Status.FLAGGED if fixed else Status.SHORT_HISTORY
        return Assessment(rate, status, (Rule.FIXED,) if fixed else (), history=len(series) - 1)
    signal, statistic, mean = result
    if signal:
        rules.append(_EARS_RULE[method])
    if fixed:
        rules.append(Rule.FIXED)
    return Assessment(
        rate,
        Status.FLAGGED if rules else Status.NORMAL,
        tuple(rules),
        baseline_mean=mean,
        statistic=statistic,
        history=len(series) - 1,
    )


def alarms(series: Sequence[float], method: Method | None) -> list[bool]:
    """For every value of `series`: whether `method` signals on it (None: the 10% rule alone).

    What the benchmark runs; each value is judged only on the values before it.
    """
    flags: list[bool] = []
    for index in range(len(series)):
        if method is None:
            flags.append(series[index] > FIXED_THRESHOLD)
            continue
        result = ears(series[: index + 1], method)
        flags.append(result is not None and result[0])
    return flags


# --- The report of one recording day ----------------------------------------------------


@dataclass(frozen=True)
class Observation:
    """One plesso's figure for one recording day, with the enrolment in force that day."""

    plesso_code: str
    day: date
    absent: int
    ill: int | None
    enrolled: int | None  # None: no enrolment figure in force, so no rate

    @property
    def rate(self) -> float | None:
        return self.absent / self.enrolled if self.enrolled else None


@dataclass(frozen=True)
class FlaggedPlesso:
    code: str
    name: str
    assessment: Assessment
    series: tuple[tuple[date, float], ...]  # the plesso's rates in the school year, to `day`
    flagged_days: tuple[date, ...]  # days of `series` it was flagged on


@dataclass(frozen=True)
class DayRate:
    """The ATS-wide figures of one recording day (plessi with an enrolment only)."""

    day: date
    rate: float
    ill_rate: float | None  # over the plessi that gave the ill figure
    flagged: int  # plessi flagged that day


@dataclass(frozen=True)
class EarlyWarningReport:
    day: date
    method: Method
    expected: int  # sentinel plessi that owed a figure for `day`
    recorded: int  # of all sentinel plessi, those with a figure for `day`
    without_enrolment: int  # recorded, but no enrolment in force: no rate
    today: DayRate | None  # None: no rate on `day`
    flagged: tuple[FlaggedPlesso, ...]
    short_history: tuple[str, ...]  # plessi with nothing to compare with (no EARS, no peers)
    timeline: tuple[DayRate, ...]  # the school year up to `day`
    signals: tuple[SignalSeries, ...] = ()  # the ATS-wide series (domain.signals), absences first
    compared_with_peers: int = 0  # plessi too new for EARS, judged against peers / last year

    @property
    def headline(self) -> Level | None:
        """Andamento regionale: None when no series could be judged."""
        return overall(self.signals) if self.signals else None

    @property
    def agreeing(self) -> tuple[str, ...]:
        return tuple(str(kind) for kind in agreeing(self.signals))


def build_report(
    day: date,
    names: Mapping[str, str],
    expected: int,
    observations: Sequence[Observation],
    method: Method = REPORT_METHOD,
    types: Mapping[str, str] | None = None,
    last_year: Mapping[str, Sequence[float]] | None = None,
) -> EarlyWarningReport:
    """The report for `day` from the sentinel plessi's observations (`names`: code → name).

    `observations` are those of the school year of `day`, up to it: a new school year starts
    a new history (new enrolments, new classes), so last June is no EARS baseline for
    September. A plesso too new for EARS is compared with its peers the same day (`types`:
    code → school type) and with its own last school year's rates (`last_year`).
    """
    series: dict[str, list[Observation]] = {}
    for observation in sorted(observations, key=lambda o: (o.plesso_code, o.day)):
        if observation.day <= day and observation.plesso_code in names:
            series.setdefault(observation.plesso_code, []).append(observation)
    rates_on: dict[date, dict[str, float]] = {}
    for code, points in series.items():
        for p in points:
            if p.rate is not None:
                rates_on.setdefault(p.day, {})[code] = p.rate
    day_peers = _Peers(rates_on, types or {})
    verdicts: dict[str, list[tuple[date, Assessment]]] = {}
    for code, points in series.items():
        rated = [(p.day, p.rate) for p in points if p.rate is not None]
        rates = [r for _, r in rated]
        history = (last_year or {}).get(code, ())
        verdicts[code] = [
            (
                when,
                _with_peers(
                    assess(rates[: index + 1], method),
                    partial(day_peers.of, when, code),
                    history,
                    method,
                ),
            )
            for index, (when, _) in enumerate(rated)
        ]
    today_points = [points[-1] for points in series.values() if points[-1].day == day]
    flagged: list[FlaggedPlesso] = []
    short: list[str] = []
    compared = 0
    for code, judged in sorted(verdicts.items(), key=lambda item: names[item[0]]):
        if not judged or judged[-1][0] != day:
            continue
        verdict = judged[-1][1]
        compared += verdict.history < required_history(method)
        if verdict.status is Status.SHORT_HISTORY:
            short.append(names[code])
        if verdict.flagged:
            flagged.append(
                FlaggedPlesso(
                    code=code,
                    name=names[code],
                    assessment=verdict,
                    series=tuple((when, a.rate) for when, a in judged),
                    flagged_days=tuple(when for when, a in judged if a.flagged),
                )
            )
    flagged.sort(key=lambda f: -f.assessment.rate)
    timeline = _timeline(series, verdicts)
    return EarlyWarningReport(
        day=day,
        method=method,
        expected=expected,
        recorded=len(today_points),
        without_enrolment=sum(1 for p in today_points if p.rate is None),
        today=next((d for d in timeline if d.day == day), None),
        flagged=tuple(flagged),
        short_history=tuple(short),
        timeline=timeline,
        compared_with_peers=compared - len(short),
    )


class _Peers:
    """The peers of a plesso on a day: the sentinel plessi of its school type that recorded
    (every plesso when its type has fewer than MIN_PEERS others), as (median, MAD, how many
    others). A region has hundreds of plessi a day, so each group's median and MAD are
    computed once, over the group with the plesso in it: robust statistics, which one
    plesso moves by half a rank at most (the pure rule on explicit peers is
    domain.signals.against_peers)."""

    def __init__(self, rates_on: Mapping[date, Mapping[str, float]], types: Mapping[str, str]):
        self._rates_on = rates_on
        self._types = types
        self._stats: dict[tuple[date, str | None], tuple[float, float, int]] = {}

    def _group(self, day: date, kind: str | None) -> tuple[float, float, int]:
        key = (day, kind)
        if key not in self._stats:
            rates = self._rates_on[day]
            values = [r for c, r in rates.items() if kind is None or self._types.get(c) == kind]
            self._stats[key] = (*peer_stats(values), len(values) - 1)
        return self._stats[key]

    def of(self, day: date, code: str) -> tuple[float, float, int]:
        kind = self._types.get(code)
        if kind is not None:
            found = self._group(day, kind)
            if found[2] >= MIN_PEERS:
                return found
        return self._group(day, None)


def _with_peers(
    verdict: Assessment,
    peers_of_day: Callable[[], tuple[float, float, int]],
    history: Sequence[float],
    method: Method,
) -> Assessment:
    """The verdict of a plesso too new for EARS completed by its peers of the day and its
    last school year (domain.signals): only a plesso with neither stays SHORT_HISTORY."""
    if verdict.history >= required_history(method):
        return verdict
    median, mad, others = peers_of_day()  # only now: most verdicts need no peers
    with_peers = others >= MIN_COMPARED_PEERS
    if not with_peers and len(history) < MIN_LAST_YEAR:
        return verdict
    rules = list(verdict.rules)
    if with_peers and beyond_peers(verdict.rate, median, mad):
        rules.insert(0, Rule.PEERS)
    if against_last_year(verdict.rate, history):
        rules.insert(len(rules) - (Rule.FIXED in rules), Rule.LAST_YEAR)
    return Assessment(
        verdict.rate,
        Status.FLAGGED if rules else Status.NORMAL,
        tuple(rules),
        history=verdict.history,
    )


def _timeline(
    series: Mapping[str, Sequence[Observation]],
    verdicts: Mapping[str, Sequence[tuple[date, Assessment]]],
) -> tuple[DayRate, ...]:
    by_day: dict[date, list[Observation]] = {}
    for points in series.values():
        for point in points:
            if point.enrolled:
                by_day.setdefault(point.day, []).append(point)
    flagged_on: dict[date, int] = {}
    for judged in verdicts.values():
        for when, verdict in judged:
            if verdict.flagged:
                flagged_on[when] = flagged_on.get(when, 0) + 1
    timeline: list[DayRate] = []
    for when in sorted(by_day):
        points = by_day[when]
        enrolled = sum(p.enrolled or 0 for p in points)
        with_ill = [p for p in points if p.ill is not None]
        ill_enrolled = sum(p.enrolled or 0 for p in with_ill)
        timeline.append(
            DayRate(
                day=when,
                rate=sum(p.absent for p in points) / enrolled,
                ill_rate=(
                    sum(p.ill or 0 for p in with_ill) / ill_enrolled if ill_enrolled else None
                ),
                flagged=flagged_on.get(when, 0),
            )
        )
    return tuple(timeline)


# --- the ATS-wide series of the pandemic signal (domain.signals) ------------------------


def signal_points(
    observations: Sequence[Observation], sent_home: Mapping[tuple[str, date], int]
) -> dict[Kind, list[Point]]:
    """The ATS-wide value of each recording day, per kind of series, over the plessi with an
    enrolment that day (weighted by enrolment): all-cause absences, illness absences (over
    the plessi that gave them), pupils sent home (`sent_home`: (plesso, day) → pupils) per
    pupil enrolled. A further signal is one more entry here."""
    by_day: dict[date, list[Observation]] = {}
    for o in observations:
        if o.enrolled:
            by_day.setdefault(o.day, []).append(o)
    points: dict[Kind, list[Point]] = {kind: [] for kind in Kind}
    for when in sorted(by_day):
        day_obs = by_day[when]
        enrolled = sum(o.enrolled or 0 for o in day_obs)
        points[Kind.ABSENCE].append(Point(when, sum(o.absent for o in day_obs) / enrolled))
        with_ill = [o for o in day_obs if o.ill is not None]
        ill_enrolled = sum(o.enrolled or 0 for o in with_ill)
        if ill_enrolled:
            ill = sum(o.ill or 0 for o in with_ill)
            points[Kind.ILLNESS].append(Point(when, ill / ill_enrolled))
        sent = sum(sent_home.get((o.plesso_code, when), 0) for o in day_obs)
        points[Kind.SENT_HOME].append(Point(when, sent / enrolled))
    return points


def judge_signals(
    day: date,
    observations: Sequence[Observation],
    sent_home: Mapping[tuple[str, date], int],
) -> tuple[SignalSeries, ...]:
    """Every kind of series of `day`'s school year, judged against the earlier years found in
    `observations` (the same weeks), else against the year so far. A sent-home series that
    is all zeros (no school sends reports) is left out, as is an illness series never given.
    """
    year = school_year_of(day)
    current = [o for o in observations if school_year_of(o.day) == year and o.day <= day]
    earlier = [o for o in observations if school_year_of(o.day) < year]
    now_points = signal_points(current, sent_home)
    past_points = signal_points(earlier, sent_home)
    judged: list[SignalSeries] = []
    for kind in Kind:
        points = now_points[kind]
        if not points or (kind is Kind.SENT_HOME and not any(p.value for p in points)):
            continue
        judged.append(judge(points, past_points[kind], SPECS[kind]))
    return tuple(judged)
