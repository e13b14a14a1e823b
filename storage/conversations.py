"""Conversation steps and half-filled forms, written before the bot answers.

A handler saves the answer and the next step in one write and only then asks the next
question, so a crash at any point resumes at a step whose answers are all on disk.

The step of every conversation in progress is also kept in memory (`step`): the flow engine
(bot.flows) must know it synchronously, for every update, to pick the handler that answers.
The memory is filled from the table once at start-up (`load_steps`) and every write below
updates it after the database, so it never holds a step the table does not. Whoever deletes
rows by other means (the retention run) tells it with `forget`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, parse_utc, utc_now_text

ConversationKey = tuple[int, ...]
# (flow, chat_id, user_id): one conversation.
_Row = tuple[str, int, int]


@dataclass(frozen=True)
class PausedDraft:
    """A conversation set aside: its step, its answers, and when it was last written."""

    flow: str
    state: int
    data: dict[str, Any]
    updated_at: datetime


def _key_parts(key: ConversationKey) -> tuple[int, int]:
    chat_id = key[0]
    user_id = key[1] if len(key) > 1 else key[0]
    return chat_id, user_id


class ConversationStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._steps: dict[_Row, int] = {}
        # Conversations set aside (paused): not answered by their flow until resumed.
        self._paused: set[_Row] = set()
        self._loaded = False

    # --- the steps in memory ----------------------------------------------------------------

    async def load_steps(self) -> None:
        """Read the step of every conversation in progress (at start-up, before updates)."""
        rows = await self._db.fetchall(
            "SELECT flow, chat_id, user_id, state, paused_at FROM conversations"
            " WHERE state IS NOT NULL"
        )
        self._steps = {
            (row["flow"], int(row["chat_id"]), int(row["user_id"])): int(row["state"])
            for row in rows
            if row["paused_at"] is None
        }
        self._paused = {
            (row["flow"], int(row["chat_id"]), int(row["user_id"]))
            for row in rows
            if row["paused_at"] is not None
        }
        self._loaded = True

    def step(self, flow: str, key: ConversationKey) -> int | None:
        """The step `key` is at in `flow`, from memory (None: not in the flow)."""
        if not self._loaded:
            # An empty memory would silently drop every conversation in progress.
            raise RuntimeError("the conversation steps were not loaded (load_steps)")
        return self._steps.get((flow, *_key_parts(key)))

    def flows_of(self, key: ConversationKey) -> frozenset[str]:
        """The flows `key` is in, from memory."""
        chat_id, user_id = _key_parts(key)
        return frozenset(f for f, c, u in self._steps if (c, u) == (chat_id, user_id))

    def is_paused(self, flow: str, key: ConversationKey) -> bool:
        """Whether `key` has a draft of `flow` set aside, from memory."""
        return (flow, *_key_parts(key)) in self._paused

    def paused_flows_of(self, key: ConversationKey) -> frozenset[str]:
        chat_id, user_id = _key_parts(key)
        return frozenset(f for f, c, u in self._paused if (c, u) == (chat_id, user_id))

    def forget(self, flow: str, key: ConversationKey) -> None:
        """Memory only: the row was deleted by other means (the retention run)."""
        row = (flow, *_key_parts(key))
        self._steps.pop(row, None)
        self._paused.discard(row)

    def remember(self, flow: str, key: ConversationKey, state: int | None) -> None:
        """Memory only: `key` is at `state` in `flow` (None: not in it), whatever the table
        says (a write that failed after the user was answered)."""
        if state is None:
            self.forget(flow, key)
        else:
            row: _Row = (flow, *_key_parts(key))
            self._steps[row] = state
            self._paused.discard(row)

    def _forget_if(self, gone: Callable[[_Row], bool]) -> None:
        self._steps = {row: step for row, step in self._steps.items() if not gone(row)}
        self._paused = {row for row in self._paused if not gone(row)}

    # --- the table --------------------------------------------------------------------------

    async def states(self, flow: str) -> dict[ConversationKey, int]:
        rows = await self._db.fetchall(
            "SELECT chat_id, user_id, state FROM conversations"
            " WHERE flow = ? AND state IS NOT NULL AND paused_at IS NULL",
            (flow,),
        )
        return {(row["chat_id"], row["user_id"]): int(row["state"]) for row in rows}

    async def state(self, flow: str, key: ConversationKey) -> int | None:
        """The step stored for `key` in `flow` (the database, not the memory)."""
        chat_id, user_id = _key_parts(key)
        row = await self._db.fetchone(
            "SELECT state FROM conversations WHERE flow = ? AND chat_id = ? AND user_id = ?",
            (flow, chat_id, user_id),
        )
        return int(row["state"]) if row is not None and row["state"] is not None else None

    async def set_state(
        self, flow: str, key: ConversationKey, state: int | None, now: datetime
    ) -> None:
        """Move `key` to `state` in `flow`, keeping the answers; None ends the flow and
        deletes its answers."""
        chat_id, user_id = _key_parts(key)
        async with self._db.transaction() as conn:
            if state is None:
                await conn.execute(
                    "DELETE FROM conversations WHERE flow = ? AND chat_id = ? AND user_id = ?",
                    (flow, chat_id, user_id),
                )
            else:
                await conn.execute(
                    "INSERT INTO conversations (flow, chat_id, user_id, state, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (flow, chat_id, user_id)"
                    " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,"
                    " paused_at = NULL",
                    (flow, chat_id, user_id, state, utc_now_text(now)),
                )
        self.remember(flow, key, state)

    async def save(
        self, flow: str, key: ConversationKey, state: int, data: dict[str, Any], now: datetime
    ) -> None:
        """Store the answers so far and the step they lead to, in one write."""
        chat_id, user_id = _key_parts(key)
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO conversations (flow, chat_id, user_id, state, data, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (flow, chat_id, user_id) DO UPDATE SET state = excluded.state,"
                " data = excluded.data, updated_at = excluded.updated_at, paused_at = NULL",
                (flow, chat_id, user_id, state, json.dumps(data, default=str), utc_now_text(now)),
            )
        self.remember(flow, key, state)

    async def load(self, flow: str, key: ConversationKey) -> dict[str, Any]:
        chat_id, user_id = _key_parts(key)
        row = await self._db.fetchone(
            "SELECT data FROM conversations WHERE flow = ? AND chat_id = ? AND user_id = ?",
            (flow, chat_id, user_id),
        )
        if row is None:
            return {}
        data: dict[str, Any] = json.loads(row["data"])
        return data

    async def end_all(self, key: ConversationKey) -> None:
        """End every flow `key` is in, answers included, in one write."""
        chat_id, user_id = _key_parts(key)
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM conversations WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
            )
        self._forget_if(lambda row: row[1:] == (chat_id, user_id))

    async def reload(self, key: ConversationKey) -> dict[str, int]:
        """The steps stored for `key`, flow by flow, read from the database into the memory:
        after an error the table is the truth (it is what a restart would resume)."""
        chat_id, user_id = _key_parts(key)
        rows = await self._db.fetchall(
            "SELECT flow, state FROM conversations"
            " WHERE chat_id = ? AND user_id = ? AND state IS NOT NULL AND paused_at IS NULL",
            (chat_id, user_id),
        )
        stored = {str(row["flow"]): int(row["state"]) for row in rows}
        self._steps = {
            row: step for row, step in self._steps.items() if row[1:] != (chat_id, user_id)
        }
        for flow, state in stored.items():
            self.remember(flow, key, state)
        return stored

    async def discard_user(self, user_id: int) -> None:
        """Forget every flow of a user (access revoked)."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,))
        self._forget_if(lambda row: row[2] == user_id)

    # --- drafts set aside -------------------------------------------------------------------

    async def pause(self, flow: str, key: ConversationKey, now: datetime) -> None:
        """Set `key`'s conversation in `flow` aside: step and answers kept, not answered."""
        chat_id, user_id = _key_parts(key)
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE conversations SET paused_at = ?"
                " WHERE flow = ? AND chat_id = ? AND user_id = ? AND paused_at IS NULL",
                (utc_now_text(now), flow, chat_id, user_id),
            )
        row: _Row = (flow, chat_id, user_id)
        if self._steps.pop(row, None) is not None:
            self._paused.add(row)

    async def paused(self, flow: str, key: ConversationKey) -> PausedDraft | None:
        """The draft of `flow` that `key` set aside, if any."""
        chat_id, user_id = _key_parts(key)
        row = await self._db.fetchone(
            "SELECT state, data, updated_at FROM conversations WHERE flow = ? AND chat_id = ?"
            " AND user_id = ? AND paused_at IS NOT NULL AND state IS NOT NULL",
            (flow, chat_id, user_id),
        )
        if row is None:
            return None
        updated = parse_utc(str(row["updated_at"]))
        return PausedDraft(flow, int(row["state"]), json.loads(row["data"]), updated)

    async def note_in_paused(self, flow: str, key: ConversationKey, data: dict[str, Any]) -> None:
        """Replace the answers of a paused draft, leaving its time alone (bookkeeping)."""
        chat_id, user_id = _key_parts(key)
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE conversations SET data = ? WHERE flow = ? AND chat_id = ? AND user_id = ?"
                " AND paused_at IS NOT NULL",
                (json.dumps(data, default=str), flow, chat_id, user_id),
            )

    async def resume(self, flow: str, key: ConversationKey) -> int | None:
        """Take a paused draft up again; returns its step (None: there was none)."""
        chat_id, user_id = _key_parts(key)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE conversations SET paused_at = NULL WHERE flow = ? AND chat_id = ?"
                " AND user_id = ? AND paused_at IS NOT NULL AND state IS NOT NULL"
                " RETURNING state",
                (flow, chat_id, user_id),
            )
            row = await cursor.fetchone()
        if row is None:
            return None
        state = int(row[0])
        self.remember(flow, key, state)
        return state
