"""Benchmark of the pandemic signal (issue 21): synthetic ATSs over several school years, with
region-wide waves and local outbreaks, judged as /report judges them.

    .venv/bin/python -m benchmarks.pandemic [--ats 15] [--plessi 40] [--years 4] [--seed 2026]

The world beside benchmarks/early_warning.py's (one plesso at a time): here each ATS has
`--plessi` sentinel plessi of three school types (infanzia 4-7%, primaria 3-4,5%, secondaria
2-4% baseline absence), followed for `--years` school years of Tuesday/Thursday recordings:

- a winter swell whose peak week and height change from year to year (shared by the ATS);
- the Christmas break (no recordings), a missing recording in 8% of plesso-days, the
  enrolment changing by up to ±15% each year;
- a **region-wide wave** in 60% of the seasons, a third of them starting in the first three
  weeks, the others at any time; rising over 3 to 16 recordings (fast and slow) by +1 to +4
  points in every plesso (times a plesso factor 0.5-1.5), a plateau of 3 and a fall of 6;
- a **local outbreak** in 15% of the plesso-years (one plesso rising to 8-15% over 1-3 weeks).

ATS-level rules (an alarm of the ATS on a recording day): the 10% rule and today's EARS C2 in
any plesso (not counting plessi in a local outbreak, whose flags are true local alarms), and
the aggregate signal of domain.signals on the enrolment-weighted ATS rate, with variants.
Reported per rule: false alarm episodes per season outside any wave, share of waves detected
(an alarm between the wave's start and the end of its plateau), share of the early waves
(first three weeks) detected, median detection delay in recording days.

Plesso-level rules (the first-week comparison): false alarms per plesso per year (flags
outside the plesso's outbreak and any wave), local outbreaks detected, detected among those
starting in the first nine recordings, and median delay; for the 10% rule, EARS C2 + 10%
(today's /report) and EARS C2 + 10% + the peers and last-year comparison of a plesso too new
for EARS (issue 21).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.early_warning import FIXED_THRESHOLD, Method, alarms, required_history
from domain.signals import (
    SPECS,
    Kind,
    Level,
    Mode,
    Point,
    Tuning,
    against_last_year,
    against_peers,
    judge,
    peers_for,
)

RECORDINGS = 70
CHRISTMAS = range(26, 30)
TYPES = {"infanzia": (0.035, 0.055), "primaria": (0.03, 0.045), "secondaria": (0.02, 0.04)}
FIRST_WEEKS = 6  # recordings in the first three weeks
MISSING = 0.08


@dataclass
class Window:
    start: int
    peak_end: int
    end: int


@dataclass
class PlessoYear:
    code: str
    school_type: str
    pupils: int
    rates: dict[int, float]  # recording index -> rate (missing days absent)
    outbreak: Window | None = None


@dataclass
class Season:
    year: int
    days: list[date]  # recording index -> day (Christmas indexes included, never recorded)
    plessi: list[PlessoYear]
    wave: Window | None = None


def recording_days(year: int) -> list[date]:
    start = date(year, 9, 12)
    start += timedelta(days=(1 - start.weekday()) % 7)  # the second Tuesday or so
    return [start + timedelta(days=7 * (i // 2) + (2 if i % 2 else 0)) for i in range(RECORDINGS)]


def _window(rng: random.Random, start: int, ramp: int) -> Window:
    return Window(
        start, min(RECORDINGS - 1, start + ramp + 2), min(RECORDINGS - 1, start + ramp + 8)
    )


def _shape(window: Window, ramp: int, index: int) -> float:
    """The share of the peak reached at `index` (0 outside the window)."""
    if index < window.start or index > window.end:
        return 0.0
    step = index - window.start
    if step < ramp:
        return (step + 1) / ramp
    if index <= window.peak_end:
        return 1.0
    return max(0.0, 1 - (index - window.peak_end) / 6)


def ats_world(
    rng: random.Random, n_plessi: int, years: int, first_year: int = 2022
) -> list[Season]:
    kinds = [rng.choice(list(TYPES)) for _ in range(n_plessi)]
    bases = [rng.uniform(*TYPES[k]) for k in kinds]
    pupils = [rng.randint(150, 1200) for _ in range(n_plessi)]
    seasons: list[Season] = []
    for offset in range(years):
        year = first_year + offset
        peak_at = rng.gauss(38, 6)
        swell = rng.uniform(0.2, 0.9)
        wave: Window | None = None
        wave_ramp, wave_height = 1, 0.0
        if rng.random() < 0.6:
            wave_ramp = rng.randint(3, 16)
            start = rng.randint(0, FIRST_WEEKS - 1) if rng.random() < 1 / 3 else rng.randint(0, 55)
            if any(i in CHRISTMAS for i in range(start, start + wave_ramp + 3)):
                start = CHRISTMAS.stop
            wave = _window(rng, start, wave_ramp)
            wave_height = rng.uniform(0.01, 0.04)
        plessi: list[PlessoYear] = []
        for number in range(n_plessi):
            pupils[number] = max(60, round(pupils[number] * rng.uniform(0.85, 1.15)))
            factor = rng.uniform(0.5, 1.5)
            spread = rng.uniform(0.05, 0.15)
            outbreak: Window | None = None
            ramp, peak = 1, 0.0
            if rng.random() < 0.15:
                ramp = rng.randint(2, 6)
                peak = rng.uniform(0.08, 0.15)
                start = rng.randint(0, RECORDINGS - ramp - 10)
                if any(i in CHRISTMAS for i in range(start, start + ramp + 5)):
                    start = CHRISTMAS.stop + 2
                outbreak = _window(rng, start, ramp)
            rates: dict[int, float] = {}
            for index in range(RECORDINGS):
                if index in CHRISTMAS or rng.random() < MISSING:
                    continue
                season = math.exp(-(((index - peak_at) / 12.0) ** 2))
                p = bases[number] * (1 + swell * season)
                if wave is not None:
                    p += wave_height * factor * _shape(wave, wave_ramp, index)
                if outbreak is not None:
                    p += (peak - p) * _shape(outbreak, ramp, index)
                p = min(0.95, max(0.0, p * rng.lognormvariate(0.0, spread)))
                n = pupils[number]
                absent = round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))
                rates[index] = min(max(absent, 0), n) / n
            plessi.append(PlessoYear(f"P{number}", kinds[number], pupils[number], rates, outbreak))
        seasons.append(Season(year, recording_days(year), plessi, wave))
    return seasons


# --- ATS-level rules --------------------------------------------------------------------

AtsRule = Callable[[Season, Sequence[Season]], dict[int, bool]]


def aggregate(season: Season) -> list[tuple[int, Point]]:
    points: list[tuple[int, Point]] = []
    for index, day in enumerate(season.days):
        rated = [(p.rates[index], p.pupils) for p in season.plessi if index in p.rates]
        if rated:
            total = sum(n for _, n in rated)
            points.append((index, Point(day, sum(r * n for r, n in rated) / total)))
    return points


def aggregate_rule(tuning: Tuning) -> AtsRule:
    def run(season: Season, earlier: Sequence[Season]) -> dict[int, bool]:
        current = aggregate(season)
        past = [point for s in earlier[-3:] for _, point in aggregate(s)]
        judged = judge([p for _, p in current], past, SPECS[Kind.ABSENCE], tuning)
        return {i: d.level is Level.SIGNAL for (i, _), d in zip(current, judged.days, strict=True)}

    return run


def any_plesso(method: Method | None) -> AtsRule:
    def run(season: Season, earlier: Sequence[Season]) -> dict[int, bool]:
        flags: dict[int, bool] = {}
        for plesso in season.plessi:
            indexes = sorted(plesso.rates)
            judged = alarms([plesso.rates[i] for i in indexes], method)
            for index, flag in zip(indexes, judged, strict=True):
                local = (
                    plesso.outbreak is not None
                    and plesso.outbreak.start <= index <= plesso.outbreak.end
                )
                flags[index] = flags.get(index, False) or (flag and not local)
        return flags

    return run


FIXED_RULE = "soglia 10%, un plesso qualsiasi"
C2_RULE = "EARS C2, un plesso qualsiasi"
ATS_RULES: dict[str, AtsRule] = {
    FIXED_RULE: any_plesso(None),
    C2_RULE: any_plesso(Method.C2),
    "aggregato stagionale, EWMA 0,4 / 2,0": aggregate_rule(Tuning(mode=Mode.SEASONAL)),
    "aggregato stagionale, EWMA 0,4 / 3,0": aggregate_rule(
        Tuning(mode=Mode.SEASONAL, signal_at=3.0)
    ),
    "aggregato stagionale, EWMA 0,2 / 1,5": aggregate_rule(
        Tuning(mode=Mode.SEASONAL, lam=0.2, signal_at=1.5)
    ),
    "aggregato, limiti storici soli (z > 2)": aggregate_rule(
        Tuning(mode=Mode.SEASONAL, lam=1.0, signal_at=2.0)
    ),
    "aggregato, solo l'anno in corso": aggregate_rule(Tuning(mode=Mode.THIS_YEAR)),
    "aggregato ibrido, EWMA 0,4 / 2,0 (scelto)": aggregate_rule(Tuning(mode=Mode.HYBRID)),
    "aggregato ibrido, EWMA 0,4 / 2,5": aggregate_rule(Tuning(mode=Mode.HYBRID, signal_at=2.5)),
}


@dataclass
class AtsScore:
    seasons: int = 0
    false_episodes: int = 0
    waves: int = 0
    detected: int = 0
    early_waves: int = 0
    early_detected: int = 0
    delays: dict[tuple[int, int], int] = field(default_factory=dict)  # wave -> delay


def score_ats(worlds: Sequence[Sequence[Season]], rule: AtsRule) -> AtsScore:
    result = AtsScore()
    for world, seasons in enumerate(worlds):
        for number, season in enumerate(seasons):
            flags = rule(season, seasons[:number])
            result.seasons += 1
            wave = season.wave
            before = False
            for index in sorted(flags):
                inside = wave is not None and wave.start <= index <= wave.end
                if flags[index] and not before and not inside:
                    result.false_episodes += 1
                before = flags[index]
            if wave is None:
                continue
            result.waves += 1
            early = wave.start < FIRST_WEEKS
            result.early_waves += early
            hit = next(
                (i for i in sorted(flags) if wave.start <= i <= wave.peak_end and flags[i]), None
            )
            if hit is not None:
                result.detected += 1
                result.early_detected += early
                result.delays[world, number] = hit - wave.start
    return result


def paired(result: AtsScore, reference: AtsScore) -> str:
    """Mean delays on the waves both rules detect: 'this vs the reference'."""
    shared = [wave for wave in result.delays if wave in reference.delays]
    if not shared:
        return "-"
    mine = statistics.mean(result.delays[w] for w in shared)
    theirs = statistics.mean(reference.delays[w] for w in shared)
    return f"{mine:.1f} vs {theirs:.1f}"


# --- plesso-level rules (the first weeks) ------------------------------------------------

PlessoRule = Callable[[Season, Season | None], dict[str, dict[int, bool]]]


def plesso_rule(method: Method | None, peers: bool) -> PlessoRule:
    def run(season: Season, last: Season | None) -> dict[str, dict[int, bool]]:
        types = {p.code: p.school_type for p in season.plessi}
        history = {p.code: list(p.rates.values()) for p in last.plessi} if last else {}
        result: dict[str, dict[int, bool]] = {}
        for plesso in season.plessi:
            indexes = sorted(plesso.rates)
            series = [plesso.rates[i] for i in indexes]
            ears = alarms(series, method) if method is not None else [False] * len(series)
            flags: dict[int, bool] = {}
            for position, index in enumerate(indexes):
                rate = series[position]
                flag = ears[position] or rate > FIXED_THRESHOLD
                if peers and method is not None and position < required_history(method):
                    others = {p.code: p.rates[index] for p in season.plessi if index in p.rates}
                    near = peers_for(plesso.code, others, types)
                    flag = flag or against_peers(rate, near)
                    flag = flag or against_last_year(rate, history.get(plesso.code, []))
                flags[index] = flag
            result[plesso.code] = flags
        return result

    return run


PLESSO_RULES: dict[str, PlessoRule] = {
    "soglia 10%": plesso_rule(None, peers=False),
    "EARS C2 + soglia 10% (prima)": plesso_rule(Method.C2, peers=False),
    "EARS C2 + 10% + pari e anno scorso (ora)": plesso_rule(Method.C2, peers=True),
}


@dataclass
class PlessoScore:
    plesso_years: int = 0
    false_alarms: int = 0
    outbreaks: int = 0
    detected: int = 0
    early: int = 0
    early_detected: int = 0
    delays: list[int] = field(default_factory=list)


def score_plessi(worlds: Sequence[Sequence[Season]], rule: PlessoRule) -> PlessoScore:
    result = PlessoScore()
    for seasons in worlds:
        for number, season in enumerate(seasons):
            flags = rule(season, seasons[number - 1] if number else None)
            wave = season.wave
            for plesso in season.plessi:
                result.plesso_years += 1
                outbreak = plesso.outbreak
                for index, flag in flags[plesso.code].items():
                    in_outbreak = outbreak is not None and outbreak.start <= index <= outbreak.end
                    in_wave = wave is not None and wave.start <= index <= wave.end
                    result.false_alarms += flag and not in_outbreak and not in_wave
                if outbreak is None:
                    continue
                result.outbreaks += 1
                early = outbreak.start < required_history(Method.C2)
                result.early += early
                hit = next(
                    (
                        i
                        for i in sorted(flags[plesso.code])
                        if outbreak.start <= i <= outbreak.peak_end and flags[plesso.code][i]
                    ),
                    None,
                )
                if hit is not None:
                    result.detected += 1
                    result.early_detected += early
                    result.delays.append(hit - outbreak.start)
    return result


def _median(values: list[int]) -> str:
    return f"{statistics.median(values):.1f}" if values else "-"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def main(argv: Sequence[str] | None = None) -> tuple[dict[str, AtsScore], dict[str, PlessoScore]]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ats", type=int, default=15)
    parser.add_argument("--plessi", type=int, default=40)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    worlds = [ats_world(rng, args.plessi, args.years) for _ in range(args.ats)]
    print(f"{args.ats} ATS x {args.plessi} plessi x {args.years} school years (seed {args.seed})\n")
    ats_scores = {name: score_ats(worlds, rule) for name, rule in ATS_RULES.items()}
    print(
        "| ATS-level rule | false alarms / season | waves detected | early waves detected"
        " | median delay (recordings) | mean delay, same waves as 10% | same waves as C2 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    fixed, c2 = ats_scores[FIXED_RULE], ats_scores[C2_RULE]
    for name, a in ats_scores.items():
        print(
            f"| {name} | {a.false_episodes / a.seasons:.2f} | {_share(a.detected, a.waves)}"
            f" ({a.waves}) | {_share(a.early_detected, a.early_waves)} ({a.early_waves})"
            f" | {_median(list(a.delays.values()))} | {paired(a, fixed)} | {paired(a, c2)} |"
        )
    plesso_scores = {name: score_plessi(worlds, rule) for name, rule in PLESSO_RULES.items()}
    print(
        "\n| plesso-level rule | false alarms / plesso / year | outbreaks detected"
        " | in the first 9 recordings | median delay |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, s in plesso_scores.items():
        print(
            f"| {name} | {s.false_alarms / s.plesso_years:.3f} | {_share(s.detected, s.outbreaks)}"
            f" ({s.outbreaks}) | {_share(s.early_detected, s.early)} ({s.early})"
            f" | {_median(s.delays)} |"
        )
    return ats_scores, plesso_scores


if __name__ == "__main__":
    main()
