"""Fixtures of the reliability suite, and its figures in the terminal summary."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.harness import Harness, MutableClock
from tests.reliability.figures import FIGURES
from tests.reliability.world import ErrorLog, World, build_world


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not any(FIGURES.__dict__.values()):
        return  # the suite did not run
    terminalreporter.section("reliability figures")
    for line in FIGURES.lines():
        terminalreporter.write_line(line)


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    """Every WARNING or worse logged by the bot while the test runs."""
    with ErrorLog.capture() as log:
        yield log


@pytest.fixture
async def world(harness: Harness, clock: MutableClock) -> AsyncIterator[World]:
    """Two ATS, their admins, referents of two plessi, a revoked one, a stranger, cases."""
    yield await build_world(harness)
