"""Benchmark of the absence early-warning rules on synthetic Tuesday/Thursday series.

    .venv/bin/python -m benchmarks.early_warning [--plessi 600] [--years 3] [--seed 2026]

For every plesso and school year: enrolment 150-1.200 pupils, a baseline absence rate of 2-4%,
a winter swell (peak at the end of January, +30% to +100% of the baseline), binomial noise
with some extra day-to-day spread, the Christmas break as a gap. A third of the plesso-years
carry an outbreak: from a random recording day the rate rises linearly over one to three
weeks (2-6 recordings) to a peak of 8-15%, holds for two recordings and falls back over
three. Each method of domain.early_warning then runs on each series as the report would run
it, judging every day only on the days before it, and the figures printed are:

- false alarms per plesso per school year: signals on days outside any outbreak;
- outbreaks detected: share with a signal between the outbreak's first day and its peak's end;
- median delay: recording days from the outbreak's first day to the first signal (detected
  outbreaks only); and the mean delay on the outbreaks both the method and the 10% rule
  detect, so a method is not "earlier" merely by finding outbreaks the other misses.

The region-wide waves, the aggregate signal and the first weeks' peer comparison (issue 21)
have their own world: benchmarks/pandemic.py.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from domain.early_warning import MIN_EXCESS, MIN_SD, Method, alarms

RECORDINGS = 70  # Tue and Thu from mid-September to early June, minus the breaks
CHRISTMAS = range(26, 30)  # the recordings lost to the Christmas break
WINTER_PEAK = 38  # the recording at the end of January


@dataclass
class Outbreak:
    start: int  # index in the series (after the gaps are removed)
    peak_end: int  # last recording of the plateau
    end: int  # last recording above the baseline


@dataclass
class Series:
    rates: list[float]
    weekdays: list[int]  # 1 Tuesday, 3 Thursday
    outbreak: Outbreak | None = None


def synthetic(rng: random.Random, with_outbreak: bool) -> Series:
    pupils = rng.randint(150, 1200)
    base = rng.uniform(0.02, 0.04)
    swell = rng.uniform(0.3, 1.0)
    overdispersion = rng.uniform(0.05, 0.15)
    expected: list[float] = []
    for index in range(RECORDINGS):
        season = math.exp(-(((index - WINTER_PEAK) / 12.0) ** 2))
        expected.append(base * (1 + swell * season))
    outbreak: Outbreak | None = None
    if with_outbreak:
        ramp = rng.randint(2, 6)
        peak = rng.uniform(0.08, 0.15)
        start = rng.randint(12, RECORDINGS - ramp - 6)
        if any(index in CHRISTMAS for index in range(start, start + ramp + 5)):
            start = CHRISTMAS.stop + 2  # keep the whole outbreak within term time
        for step in range(ramp):
            index = start + step
            expected[index] += (peak - expected[index]) * (step + 1) / ramp
        for index in range(start + ramp, start + ramp + 2):
            expected[index] = max(expected[index], peak)
        for step, index in enumerate(range(start + ramp + 2, start + ramp + 5)):
            expected[index] += (peak - expected[index]) * (3 - step - 1) / 3 * 0.8
        outbreak = Outbreak(start, start + ramp + 1, start + ramp + 4)
    rates: list[float] = []
    weekdays: list[int] = []
    kept: dict[int, int] = {}
    for index, p in enumerate(expected):
        if index in CHRISTMAS:
            continue
        p = min(0.95, max(0.0, p * rng.lognormvariate(0.0, overdispersion)))
        absent = round(rng.gauss(pupils * p, math.sqrt(pupils * p * (1 - p))))
        kept[index] = len(rates)
        rates.append(min(max(absent, 0), pupils) / pupils)
        weekdays.append(1 if index % 2 == 0 else 3)
    if outbreak is not None:
        outbreak = Outbreak(kept[outbreak.start], kept[outbreak.peak_end], kept[outbreak.end])
    return Series(rates, weekdays, outbreak)


Detector = Callable[[Series], list[bool]]


def combined(method: Method | None) -> Detector:
    return lambda series: alarms(series.rates, method)


def same_weekday(method: Method) -> Detector:
    def run(series: Series) -> list[bool]:
        flags = [False] * len(series.rates)
        for weekday in (1, 3):
            indexes = [i for i, w in enumerate(series.weekdays) if w == weekday]
            judged = alarms([series.rates[i] for i in indexes], method)
            for index, flag in zip(indexes, judged, strict=True):
                flags[index] = flag
        return flags

    return run


def union(*detectors: Detector) -> Detector:
    def run(series: Series) -> list[bool]:
        results = [detector(series) for detector in detectors]
        return [any(flags) for flags in zip(*results, strict=True)]

    return run


METHODS: dict[str, Detector] = {
    "EARS C1": combined(Method.C1),
    "EARS C2": combined(Method.C2),
    "EARS C3": combined(Method.C3),
    "EARS C2, same weekday": same_weekday(Method.C2),
    "soglia 10%": combined(None),
    "EARS C2 + soglia 10% (report)": union(combined(Method.C2), combined(None)),
}
REFERENCE = "soglia 10%"


@dataclass
class Score:
    false_alarms: int = 0
    detected: int = 0
    delays: dict[int, int] = field(default_factory=dict)  # outbreak number -> delay


def score(series_list: Sequence[Series], detector: Detector) -> Score:
    result = Score()
    number = 0
    for series in series_list:
        flags = detector(series)
        outbreak = series.outbreak
        for index, flag in enumerate(flags):
            inside = outbreak is not None and outbreak.start <= index <= outbreak.end
            if flag and not inside:
                result.false_alarms += 1
        if outbreak is None:
            continue
        number += 1
        for index in range(outbreak.start, outbreak.peak_end + 1):
            if flags[index]:
                result.detected += 1
                result.delays[number] = index - outbreak.start
                break
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plessi", type=int, default=600)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    series_list = [
        synthetic(rng, with_outbreak=rng.random() < 1 / 3) for _ in range(args.plessi * args.years)
    ]
    outbreaks = sum(series.outbreak is not None for series in series_list)
    plesso_years = len(series_list)
    print(
        f"{args.plessi} plessi x {args.years} school years = {plesso_years} series, "
        f"{outbreaks} outbreaks (seed {args.seed}); sd floor {MIN_SD:.1%}, "
        f"minimum excess {MIN_EXCESS:.1%}\n"
    )
    scores = {name: score(series_list, detector) for name, detector in METHODS.items()}
    reference = scores[REFERENCE].delays
    header = (
        f"{'method':<31}{'false alarms/plesso/year':>26}{'detected':>10}"
        f"{'median delay':>14}{'mean delay, same outbreaks as 10%':>36}"
    )
    print(header)
    print("-" * len(header))
    for name, result in scores.items():
        delays = list(result.delays.values())
        shared = [n for n in result.delays if n in reference]
        median = statistics.median(delays) if delays else float("nan")
        paired = (
            f"{statistics.mean(result.delays[n] for n in shared):.2f} vs "
            f"{statistics.mean(reference[n] for n in shared):.2f}"
            if shared
            else "-"
        )
        print(
            f"{name:<31}{result.false_alarms / plesso_years:>26.3f}"
            f"{result.detected / outbreaks:>10.1%}{median:>14.1f}{paired:>24}"
        )


if __name__ == "__main__":
    main()
