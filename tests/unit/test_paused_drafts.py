"""Drafts set aside (issue 22), on a real SQLite file: a paused conversation keeps its step
and answers, is not answered by its flow, survives a restart, and is resumed or deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage.conversations import ConversationStore
from storage.db import Database

NOW = datetime(2026, 11, 17, 9, 30, tzinfo=UTC)
KEY = (5, 5)


async def test_pause_resume_restart_and_discard(tmp_path: Path) -> None:
    db = Database(tmp_path / "drafts.sqlite3")
    await db.connect()
    try:
        store = ConversationStore(db)
        await store.load_steps()
        await store.save("case", KEY, 7, {"surname": "ROSSI"}, NOW)
        await store.pause("case", KEY, NOW + timedelta(minutes=5))
        assert store.step("case", KEY) is None and store.is_paused("case", KEY)
        assert store.flows_of(KEY) == frozenset() and store.paused_flows_of(KEY) == {"case"}
        assert await store.reload(KEY) == {}  # a resync after an error does not wake it
        assert store.is_paused("case", KEY)

        restarted = ConversationStore(db)
        await restarted.load_steps()
        assert restarted.step("case", KEY) is None and restarted.is_paused("case", KEY)
        paused = await restarted.paused("case", KEY)
        assert paused is not None
        # The time of the last answer, not of the pause: "Bozza del 17/11 alle 10:30".
        assert (paused.state, paused.data, paused.updated_at) == (7, {"surname": "ROSSI"}, NOW)

        assert await restarted.resume("case", KEY) == 7
        assert restarted.step("case", KEY) == 7 and not restarted.is_paused("case", KEY)
        assert await restarted.resume("case", KEY) is None  # nothing paused any more

        await restarted.pause("case", KEY, NOW)
        await restarted.save("case", KEY, 1, {}, NOW)  # the flow started afresh: active again
        assert restarted.step("case", KEY) == 1 and await restarted.paused("case", KEY) is None

        await restarted.pause("case", KEY, NOW)
        await restarted.discard_user(KEY[1])  # revocation deletes paused drafts too
        assert not restarted.is_paused("case", KEY)
        assert await db.fetchall("SELECT * FROM conversations") == []
    finally:
        await db.close()
