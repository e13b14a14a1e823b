"""The benchmarks of issue 9 still run: the load benchmark in its quick mode (the real bot
and the baseline in subprocesses, a handful of referents, normal and burst), the fan-out with
fifty reminders. Nothing here is about speed: these machines are shared."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

from benchmarks import _verify, fanout, load
from benchmarks._flows import Kind, conversations


def test_the_load_benchmark_plays_every_flow_on_both_bots(tmp_path: Path) -> None:
    results = load.main(["--quick", "--workdir", str(tmp_path)])
    ours, baseline = results
    assert (ours.bot, baseline.bot) == (load.OURS, load.BASELINE)
    for result in results:
        assert (result.done, result.failed, result.cut) == (6, 0, 0), result.problems
    # Every step answered, and recorded as handled in SQLite by the real bot.
    assert ours.updates == baseline.updates == ours.updates_recorded
    # The baseline makes the same Bot API calls for the same conversations.
    assert ours.calls == baseline.calls and ours.calls["getFile"] == 1
    assert ours.peak_rss_mb > 0 and ours.db_mb is not None and ours.db_mb > 0
    assert "ours/baseline" in load.report(results)
    # A step's time splits into the wait for a getUpdates and the rest, both measured.
    for result in results:
        assert 0 <= result.queue_wait_mean_ms < result.mean_ms
    assert "waiting for a getUpdates" in load.report(results)


def test_the_load_benchmark_in_burst_mode_and_its_database_check(tmp_path: Path) -> None:
    (ours,) = load.main(["--quick", "--burst", "--no-baseline", "--workdir", str(tmp_path)])
    assert (ours.done, ours.failed, ours.cut) == (6, 0, 0), ours.problems
    # The check after a run is not vacuous: conversations whose answers differ from what the
    # database holds (another referent's figures) are reported.
    database = next(tmp_path.glob("sentinella-*")) / "sentinella.sqlite3"
    played = conversations(6, {1: 1})
    assert _verify.check_all(database, played) == {}
    absences = [c for c in played if c.kind is Kind.ABSENCES]
    swapped = [replace(c, plesso=other.plesso) for c, other in pairwise(absences)]
    assert set(_verify.check_all(database, swapped)) == {c.user_id for c in swapped}


def test_the_fan_out_delivers_every_reminder_once() -> None:
    result = fanout.main(["--referents", "50", "--rate", "30"])
    assert (result.delivered, result.lost, result.twice) == (50, 0, 0)
    assert result.logged_sent == 50 and result.not_honoured == 0


def test_the_pandemic_benchmark_runs_every_rule_on_a_small_world() -> None:
    from benchmarks import pandemic

    ats_scores, plesso_scores = pandemic.main(["--ats", "2", "--plessi", "8", "--years", "2"])
    assert set(ats_scores) == set(pandemic.ATS_RULES)
    assert set(plesso_scores) == set(pandemic.PLESSO_RULES)
    assert all(score.seasons == 2 * 2 for score in ats_scores.values())
    assert all(score.plesso_years == 2 * 8 * 2 for score in plesso_scores.values())
