"""The reliability suite's own figures, printed in pytest's terminal summary (conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Figures:
    sequences: int = 0  # fuzzed update sequences run against the real application
    matrix_cells: int = 0  # (trigger, actor) pairs of the authorization matrix
    faults: int = 0  # faults injected: Bot API errors, kills, locks, full disks, exceptions
    records: int = 0  # stored records (and bot messages) compared with what they must be

    def lines(self) -> list[str]:
        labels = {
            "sequences": "update sequences run (fuzzing)",
            "matrix_cells": "authorization matrix cells",
            "faults": "faults injected",
            "records": "records checked",
        }
        return [f"{getattr(self, f.name):>8}  {labels[f.name]}" for f in fields(self)]


FIGURES = Figures()
