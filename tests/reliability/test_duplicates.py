"""The same update delivered twice (same update_id) is handled once, across restarts too;
an update whose handling was never finished is handled when it comes again."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

from tests.harness import Harness
from tests.reliability.figures import FIGURES
from tests.reliability.steps import count
from tests.reliability.world import STRANGER, World, idle, processor_of, settle

NOT_REGISTERED = "Non sei registrato"


def _answers(harness: Harness) -> int:
    return sum(NOT_REGISTERED in m.content for m in harness.emulator.messages(STRANGER))


async def _last_update_id(harness: Harness) -> int:
    await idle(harness)
    return count(harness.settings.database_path, "SELECT MAX(update_id) FROM processed_updates")


async def _answered(harness: Harness, text: str = "ciao") -> int:
    """A stranger writes and is answered; the update's id."""
    stranger = harness.user(STRANGER, "S")
    await stranger.send(text)
    await stranger.expect(NOT_REGISTERED, timeout=15)
    return await _last_update_id(harness)


async def _skipped(harness: Harness, skipped: int) -> None:
    processor = processor_of(harness)
    async with asyncio.timeout(10):
        while processor.duplicates_skipped < skipped:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_an_update_delivered_twice_is_handled_once(world: World) -> None:
    harness = world.harness
    harness.emulator.redeliver(await _answered(harness))
    await _skipped(harness, 1)
    assert _answers(harness) == 1
    FIGURES.faults += 1


async def test_a_duplicate_after_a_restart_is_still_skipped(world: World) -> None:
    harness = world.harness
    update_id = await _answered(harness)
    await harness.stop_bot()
    harness.emulator.redeliver(update_id)  # as if the offset had never been confirmed
    await harness.start_bot()
    await _skipped(harness, 1)
    await _answered(harness, "ancora")
    assert _answers(harness) == 2  # "ciao" once, "ancora" once
    FIGURES.faults += 2


async def test_an_update_never_finished_is_handled_when_it_comes_again(world: World) -> None:
    """Its id is recorded only once handled: a crash half-way leaves it unrecorded."""
    harness = world.harness
    update_id = await _answered(harness)
    await harness.stop_bot()
    with contextlib.closing(sqlite3.connect(harness.settings.database_path)) as conn, conn:
        conn.execute("DELETE FROM processed_updates WHERE update_id = ?", (update_id,))
    harness.emulator.redeliver(update_id)
    await harness.start_bot()
    await settle(harness, 1, 0)  # the new process's first update
    assert _answers(harness) == 2
    FIGURES.faults += 1


async def test_a_lost_get_updates_answer_across_a_restart_loses_nothing(world: World) -> None:
    harness = world.harness
    emulator = harness.emulator
    emulator.drop_connection_next("getUpdates", after_processing=True)
    # The poll already waiting takes the first message; the next one takes the second, and
    # its answer is lost: the second message comes again with the next poll.
    await _answered(harness)
    update_id = await _answered(harness, "ci sei?")
    assert emulator.stats.dropped == 1
    await harness.restart_bot()
    emulator.redeliver(update_id)
    await _skipped(harness, 1)
    await asyncio.sleep(0.2)  # time for a third answer to show up, were there one
    assert _answers(harness) == 2
    FIGURES.faults += 2
