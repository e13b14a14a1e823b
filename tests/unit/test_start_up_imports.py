"""A started bot holds no library it needs only for an admin's picture or for the tests
(issue 16, memory): matplotlib and numpy cost 45 MB, python-codicefiscale's data 30 MB.

A fresh process (benchmarks/memory.py) imports what `python -m bot` imports, builds the
application and warms it up: in this process, other tests' imports would hide a regression.
"""

from __future__ import annotations

from benchmarks import memory


def test_starting_the_bot_loads_no_heavy_library() -> None:
    figures = memory.measure()
    assert [name for name, _ in figures.stages] == [
        "interpreter",
        "imports of python -m bot",
        "database opened and migrated",
        "application built",
        "warm-up (bot.app.warm_up)",
        "collected and frozen",
    ]
    assert set(memory.NOT_AT_START) >= {"matplotlib", "numpy", "codicefiscale"}
    assert figures.loaded == []
    assert all(mb > 0 for _, mb in figures.stages) and figures.peak_mb > 0
    assert "collected and frozen" in memory.report(figures)
