"""The emulator's shared state: chats, files, updates, and the log of everything the bot did."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from emulator.errors import bad_request, forbidden
from emulator.faults import Stats
from emulator.files import FileStore
from emulator.models import (
    BotEvent,
    BotMessage,
    CallbackAnswer,
    ChatState,
    EventKind,
    JsonDict,
    message_json,
)
from emulator.updates import UpdateQueue

Clock = Callable[[], datetime]
CommandKey = tuple[str, int | None, int | None, str]


class EmulatorState:
    def __init__(self, *, bot_user: JsonDict, clock: Clock, stats: Stats) -> None:
        self.bot_user = bot_user
        self.clock = clock
        self.stats = stats
        self.chats: dict[int, ChatState] = {}
        self.files = FileStore()
        self.updates = UpdateQueue(stats)
        self.commands: dict[CommandKey, list[JsonDict]] = {}
        self.menu_buttons: dict[int | None, JsonDict] = {}
        self.profile_texts: dict[tuple[str, str], str] = {}
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.pending_callbacks: dict[str, CallbackAnswer] = {}
        self.webhook_url = ""
        self.seq = 0
        self._activity = asyncio.Event()
        self._chat_activity: dict[int, asyncio.Event] = {}

    def timestamp(self) -> int:
        return int(self.clock().timestamp())

    def chat(self, user_id: int) -> ChatState:
        """The chat of a simulated person; a programming error if they never opened it."""
        chat = self.chats.get(user_id)
        if chat is None:
            raise LookupError(f"user {user_id} has no chat with the bot: call open_chat first")
        return chat

    def chat_for_bot(self, raw_chat_id: Any, *, check_blocked: bool = True) -> ChatState:
        """The chat a Bot API call targets, failing the way Telegram fails."""
        if raw_chat_id is None or raw_chat_id == "":
            raise bad_request("chat_id is empty")
        try:
            chat = self.chats.get(int(raw_chat_id))
        except (TypeError, ValueError):
            chat = None  # "@username" and other forms: no such chat here
        if chat is None:
            raise bad_request("chat not found")
        if check_blocked and chat.blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def message_payload(self, chat: ChatState, message: BotMessage) -> JsonDict:
        payload = message_json(message, chat.user.chat_json(), self.bot_user)
        target = message.reply_to_message_id
        if target is not None:
            replied = self.message_json_by_id(chat, target)
            if replied is not None:
                payload["reply_to_message"] = replied
        return payload

    def message_json_by_id(self, chat: ChatState, message_id: int) -> JsonDict | None:
        """The current JSON of any live message in the chat, the bot's or the person's."""
        if message_id in chat.user_messages:
            return chat.user_messages[message_id]
        message = chat.bot_messages.get(message_id)
        if message is None or message.deleted:
            return None
        return message_json(message, chat.user.chat_json(), self.bot_user)

    def record(
        self, chat: ChatState, kind: EventKind, message_id: int | None, text: str
    ) -> BotEvent:
        """Log one bot action and wake everyone waiting for the bot."""
        self.seq += 1
        now = time.monotonic()
        event = BotEvent(self.seq, kind, chat.user.id, message_id, text, now)
        chat.events.append(event)
        if kind == "sent":
            self.stats.sent_at.append(now)
        self._notify(chat.user.id)
        return event

    def events(self, chat_id: int, after_seq: int = 0) -> list[BotEvent]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        # Events are appended in seq order, so a bisection finds the new ones without a scan.
        start = bisect.bisect_right(chat.events, after_seq, key=lambda event: event.seq)
        return chat.events[start:]

    async def wait_for(
        self, predicate: Callable[[], bool], seconds: float | None, chat_id: int | None = None
    ) -> None:
        """Return once `predicate()` holds, re-checking after each bot action (in `chat_id`
        only, when given: a thousand simulated people then don't all wake for each message)."""
        async with asyncio.timeout(seconds):
            while not predicate():
                await self._activity_event(chat_id).wait()

    def _activity_event(self, chat_id: int | None) -> asyncio.Event:
        if chat_id is None:
            return self._activity
        return self._chat_activity.setdefault(chat_id, asyncio.Event())

    def _notify(self, chat_id: int) -> None:
        # A fresh event per action: every current waiter sees this signal exactly once.
        activity, self._activity = self._activity, asyncio.Event()
        activity.set()
        chat_activity = self._chat_activity.pop(chat_id, None)
        if chat_activity is not None:
            chat_activity.set()


def command_key(scope: Mapping[str, Any] | None, language_code: str | None) -> CommandKey:
    """The identity of a command list: its scope and its language, as Telegram keys them."""
    scope = scope or {"type": "default"}
    kind = str(scope.get("type", "default"))
    chat_id = scope.get("chat_id")
    user_id = scope.get("user_id")
    return (
        kind,
        int(chat_id) if chat_id is not None else None,
        int(user_id) if user_id is not None else None,
        language_code or "",
    )
