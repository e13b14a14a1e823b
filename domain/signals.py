"""The pandemic signal (issue 21): series of the whole ATS (or region) judged against a
seasonal baseline, and a plesso with short history judged against its peers.

Seeds 002/003 ask for a signal of a possible *pandemic* threat. A region-wide wave rises in
every plesso together and slowly, so it enters each plesso's own EARS baseline and no single
plesso looks abnormal. Here the ATS-wide figure of each recording day (the enrolment-weighted
absence rate of the sentinel plessi, or the illness-absence rate, or pupils sent home per
pupil enrolled: any series of `Point`s) is judged against a baseline:

- **the same weeks of earlier school years** (a "historical limits" baseline, Stroup et al.
  1989, the core of Farrington's method): the values of the weeks `week - SEASON_WINDOW ..
  week + SEASON_WINDOW` of every earlier year, at least MIN_SEASONAL of them;
- **this year so far**: the values before a guard band of GUARD recordings (so a rise does
  not hide in its own baseline), the last THIS_YEAR_SPAN of them, at least MIN_THIS_YEAR.

Which one (Mode): the benchmark (benchmarks/pandemic.py, README) chose HYBRID: the earlier
years in the first weeks of the year (before this year has HYBRID_SPAN usable recordings),
this year so far afterwards, and the year so far when there are no earlier years. The
earlier years alone raised as few false alarms but detected waves later: the winter swell's
week and height change from year to year, so their band is wide. The chart always draws the
earlier years' band when there is one.

Each day's standardised excess z = (value - mean) / max(sd, spec.min_sd) is smoothed by an
EWMA (lambda LAMBDA), which accumulates a small, persistent rise that no single day shows.
The level: SIGNAL when the EWMA passes SIGNAL_AT and the day exceeds the baseline by
spec.min_excess; RISING when the EWMA passes RISING_AT (or the day alone passes SIGNAL_AT);
else NORMAL. Thresholds chosen on benchmarks/early_warning.py (see README).

An *episode* is a run of SIGNAL recording days; the nightly push fires on its first day only.

**Peers.** A plesso with too short a history for EARS is judged against the other sentinel
plessi of the same school type the same day (all of them when its type has fewer than
MIN_PEERS): a robust z (median, MAD) above PEER_THRESHOLD and MIN_EXCESS points above the
peers' median; and against its own last school year (mean, sd floored at MIN_SD).

Nothing here reads the clock or the database; values are fractions (0.041 = 4,1%).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.calendar import school_year_bounds, school_year_of

SEASON_WINDOW = 2  # weeks either side of the day's school week, in earlier years
MIN_SEASONAL = 4  # earlier-year values needed for the seasonal baseline
GUARD = 2  # recordings between this year's baseline and the day
THIS_YEAR_SPAN = 10  # recordings of this year's baseline, at most
MIN_THIS_YEAR = 3  # recordings of this year's baseline, at least
HYBRID_SPAN = 6  # Mode.HYBRID: this year's baseline takes over with this many recordings
LAMBDA = 0.4  # EWMA weight of the day
SIGNAL_AT = 2.0  # EWMA of z for a signal
RISING_AT = 1.0  # EWMA of z for "in aumento"
MIN_PEERS = 4  # peers of the same school type, else every peer
MIN_COMPARED_PEERS = 3  # fewer other plessi that day: no comparison with peers
PEER_THRESHOLD = 3.0  # robust z against the peers, and z against the last school year
MIN_LAST_YEAR = 5  # recordings of the last school year needed to compare with it
# A single plesso's guards, as EARS's in domain.early_warning (kept apart: that module uses these).
PLESSO_MIN_SD = 0.015
PLESSO_MIN_EXCESS = 0.05


class Kind(StrEnum):
    """Which series; the value is how the report names it."""

    ABSENCE = "assenze"
    ILLNESS = "assenze per malattia"
    SENT_HOME = "rinvii a casa"


class Level(StrEnum):
    NORMAL = "nella norma"
    RISING = "in aumento"
    SIGNAL = "segnale"


class Baseline(StrEnum):
    EARLIER_YEARS = "anni precedenti"
    THIS_YEAR = "anno in corso"
    NONE = "nessuno"


@dataclass(frozen=True)
class Spec:
    """The noise guards of one kind of series (they differ in scale)."""

    kind: Kind
    min_sd: float
    min_excess: float


# The aggregate of tens of plessi is far less noisy than one plesso: floors from the benchmark.
SPECS: dict[Kind, Spec] = {
    Kind.ABSENCE: Spec(Kind.ABSENCE, min_sd=0.003, min_excess=0.006),
    Kind.ILLNESS: Spec(Kind.ILLNESS, min_sd=0.0015, min_excess=0.003),
    Kind.SENT_HOME: Spec(Kind.SENT_HOME, min_sd=0.0002, min_excess=0.0005),
}


@dataclass(frozen=True)
class Point:
    day: date
    value: float


@dataclass(frozen=True)
class Judged:
    """The verdict on one recording day of a series."""

    day: date
    value: float
    level: Level
    baseline: Baseline
    expected: float | None = None  # the baseline mean
    low: float | None = None  # the band: mean ± 2 sd (earlier years: their range)
    high: float | None = None
    score: float = 0.0  # the EWMA of z


@dataclass(frozen=True)
class SignalSeries:
    """One series of the school year, judged day by day."""

    kind: Kind
    days: tuple[Judged, ...]

    @property
    def last(self) -> Judged | None:
        return self.days[-1] if self.days else None

    @property
    def level(self) -> Level:
        return self.days[-1].level if self.days else Level.NORMAL

    @property
    def episode_starts(self) -> bool:
        """The last day is the first SIGNAL of a run: the push fires once per episode."""
        return new_episode(self.days)


def school_week(day: date) -> int:
    """Weeks since 1 September of the day's school year (the seasonal position)."""
    start, _ = school_year_bounds(school_year_of(day))
    return (day - start).days // 7


def _mean_sd(values: Sequence[float], floor: float) -> tuple[float, float]:
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return mean, floor
    return mean, max(statistics.stdev(values), floor)


def seasonal_values(day: date, earlier: Sequence[Point]) -> list[float]:
    """The values of the earlier years in the weeks around `day`'s school week."""
    week = school_week(day)
    return [p.value for p in earlier if abs(school_week(p.day) - week) <= SEASON_WINDOW]


class Mode(StrEnum):
    """Which baseline when both exist."""

    SEASONAL = "seasonal"  # the same weeks of earlier years, else the year so far
    THIS_YEAR = "this_year"  # the year so far only
    HYBRID = "hybrid"  # the year so far once it has HYBRID_SPAN values, earlier years before


@dataclass(frozen=True)
class Tuning:
    """The EWMA's parameters (the benchmark tries others; the report uses TUNING)."""

    lam: float = LAMBDA
    signal_at: float = SIGNAL_AT
    rising_at: float = RISING_AT
    mode: Mode = Mode.HYBRID  # chosen on the benchmark (README)


TUNING = Tuning()


def _this_year(current: Sequence[Point], index: int) -> list[float]:
    """This year's baseline of current[index]: before a guard band, the last THIS_YEAR_SPAN."""
    if index - GUARD < MIN_THIS_YEAR:
        return []
    return [p.value for p in current[max(0, index - GUARD - THIS_YEAR_SPAN) : index - GUARD]]


def judge(
    current: Sequence[Point], earlier: Sequence[Point], spec: Spec, tuning: Tuning = TUNING
) -> SignalSeries:
    """Every day of `current` (this school year, oldest first) judged only on what came
    before it; `earlier` holds the values of earlier school years (any order). The band
    (`low`, `high`) is the earlier years' range in the same weeks whenever they have one."""
    judged: list[Judged] = []
    ewma = 0.0
    for index, point in enumerate(current):
        seasonal = seasonal_values(point.day, earlier)
        if len(seasonal) < MIN_SEASONAL:
            seasonal = []
        base = _this_year(current, index)
        use_seasonal = bool(seasonal) and tuning.mode is not Mode.THIS_YEAR
        if tuning.mode is Mode.HYBRID and len(base) >= HYBRID_SPAN:
            use_seasonal = False
        if use_seasonal:
            kind = Baseline.EARLIER_YEARS
            mean, sd = _mean_sd(seasonal, spec.min_sd)
        elif base:
            kind = Baseline.THIS_YEAR
            mean, sd = _mean_sd(base, spec.min_sd)
        else:
            judged.append(Judged(point.day, point.value, Level.NORMAL, Baseline.NONE))
            continue
        low, high = (min(seasonal), max(seasonal)) if seasonal else (mean - 2 * sd, mean + 2 * sd)
        z = (point.value - mean) / sd
        ewma = tuning.lam * z + (1 - tuning.lam) * ewma
        level = Level.NORMAL
        if ewma > tuning.signal_at and point.value - mean >= spec.min_excess:
            level = Level.SIGNAL
        elif ewma > tuning.rising_at or z > tuning.signal_at:
            level = Level.RISING
        judged.append(Judged(point.day, point.value, level, kind, mean, low, high, ewma))
    return SignalSeries(spec.kind, tuple(judged))


def new_episode(days: Sequence[Judged]) -> bool:
    """Whether the last day opens an episode: SIGNAL, and the day before was not."""
    if not days or days[-1].level is not Level.SIGNAL:
        return False
    return len(days) == 1 or days[-2].level is not Level.SIGNAL


def overall(series: Sequence[SignalSeries]) -> Level:
    """The headline: the all-cause absence level; a symptom-specific signal alone raises
    it to RISING at most (one series alone is a hint, the absences are the signal)."""
    levels = {s.kind: s.level for s in series}
    level = levels.get(Kind.ABSENCE, Level.NORMAL)
    if level is Level.NORMAL and any(v is not Level.NORMAL for v in levels.values()):
        return Level.RISING
    return level


def agreeing(series: Sequence[SignalSeries]) -> tuple[Kind, ...]:
    """The series above normal on their last day: two or more agree."""
    return tuple(s.kind for s in series if s.level is not Level.NORMAL)


# --- peers: a plesso with short history ---------------------------------------------------


def peers_for(code: str, rates: Mapping[str, float], types: Mapping[str, str]) -> list[float]:
    """The other plessi's rates the same day: those of the same school type when there are
    MIN_PEERS of them (absence levels differ by type), else every other plesso's."""
    others = {c: r for c, r in rates.items() if c != code}
    kind = types.get(code)
    same = [r for c, r in others.items() if kind is not None and types.get(c) == kind]
    return same if len(same) >= MIN_PEERS else list(others.values())


def peer_stats(values: Sequence[float]) -> tuple[float, float]:
    """(median, 1.4826 MAD) of the peers' rates: a robust centre and spread."""
    median = statistics.median(values)
    return median, statistics.median(abs(v - median) for v in values) * 1.4826


def beyond_peers(rate: float, median: float, mad: float) -> bool:
    """A robust z (the MAD floored at PLESSO_MIN_SD) above PEER_THRESHOLD and
    PLESSO_MIN_EXCESS above the median."""
    excess = rate - median
    return excess / max(mad, PLESSO_MIN_SD) > PEER_THRESHOLD and excess >= PLESSO_MIN_EXCESS


def against_peers(rate: float, peers: Sequence[float]) -> bool:
    """Far above the peers the same day (beyond_peers). Fewer than 3 peers: no verdict."""
    if len(peers) < MIN_COMPARED_PEERS:
        return False
    return beyond_peers(rate, *peer_stats(peers))


def against_last_year(rate: float, last_year: Sequence[float]) -> bool:
    """Far above the plesso's own last school year (mean, sd floored at PLESSO_MIN_SD)."""
    if len(last_year) < MIN_LAST_YEAR:
        return False
    mean, sd = _mean_sd(last_year, PLESSO_MIN_SD)
    return (rate - mean) / sd > PEER_THRESHOLD and rate - mean >= PLESSO_MIN_EXCESS


def can_compare(peers: Sequence[float], last_year: Sequence[float]) -> bool:
    """Whether a plesso without EARS history is compared with anything at all."""
    return len(peers) >= MIN_COMPARED_PEERS or len(last_year) >= MIN_LAST_YEAR
