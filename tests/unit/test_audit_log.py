"""/registro's words: every action code storage/ writes has an Italian label."""

from __future__ import annotations

import re
from pathlib import Path

from bot.catalog import audit_log as texts
from domain.exports import ExportKind

STORAGE = Path(__file__).resolve().parents[2] / "storage"
_CODE = re.compile(r'"([a-z]+\.[a-z_]+)"')


def written_actions() -> set[str]:
    found: set[str] = set()
    # An export's action code is named by its kind (a domain rule), not in storage/.
    found.update(kind.audit_action for kind in ExportKind)
    for source in STORAGE.glob("*.py"):
        for line in source.read_text(encoding="utf-8").splitlines():
            if "action" in line.lower():
                found.update(_CODE.findall(line))
    return found


def test_every_written_action_has_a_label() -> None:
    actions = written_actions()
    assert {"case.create", "plesso.create", "retention.run", "export.cases"} <= actions
    assert sorted(actions - texts.ACTIONS.keys()) == []
