"""Imports go one way, top to bottom (README, Layout; /work/shared/STYLE.md):

    bot.app, bot.__main__, emulator  (wiring and entry points)
      → conversations                (handlers)
      → reminders                    (background jobs, outbox delivery)
      → the bot toolkit              (the rest of bot/: the PTB adapter)
      → services                     (use cases)
      → storage, formats             (repositories; bytes out)
      → domain                       (pure models and rules)

Read from the source with `ast` (no import runs, no dependency): every import of every
module of the product packages, inside functions and under `if TYPE_CHECKING:` included.
Besides the arrows: handlers never call a repository through the services container, and
nothing imports a private python-telegram-bot module (`telegram._utils`, `telegram.ext._…`):
those change without notice between minor versions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The product packages, top of the layering first.
PACKAGES = (
    "bot",
    "emulator",
    "conversations",
    "reminders",
    "services",
    "storage",
    "formats",
    "domain",
)

WIRING = "wiring"  # bot.app, bot.__main__
TOOLKIT = "bot toolkit"  # the rest of bot/
TELEGRAM = "telegram"  # python-telegram-bot
TESTS = "tests"  # tests/ and benchmarks/: never imported by the product
WIRING_MODULES = frozenset({"bot.app", "bot.__main__"})

# What each layer may import, besides itself and the standard or third-party libraries.
# Anything else is an arrow going up (or sideways where the layers must stay apart).
_BELOW_SERVICES = frozenset({"storage", "formats", "domain"})
ALLOWED: Mapping[str, frozenset[str]] = {
    WIRING: frozenset({"conversations", "reminders", TOOLKIT, "services", TELEGRAM})
    | _BELOW_SERVICES
    | {"emulator"},  # only lazily, for the console: see _LAZY_ONLY
    "emulator": frozenset({WIRING, "conversations", "reminders", TOOLKIT, "services", TELEGRAM})
    | _BELOW_SERVICES,
    # conversations reach the database through services only
    "conversations": frozenset({"reminders", TOOLKIT, "services", "formats", "domain", TELEGRAM}),
    "reminders": frozenset({TOOLKIT, "services", TELEGRAM}) | _BELOW_SERVICES,
    TOOLKIT: frozenset({"services", TELEGRAM}) | _BELOW_SERVICES,
    "services": _BELOW_SERVICES,
    "storage": frozenset({"domain"}),
    "formats": frozenset({"domain"}),
    "domain": frozenset(),
}
# Imports allowed only inside a function body (paid for when used, never at start-up).
_LAZY_ONLY = {(WIRING, "emulator")}
# Single arrows allowed against the table, each with its reason.
EXCEPTIONS: Mapping[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Violation:
    where: str  # file:line
    source: str  # the importing module
    target: str  # what it imports or calls
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.source} → {self.target} ({self.reason})"


def layer_of(module: str) -> str | None:
    """The layer of a module, or None for the standard and third-party libraries."""
    top = module.split(".", 1)[0]
    if top == "bot":
        in_wiring = any(module == m or module.startswith(m + ".") for m in WIRING_MODULES)
        return WIRING if in_wiring else TOOLKIT
    if top in PACKAGES:
        return top
    if top == "telegram":
        return TELEGRAM
    if top in ("tests", "benchmarks"):
        return TESTS
    return None


@dataclass(frozen=True)
class Source:
    """One module to check: its dotted name, its text and where it lives (for messages)."""

    module: str
    text: str
    path: str
    is_package: bool = False


def _imports(source: Source, known: frozenset[str]) -> Iterator[tuple[int, str, bool]]:
    """(line, imported module, inside a function) for every import of `source`."""
    tree = ast.parse(source.text, filename=source.path)
    for node, in_function in _walk(tree, in_function=False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, in_function
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(source, node)
            for alias in node.names:
                # `from bot import app` imports the module bot.app; `from bot.x import f`,
                # a name of bot.x.
                candidate = f"{base}.{alias.name}"
                yield node.lineno, candidate if candidate in known else base, in_function
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    # `from telegram.ext import _application`: outside the product we cannot
                    # tell a module from a name, and a private one is refused either way.
                    yield node.lineno, candidate, in_function


def _walk(node: ast.AST, *, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        yield child, in_function
        nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        yield from _walk(child, in_function=nested)


def _absolute(source: Source, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = source.module if source.is_package else source.module.rpartition(".")[0]
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - (node.level - 1)])
    return f"{base}.{node.module}" if node.module else base


def import_violations(source: Source, known: frozenset[str]) -> list[Violation]:
    """Every import of `source` that goes against the layering, or into PTB's privates."""
    found: list[Violation] = []
    here = layer_of(source.module)
    seen: set[tuple[int, str]] = set()
    for line, target, in_function in _imports(source, known):
        if (line, target) in seen:  # `from x import a, b`: one arrow
            continue
        seen.add((line, target))
        where = f"{source.path}:{line}"
        if target.split(".", 1)[0] == "telegram" and _is_private(target):
            found.append(Violation(where, source.module, target, "a private PTB module"))
        there = layer_of(target)
        if here is None or there is None or there == here:
            continue
        if any(source.module == s and _within(target, t) for s, t in EXCEPTIONS):
            continue
        if there not in ALLOWED[here]:
            found.append(Violation(where, source.module, target, f"{here} must not import {there}"))
        elif (here, there) in _LAZY_ONLY and not in_function:
            reason = f"{here} imports {there} only inside the function that needs it"
            found.append(Violation(where, source.module, target, reason))
    return found


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in module.split("."))


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def repository_call_violations(source: Source, repositories: frozenset[str]) -> list[Violation]:
    """Calls `<x>.services.<repository>.<method>(…)` (or `services.…`, `uow.…`) in a
    handler: a handler calls one use case, and the use case calls the repositories."""
    found: list[Violation] = []
    for node in ast.walk(ast.parse(source.text, filename=source.path)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value  # <x>.services.<repository>
        if not (isinstance(owner, ast.Attribute) and owner.attr in repositories):
            continue
        container = owner.value
        through_services = (
            isinstance(container, ast.Attribute) and container.attr == "services"
        ) or (isinstance(container, ast.Name) and container.id in ("services", "uow"))
        if through_services:
            target = f"{ast.unparse(owner)}.{node.func.attr}()"
            where = f"{source.path}:{node.lineno}"
            reason = "a handler calls a use case, not a repository"
            found.append(Violation(where, source.module, target, reason))
    return found


def unit_of_work_attributes(text: str) -> frozenset[str]:
    """The attributes UnitOfWork sets on itself: its repositories and its database."""
    classes = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ClassDef)]
    unit_of_work = next(c for c in classes if c.name == "UnitOfWork")
    return frozenset(
        target.attr
        for node in ast.walk(unit_of_work)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    )


def product_sources() -> list[Source]:
    sources = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            parts = list(relative.with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            text = path.read_text(encoding="utf-8")
            sources.append(Source(".".join(parts), text, str(relative), is_package))
    return sources


def _listing(violations: list[Violation]) -> str:
    return f"{len(violations)} found:\n" + "\n".join(f"  {v}" for v in violations)


# --- the checks over the real tree -------------------------------------------------------


def test_imports_go_one_way() -> None:
    sources = product_sources()
    known = frozenset(s.module for s in sources)
    found = [v for s in sources for v in import_violations(s, known)]
    assert not found, "imports against the layering, " + _listing(found)


def test_handlers_call_use_cases_not_repositories() -> None:
    uow = (ROOT / "services" / "unit_of_work.py").read_text(encoding="utf-8")
    repositories = unit_of_work_attributes(uow)
    assert {"cases", "contacts", "db"} <= repositories
    handlers = [s for s in product_sources() if layer_of(s.module) == "conversations"]
    found = [v for s in handlers for v in repository_call_violations(s, repositories)]
    assert not found, "repository calls in conversations/, " + _listing(found)


# --- the checker itself, on small sources --------------------------------------------------

_KNOWN = frozenset({"bot", "bot.app", "bot.replies", "conversations", "storage", "storage.cases"})


def _check(module: str, text: str, is_package: bool = False) -> list[str]:
    source = Source(module, text, module.replace(".", "/") + ".py", is_package)
    return [str(v) for v in import_violations(source, _KNOWN)]


def test_the_checker_lets_an_arrow_down_pass() -> None:
    assert _check("conversations.cases.new", "from bot.replies import reply\n") == []
    assert _check("storage.cases", "from domain.cases import Case\nimport aiosqlite\n") == []
    assert _check("bot.app", "from conversations import handlers\n") == []


def test_the_checker_catches_an_arrow_up() -> None:
    found = _check("storage.cases", "import os\n\nfrom services.cases import save\n")
    assert found == [
        "storage/cases.py:3: storage.cases → services.cases (storage must not import services)"
    ]


def test_the_checker_catches_what_the_layers_must_not_see() -> None:
    text = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from storage.cases import CasesRepository\n"
        "def f():\n"
        "    from bot import app\n"
    )
    assert _check("conversations.cases.new", text) == [
        "conversations/cases/new.py:3: conversations.cases.new → storage.cases"
        " (conversations must not import storage)",
        "conversations/cases/new.py:5: conversations.cases.new → bot.app"
        " (conversations must not import wiring)",
    ]
    assert _check("domain.cases", "import telegram\n") == [
        "domain/cases.py:1: domain.cases → telegram (domain must not import telegram)"
    ]


def test_the_checker_resolves_relative_imports() -> None:
    assert _check("conversations.cases", "from .new import handlers\n", is_package=True) == []
    assert _check("storage.x", "from .cases import CasesRepository\n") == []
    # Top-level packages are not inside one another: a relative import stays in its own.
    assert _check("bot.flows", "from . import app\n") == [
        "bot/flows.py:1: bot.flows → bot.app (bot toolkit must not import wiring)"
    ]
    assert _check("bot.catalog", "from ..app import build\n", is_package=True) == [
        "bot/catalog.py:1: bot.catalog → bot.app (bot toolkit must not import wiring)"
    ]


def test_the_checker_wants_the_console_imported_lazily() -> None:
    assert _check("bot.__main__", "def main():\n    from emulator.console import run\n") == []
    assert _check("bot.__main__", "from emulator.console import run\n") == [
        "bot/__main__.py:1: bot.__main__ → emulator.console"
        " (wiring imports emulator only inside the function that needs it)"
    ]


def test_the_checker_catches_private_ptb_modules() -> None:
    assert _check("bot.flows", "from telegram.ext._utils.types import CCT\n") == [
        "bot/flows.py:1: bot.flows → telegram.ext._utils.types (a private PTB module)"
    ]
    assert _check("bot.flows", "from telegram.ext import _application\n") == [
        "bot/flows.py:1: bot.flows → telegram.ext._application (a private PTB module)"
    ]
    assert _check("bot.flows", "from telegram.ext import ConversationHandler\n") == []


def test_the_checker_finds_repository_calls_through_the_container() -> None:
    text = (
        "async def show(update, context):\n"
        "    case = await context.services.cases.get(1)\n"
        "    services = context.services\n"
        "    await services.contacts.count(case)\n"
        "    await cases_service.own_case(context.services, context.actor, 1)\n"
        "    context.services.now()\n"
    )
    source = Source("conversations.cases.show", text, "conversations/cases/show.py")
    found = [str(v) for v in repository_call_violations(source, frozenset({"cases", "contacts"}))]
    reason = "(a handler calls a use case, not a repository)"
    assert found == [
        f"conversations/cases/show.py:2: conversations.cases.show → context.services.cases.get()"
        f" {reason}",
        f"conversations/cases/show.py:4: conversations.cases.show → services.contacts.count()"
        f" {reason}",
    ]


def test_the_repositories_are_read_from_the_unit_of_work() -> None:
    text = (
        "class UnitOfWork:\n"
        "    def __init__(self, db):\n"
        "        self.db = db\n"
        "        self.cases = CasesRepository(db)\n"
        "class Other:\n"
        "    def __init__(self):\n"
        "        self.settings = 1\n"
    )
    assert unit_of_work_attributes(text) == {"db", "cases"}
