"""The start-up probe (benchmarks/_startup_probe.py) still times the real `python -m bot`
to its first getUpdates, after a clean stop and after a kill -9, with the bot's phases.
Nothing here is about speed: these machines are shared."""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks import _startup_probe as probe
from storage.db import Database


async def test_the_probe_times_both_starts_with_their_phases(tmp_path: Path) -> None:
    database = tmp_path / "small.sqlite3"
    db = Database(database)
    await db.connect()
    await db.close()
    figures = await probe.measure(database, runs=1, folder=tmp_path, bytecode_cache=None)
    (clean,) = figures.after_clean_stop
    (crashed,) = figures.after_crash
    for start in (clean, crashed):
        assert 0 < start.to_get_me < start.to_get_updates
        assert start.cpu_seconds is not None and start.cpu_seconds > 0  # Linux
        assert start.phases.startswith("started in ")
    # The policy shows in the bot's own line: the check left for later only after a clean stop.
    assert "database (checked later)" in clean.phases
    assert "database (checked later)" not in crashed.phases and "database " in crashed.phases
    assert probe.median_seconds(figures.after_clean_stop) == clean.to_get_updates
    # The copy and its side files are gone; the original was not touched by the bot.
    assert sorted(os.listdir(tmp_path)) == ["small.sqlite3"]
