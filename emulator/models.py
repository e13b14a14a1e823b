"""What the emulator remembers: the people, their chats, and every message the bot sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from emulator.formatting import Entity

JsonDict = dict[str, Any]
EventKind = Literal["sent", "edited", "deleted", "answer", "action"]


class Button(NamedTuple):
    """An inline button as the person sees it: its label and what it does."""

    text: str
    data: str  # the callback_data, or the URL of a link button ("" for other kinds)


Keyboard = list[list[Button]]


@dataclass(frozen=True)
class BotDocument:
    filename: str
    content: bytes
    mime_type: str | None
    file_id: str


@dataclass
class BotMessage:
    """A message the bot sent, in its current state (edits applied, deletion flagged)."""

    chat_id: int
    message_id: int
    date: datetime
    text: str | None = None
    parse_mode: str | None = None
    entities: list[Entity] = field(default_factory=list)
    reply_markup: Keyboard = field(default_factory=list)
    document: BotDocument | None = None
    photo: bytes | None = None
    caption: str | None = None
    caption_entities: list[Entity] = field(default_factory=list)
    edit_count: int = 0
    deleted: bool = False
    edit_date: datetime | None = None
    reply_to_message_id: int | None = None
    reply_keyboard: list[list[str]] | None = None  # a custom keyboard under the input field
    inline_markup_json: JsonDict | None = None  # the inline keyboard as Telegram echoes it
    markup_history: list[Keyboard] = field(default_factory=list)  # keyboards before edits
    media_json: JsonDict = field(default_factory=dict)  # document/photo fields of the payload
    protected: bool = False  # sent with protect_content (no forwarding, no saving)

    @property
    def content(self) -> str:
        """What the person reads: the text, or the caption of a file."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[Button]:
        return [button for row in self.reply_markup for button in row]

    def is_link(self, button: Button) -> bool:
        """Whether the button opens a URL instead of sending a callback."""
        rows = (self.inline_markup_json or {}).get("inline_keyboard", [])
        return any(
            raw.get("text") == button.text and raw.get("url") == button.data
            for row in rows
            for raw in row
        )

    def find_button(self, label: str) -> Button | None:
        """The first button whose label contains `label`, ignoring case."""
        needle = label.casefold()
        return next((b for b in self.buttons if needle in b.text.casefold()), None)


@dataclass(frozen=True)
class BotEvent:
    """One thing the bot did in a chat; `seq` orders all bot actions across chats."""

    seq: int
    kind: EventKind
    chat_id: int
    message_id: int | None
    text: str  # what the person saw at that moment (text, or the answer's toast)
    # time.monotonic() when the emulator took the call: benchmarks measure latency with it.
    at: float = field(default=0.0, compare=False)


@dataclass
class CallbackAnswer:
    query_id: str
    user_id: int
    message_id: int | None
    data: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass
class UserProfile:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def user_json(self) -> JsonDict:
        user: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            if getattr(self, name) is not None:
                user[name] = getattr(self, name)
        return user

    def chat_json(self) -> JsonDict:
        chat: JsonDict = {"id": self.id, "first_name": self.first_name}
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        chat["type"] = "private"
        return chat


@dataclass
class ChatState:
    """A private chat between the bot and one person."""

    user: UserProfile
    blocked: bool = False
    last_message_id: int = 0
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: dict[int, JsonDict] = field(default_factory=dict)
    events: list[BotEvent] = field(default_factory=list)
    last_chat_action: str | None = None

    def next_message_id(self) -> int:
        # One counter per chat for both sides, as on Telegram.
        self.last_message_id += 1
        return self.last_message_id


def message_json(message: BotMessage, chat: JsonDict, sender: JsonDict) -> JsonDict:
    """The Message object Telegram returns for a bot message in its current state."""
    payload: JsonDict = {
        "message_id": message.message_id,
        "from": sender,
        "chat": chat,
        "date": int(message.date.timestamp()),
    }
    if message.edit_date is not None:
        payload["edit_date"] = int(message.edit_date.timestamp())
    if message.text is not None:
        payload["text"] = message.text
        if message.entities:
            payload["entities"] = message.entities
    payload.update(message.media_json)
    if message.caption:
        payload["caption"] = message.caption
        if message.caption_entities:
            payload["caption_entities"] = message.caption_entities
    if message.inline_markup_json is not None:
        payload["reply_markup"] = message.inline_markup_json
    return payload
