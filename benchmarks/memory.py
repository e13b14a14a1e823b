"""What the bot's process holds before the first update: resident memory by start-up stage.

    .venv/bin/python -m benchmarks.memory [--by-package 25] [--json PATH]

A fresh process (`MALLOC_ARENA_MAX=2`, as the Procfile runs the bot) goes through what
`python -m bot` does before it polls, printing its RSS (/proc/self/status) after each stage:
the interpreter (with this script's own imports), the imports of `python -m bot`, the
database opened and migrated (an empty file), the application built
(`bot.app.build_application`), the warm-up (`bot.app.warm_up`: the comuni index, the holiday
tables, the phone metadata, openpyxl) and the collection that freezes what start-up loaded.
It also lists the libraries that must not be loaded by then (matplotlib and numpy are for an
admin's picture, python-codicefiscale for the tests). `--by-package N` runs one more process
under tracemalloc (slower, and RSS inflated by the tracing) and prints the N packages that
allocated most, code objects counted with the package they belong to (a module's top-level
code too, although it is freed once run: an upper bound). A few seconds; the memory under
load is the load benchmark's (`benchmarks/load.py`, peak RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import importlib
import json
import os
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Loaded only when used: none of them may be in the process after the warm-up.
NOT_AT_START = (
    "matplotlib",
    "numpy",
    "PIL",
    "codicefiscale",
    "slugify",
    "text_unidecode",
    "holidays",  # domain.calendar has the national holidays since 2001 itself
    "segno",  # the QR code of a school pass
)
# Issue 16: peak RSS under load at N=200 (benchmarks/load.py), which the start-up bounds.
TARGET_UNDER_LOAD_MB = 100
TOKEN = "123456:MEMORY-BENCHMARK-abcdefghijklmnopqrstuvwxyz"
CHILD_FLAG = "--child"


@dataclass
class Figures:
    stages: list[tuple[str, float]] = field(default_factory=list)  # (stage, RSS MB after it)
    loaded: list[str] = field(default_factory=list)  # NOT_AT_START modules present at the end
    peak_mb: float = 0.0  # VmHWM
    packages: list[tuple[str, float]] = field(default_factory=list)  # (package, MB allocated)


def _status_mb(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _package_of(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith("<frozen"):
        return "(import machinery)"
    root = str(Path.cwd()) + os.sep
    if filename.startswith(root):
        return filename.removeprefix(root).split(os.sep, 1)[0].removesuffix(".py")
    return "(stdlib)"


def _count_code_objects(by_package: collections.Counter[str]) -> None:
    """Charge the code objects a module's import unmarshals to the module's package (where
    tracemalloc would see only importlib's frame)."""
    loader = importlib.machinery.SourceFileLoader
    original = loader.get_code

    def get_code(self: Any, fullname: str) -> Any:
        before = tracemalloc.get_traced_memory()[0]
        code = original(self, fullname)
        package = _package_of(str(self.path))
        by_package[package] += tracemalloc.get_traced_memory()[0] - before
        return code

    loader.get_code = get_code  # type: ignore[method-assign]


async def _start_up(database: Path, stage: Callable[[str], None]) -> None:
    import bot.__main__  # noqa: F401  # what `python -m bot` imports
    from bot.app import build_application, warm_up
    from bot.context import Services
    from bot.runner import open_database
    from bot.settings import Settings

    stage("imports of python -m bot")
    settings = Settings(
        telegram_bot_token=TOKEN, database_path=database, admin_ids="1", _env_file=None
    )
    db = await open_database(settings)
    try:
        stage("database opened and migrated")
        build_application(Services(settings=settings, db=db, clock=lambda: datetime.now(UTC)))
        stage("application built")
        warm_up(datetime.now(UTC).date())
        stage("warm-up (bot.app.warm_up)")
        gc.collect()
        gc.freeze()
        stage("collected and frozen")
    finally:
        await db.close()


def child(database: Path, traced: bool) -> Figures:
    """The stages in this process (a fresh one: run by `measure`)."""
    figures = Figures()
    code_objects: collections.Counter[str] = collections.Counter()
    if traced:
        tracemalloc.start(1)
        _count_code_objects(code_objects)

    def stage(name: str) -> None:
        figures.stages.append((name, round(_status_mb("VmRSS"), 1)))

    stage("interpreter")
    asyncio.run(_start_up(database, stage))
    figures.loaded = [name for name in NOT_AT_START if name in sys.modules]
    figures.peak_mb = round(_status_mb("VmHWM"), 1)
    if traced:
        by_package = collections.Counter(code_objects)
        for statistic in tracemalloc.take_snapshot().statistics("filename"):
            package = _package_of(statistic.traceback[0].filename)
            by_package[package] += statistic.size
        # What get_code retained was allocated in importlib's frames: not twice.
        by_package["(import machinery)"] -= sum(code_objects.values())
        figures.packages = [
            (name, round(size / 1e6, 2)) for name, size in by_package.items() if size > 0
        ]
        figures.packages.sort(key=lambda item: -item[1])
    return figures


def measure(traced: bool = False) -> Figures:
    """The figures of a fresh process, as the Procfile starts the bot."""
    with tempfile.TemporaryDirectory(prefix="sentinella-memory-") as workdir:
        database = Path(workdir) / "sentinella.sqlite3"
        command = [sys.executable, "-m", "benchmarks.memory", CHILD_FLAG, str(database)]
        if traced:
            command.append("--traced")
        environment = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        done = subprocess.run(
            command, env=environment, capture_output=True, text=True, check=True, timeout=120
        )
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    return Figures(
        stages=[(name, mb) for name, mb in raw["stages"]],
        loaded=raw["loaded"],
        peak_mb=raw["peak_mb"],
        packages=[(name, mb) for name, mb in raw["packages"]],
    )


def report(figures: Figures, top: int = 0) -> str:
    lines = ["RSS of a fresh bot process by start-up stage (MALLOC_ARENA_MAX=2)", ""]
    lines.append(f"{'stage':<32} {'RSS MB':>8} {'+ MB':>7}")
    previous = 0.0
    for name, mb in figures.stages:
        lines.append(f"{name:<32} {mb:>8.1f} {mb - previous:>+7.1f}")
        previous = mb
    lines.append(f"{'peak (VmHWM)':<32} {figures.peak_mb:>8.1f}")
    loaded = ", ".join(figures.loaded) if figures.loaded else "none"
    lines.append("")
    lines.append(f"loaded at start that should not be ({', '.join(NOT_AT_START)}): {loaded}")
    lines.append(f"target: peak RSS under load <= {TARGET_UNDER_LOAD_MB} MB at N=200 (load.py)")
    if top and figures.packages:
        lines.append("")
        lines.append(f"allocated by package under tracemalloc (top {top}; code objects included)")
        lines.extend(f"{mb:>8.2f} MB  {name}" for name, mb in figures.packages[:top])
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> Figures:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--by-package", type=int, default=0, metavar="N")
    parser.add_argument("--json", type=Path, help="write the figures to this file too")
    args = parser.parse_args(argv)
    figures = measure()
    if args.by_package:
        figures.packages = measure(traced=True).packages
    print(report(figures, args.by_package))
    if args.json:
        args.json.write_text(json.dumps(asdict(figures), indent=2), encoding="utf-8")
    return figures


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == CHILD_FLAG:
        result = child(Path(sys.argv[2]), traced="--traced" in sys.argv)
        print(json.dumps(asdict(result)))
    else:
        main()
