"""python-telegram-bot persistence for conversation steps, kept in our SQLite database.

Only the conversation states are stored: the forms live in the same `conversations` rows,
written by the flows themselves before they answer. The application calls
`update_persistence` after every update (see `bot.app`), not every 60 s, so an ended flow is
forgotten at once and a `kill -9` loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from storage.conversations import ConversationStore

Data = dict[Any, Any]


class SqlitePersistence(BasePersistence[Data, Data, Data]):
    def __init__(self, store: ConversationStore, clock: Callable[[], datetime]) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            # The application flushes after each update; this is only the safety net.
            update_interval=30,
        )
        self._store = store
        self._clock = clock

    async def get_conversations(self, name: str) -> ConversationDict:
        states = await self._store.states(name)
        return {tuple(key): state for key, state in states.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        state = int(new_state) if isinstance(new_state, int) else None
        await self._store.set_state(name, tuple(int(part) for part in key), state, self._clock())

    async def get_user_data(self) -> dict[int, Data]:
        return {}

    async def get_chat_data(self) -> dict[int, Data]:
        return {}

    async def get_bot_data(self) -> Data:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: Data) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        return None

    async def update_bot_data(self, data: Data) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Data) -> None:
        return None

    async def flush(self) -> None:
        return None
