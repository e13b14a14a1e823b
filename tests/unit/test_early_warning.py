"""The early-warning rules (domain.early_warning) on synthetic series."""

from __future__ import annotations

import random

import pytest

from domain.early_warning import (
    FIXED_THRESHOLD,
    Method,
    Rule,
    Status,
    alarms,
    assess,
    ears,
    required_history,
)

METHODS = list(Method)


@pytest.mark.parametrize("method", METHODS)
def test_a_flat_series_never_flags(method: Method) -> None:
    series = [0.03] * 60
    assert not any(alarms(series, method))
    assert assess(series, method).status is Status.NORMAL


@pytest.mark.parametrize("method", METHODS)
def test_a_noisy_flat_series_never_flags(method: Method) -> None:
    rng = random.Random(7)
    series = [0.03 + rng.uniform(-0.005, 0.005) for _ in range(80)]
    assert not any(alarms(series, method))


@pytest.mark.parametrize("method", METHODS)
def test_a_step_to_three_times_the_baseline_flags_on_the_first_day(method: Method) -> None:
    history = [0.03] * 20
    flags = alarms([*history, 0.09, 0.09, 0.09], method)
    assert flags[:20] == [False] * 20
    assert flags[20] is True
    verdict = assess([*history, 0.09], method)
    assert verdict.flagged
    assert verdict.rules == (Rule(f"EARS {method.value}"),)
    assert verdict.baseline_mean == pytest.approx(0.03)


@pytest.mark.parametrize("method", METHODS)
def test_a_short_history_never_flags(method: Method) -> None:
    needed = required_history(method)
    for length in range(1, needed + 1):  # `length - 1` recordings before the day
        series = [0.03] * (length - 1) + [0.09]
        assert ears(series, method) is None
        verdict = assess(series, method)
        assert verdict.status is Status.SHORT_HISTORY
        assert not verdict.flagged
        assert verdict.history == length - 1
    # one more recording and the baseline is there
    assert assess([0.03] * needed + [0.09], method).flagged


def test_required_history_per_method() -> None:
    assert required_history(Method.C1) == 7
    assert required_history(Method.C2) == 9  # 7 + guard band of 2
    assert required_history(Method.C3) == 11  # and the C2 of the two days before


def test_near_zero_variance_does_not_flag_a_small_wiggle() -> None:
    # sd of the baseline is 0: without the floor, +1 point would be "infinite" sd away.
    assert not assess([0.02] * 12 + [0.03], Method.C2).flagged
    assert not assess([0.02] * 12 + [0.06], Method.C2).flagged  # +4 points: under MIN_EXCESS


def test_the_fixed_threshold_fires_alone_and_says_so() -> None:
    # A plesso that is always high: no aberration, but above 10%.
    verdict = assess([0.11] * 12 + [0.115], Method.C2)
    assert verdict.flagged
    assert verdict.rules == (Rule.FIXED,)
    assert str(Rule.FIXED) == "soglia 10%"
    assert not assess([FIXED_THRESHOLD] * 13, Method.C2).flagged  # "above", not "at"


def test_both_rules_fire_together() -> None:
    verdict = assess([0.03] * 12 + [0.12], Method.C2)
    assert verdict.rules == (Rule.EARS_C2, Rule.FIXED)


def test_a_short_history_is_still_flagged_by_the_fixed_threshold() -> None:
    verdict = assess([0.03, 0.04, 0.25], Method.C2)
    assert verdict.flagged
    assert verdict.rules == (Rule.FIXED,)


def test_c2_guard_band_keeps_a_slow_rise_out_of_its_baseline() -> None:
    # Rising 3 points per recording: C1's baseline already holds the rise, C2's does not.
    series = [0.03] * 10 + [0.06, 0.09, 0.12]
    assert ears(series, Method.C2) is not None
    c2 = ears(series, Method.C2)
    c1 = ears(series, Method.C1)
    assert c2 is not None and c1 is not None
    assert c2[1] > c1[1]


def test_c3_sums_the_excess_of_three_days() -> None:
    series = [0.03] * 12 + [0.05, 0.06, 0.09]
    result = ears(series, Method.C3)
    assert result is not None
    signal, statistic, mean = result
    assert signal
    assert statistic > 2
    assert mean == pytest.approx(0.03)


def test_empty_series_is_an_error() -> None:
    with pytest.raises(ValueError):
        assess([])
