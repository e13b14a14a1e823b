"""Repositories are built once, by the unit of work (issue 14, defect 5).

A `*Repository(...)` built anywhere else (a handler, a job, the demo data) escapes the unit of
work: it is a second object over the same database that a use case's transaction and a test's
substitute never see. Only storage/ itself and services/unit_of_work.py may build one.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "conversations", "services", "reminders", "domain", "formats", "emulator")
ALLOWED = {Path("services/unit_of_work.py")}


def _built_repositories(path: Path, root: Path = ROOT) -> list[str]:
    """`Name(...)`/`module.Name(...)` calls of a `*Repository` class in `path`, as file:line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name.endswith("Repository"):
            found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found


def test_the_scan_finds_a_repository_built_by_hand(tmp_path: Path) -> None:
    sample = tmp_path / "handler.py"
    sample.write_text("from storage import ats\nats.AtsRepository(db)\nAtsStatusRepository(db)\n")
    assert _built_repositories(sample, tmp_path) == [
        "handler.py:2 AtsRepository",
        "handler.py:3 AtsStatusRepository",
    ]


def test_no_repository_is_built_outside_the_unit_of_work() -> None:
    built = [
        found
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.relative_to(ROOT) not in ALLOWED
        for found in _built_repositories(path)
    ]
    assert built == []
