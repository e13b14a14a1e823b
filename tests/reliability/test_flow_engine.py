"""The flow engine (bot.flows) on python-telegram-bot's public API only: one write per
answer, flows ended from outside by a store call, and no private PTB name anywhere."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import telegram

from bot.flows import FlowHandler, flow_handlers
from storage.conversations import ConversationStore
from tests.harness import Harness
from tests.reliability.steps import case_form
from tests.reliability.world import REFERENT_A, World, idle

ROOT = Path(__file__).resolve().parents[2]
# Our packages, the tests, the benchmarks: every Python file of the repository.
SKIPPED = {".venv", ".git", "node_modules", "__pycache__"}


def _python_files() -> Iterator[Path]:
    for path in ROOT.rglob("*.py"):
        if not SKIPPED.intersection(path.relative_to(ROOT).parts):
            yield path


def _telegram_private_names() -> frozenset[str]:
    """Every `_name` python-telegram-bot defines or reaches for on its own objects."""
    names: set[str] = set()
    for path in Path(telegram.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                name = node.name
            elif isinstance(node, ast.Attribute):
                name = node.attr
            else:
                continue
            if name.startswith("_") and not name.startswith("__"):
                names.add(name)
    return frozenset(names)


def _private_telegram_uses(path: Path, private: frozenset[str]) -> list[str]:
    """Imports of a private telegram module, and `x._name` with one of python-telegram-bot's
    private names on anything but `self`/`cls` (our own objects' privates are reached through
    `self`; reaching into another object by one of PTB's names is reaching into PTB)."""
    where = path.relative_to(ROOT)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        if isinstance(node, ast.stmt) and any(_is_private_telegram(m) for m in modules):
            found.append(f"{where}:{node.lineno}: import from {modules[0]}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in private
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return found


def _is_private_telegram(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "telegram" and any(part.startswith("_") for part in parts[1:])


def test_nothing_touches_a_private_python_telegram_bot_name() -> None:
    """Only the `<23` pin protected what reached into python-telegram-bot's internals (the
    conversation handler's states, its pending writes, private types and request objects)."""
    private = _telegram_private_names()
    assert {"_conversations", "_update_state", "_request"} <= private  # the scan sees them
    found = [use for path in _python_files() for use in _private_telegram_uses(path, private)]
    assert found == [], "\n".join(found)


# The citizen's diary starts from the menu's «📝 Diario» and /diario (conversations.citizens.menu).
STARTED_BY_ANOTHER_HANDLER = {"citizen_diary"}


def test_the_flows_show_their_whole_state_table(harness: Harness) -> None:
    """What the authorization tests walk: every flow's entry points and steps, public."""
    assert harness.application is not None
    handlers = flow_handlers(harness.application)
    names = [handler.name for handler in handlers]
    assert len(names) == len(set(names)) and "case" in names and "contact" in names
    for handler in handlers:
        assert isinstance(handler, FlowHandler)
        # A flow with no entry point of its own is started by another handler's `go`.
        assert handler.entry_points or handler.name in STARTED_BY_ANOTHER_HANDLER
        assert handler.states
        assert all(handlers_ for handlers_ in handler.states.values())


async def test_an_answer_is_one_write_of_the_step_with_the_draft(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer and the next step go in one row, in one write; the engine writes nothing
    more when the handler returns the step it saved (it used to write the step again)."""
    harness = world.harness
    referent = harness.user(REFERENT_A, "Orsola")
    await case_form(referent, until="Cognome del caso")
    await idle(harness)
    writes: list[str] = []
    for name in ("save", "set_state", "end_all", "discard_user"):
        original = getattr(ConversationStore, name)

        def counting(original: Any = original, name: str = name) -> Any:
            async def write(self: ConversationStore, *args: Any, **kwargs: Any) -> Any:
                writes.append(name)
                return await original(self, *args, **kwargs)

            return write

        monkeypatch.setattr(ConversationStore, name, counting())
    await referent.send("Quattrocchi")
    await referent.expect("Nome del caso")
    await idle(harness)
    assert writes == ["save"]
    store, key = harness.svc.conversations, (REFERENT_A, REFERENT_A)
    assert "QUATTROCCHI" in str(await store.load("case", key)).upper()
    assert await store.state("case", key) == store.step("case", key) is not None


async def test_a_flow_ended_from_outside_is_over_for_the_next_message(world: World) -> None:
    """Revocation, the retention run and a new command end a flow by a store call: the next
    message is not read as an answer to the step that was."""
    harness = world.harness
    referent = harness.user(REFERENT_A, "Orsola")
    await case_form(referent, until="Cognome del caso")
    # The question is on screen before the bot has its answer back from the Bot API and
    # settles the step: end the flow once the bot is idle (see the report of issue 16).
    await idle(harness)
    store = harness.svc.conversations
    key = (REFERENT_A, REFERENT_A)
    assert store.step("case", key) is not None
    await store.end_all(key)
    assert store.step("case", key) is None
    assert await store.state("case", key) is None
    await referent.send("Quattrocchi")
    await idle(harness)
    assert await store.load("case", key) == {}
