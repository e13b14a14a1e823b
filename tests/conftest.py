from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from emulator.driver import ChatUser
from tests.harness import ADMIN_MILANO, ROME, Harness, MutableClock

# A Tuesday morning during the school year.
TUESDAY_MORNING = datetime(2026, 11, 17, 9, 30, tzinfo=ROME)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(TUESDAY_MORNING)


@pytest.fixture
async def harness(tmp_path, clock) -> AsyncIterator[Harness]:
    h = Harness(tmp_path=tmp_path, clock=clock)
    await h.start()
    await h.seed_schools()
    try:
        yield h
    finally:
        await h.stop()


@pytest.fixture
def admin(harness: Harness) -> ChatUser:
    return harness.user(ADMIN_MILANO, "Anna")


@pytest.fixture
def stranger(harness: Harness) -> ChatUser:
    return harness.user(999, "Sconosciuto")
