"""Conversation steps and half-filled forms, written before the bot answers.

A handler saves the answer and the next step in one write and only then asks the next
question, so a crash at any point resumes at a step whose answers are all on disk.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database, utc_now_text

ConversationKey = tuple[int, ...]


def _key_parts(key: ConversationKey) -> tuple[int, int]:
    chat_id = key[0]
    user_id = key[1] if len(key) > 1 else key[0]
    return chat_id, user_id


class ConversationStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def states(self, flow: str) -> dict[ConversationKey, int]:
        rows = await self._db.fetchall(
            "SELECT chat_id, user_id, state FROM conversations"
            " WHERE flow = ? AND state IS NOT NULL",
            (flow,),
        )
        return {(row["chat_id"], row["user_id"]): int(row["state"]) for row in rows}

    async def state(self, flow: str, key: ConversationKey) -> int | None:
        chat_id, user_id = _key_parts(key)
        row = await self._db.fetchone(
            "SELECT state FROM conversations WHERE flow = ? AND chat_id = ? AND user_id = ?",
            (flow, chat_id, user_id),
        )
        return int(row["state"]) if row is not None and row["state"] is not None else None

    async def set_state(
        self, flow: str, key: ConversationKey, state: int | None, now: datetime
    ) -> None:
        chat_id, user_id = _key_parts(key)
        async with self._db.transaction() as conn:
            if state is None:
                await conn.execute(
                    "DELETE FROM conversations WHERE flow = ? AND chat_id = ? AND user_id = ?",
                    (flow, chat_id, user_id),
                )
                return
            await conn.execute(
                "INSERT INTO conversations (flow, chat_id, user_id, state, updated_at)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (flow, chat_id, user_id)"
                " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                (flow, chat_id, user_id, state, utc_now_text(now)),
            )

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
                " data = excluded.data, updated_at = excluded.updated_at",
                (flow, chat_id, user_id, state, json.dumps(data, default=str), utc_now_text(now)),
            )

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

    async def discard_user(self, user_id: int) -> None:
        """Forget every flow of a user (access revoked)."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,))
