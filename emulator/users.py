"""What simulated people do: each action becomes an Update, as Telegram would deliver it."""

from __future__ import annotations

import re

from emulator.files import StoredFile
from emulator.formatting import utf16_len
from emulator.models import CallbackAnswer, ChatState, JsonDict, UserProfile
from emulator.state import EmulatorState

# A command where Telegram marks one: at a word start, optionally addressed to a bot.
_BOT_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
# A few bytes that look like what they claim to be, for media the test does not care about.
_FAKE_STICKER = b"RIFF\x1a\x00\x00\x00WEBPVP8 "
_FAKE_VOICE = b"OggS\x00\x02" + bytes(22)
_FIRST_CALLBACK_ID = 4_611_686_018_427_387_904


def command_entities(text: str) -> list[JsonDict]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _BOT_COMMAND.finditer(text)
    ]


class UserActions:
    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._callbacks = 0

    def open_chat(self, profile: UserProfile) -> JsonDict:
        """Start (or re-open) the private chat; an existing chat keeps its history."""
        chat = self._state.chats.get(profile.id)
        if chat is None:
            self._state.chats[profile.id] = ChatState(profile)
        else:
            chat.user = profile
        return profile.user_json()

    def send_text(self, user_id: int, text: str) -> JsonDict:
        if not text.strip():
            raise ValueError("Telegram clients do not send empty messages")
        content: JsonDict = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._send(user_id, content)

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        mime_type: str | None,
        caption: str | None,
    ) -> JsonDict:
        stored = self._state.files.add(content, file_name=filename, mime_type=mime_type)
        return self._send(user_id, _with_caption({"document": stored.document_json()}, caption))

    def send_photo(self, user_id: int, content: bytes, caption: str | None) -> JsonDict:
        stored = self._state.files.add(content, folder="photos", mime_type="image/jpeg")
        return self._send(user_id, _with_caption({"photo": stored.photo_json()}, caption))

    def send_sticker(self, user_id: int, emoji: str) -> JsonDict:
        stored = self._state.files.add(_FAKE_STICKER, folder="stickers", mime_type="image/webp")
        sticker = {
            **stored.ids(),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._send(user_id, {"sticker": sticker})

    def send_voice(self, user_id: int, content: bytes | None, duration: int) -> JsonDict:
        audio = content or _FAKE_VOICE
        stored = self._state.files.add(audio, folder="voice", mime_type="audio/ogg")
        return self._send(user_id, {"voice": {**_voice(stored), "duration": duration}})

    def send_location(self, user_id: int, latitude: float, longitude: float) -> JsonDict:
        return self._send(user_id, {"location": {"latitude": latitude, "longitude": longitude}})

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str | None,
        contact_user_id: int | None = None,
    ) -> JsonDict:
        """A contact card: the sender's own (`contact_user_id` None, as Telegram's «share my
        number» button sends it) or someone else's, forwarded (their user id, or 0 for a
        card of a person not on Telegram: the field is then left out)."""
        chat = self._state.chat(user_id)
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": first_name or chat.user.first_name,
        }
        owner = user_id if contact_user_id is None else contact_user_id
        if owner:
            contact["user_id"] = owner
        return self._send(user_id, {"contact": contact})

    def edit_text(self, user_id: int, message_id: int, new_text: str) -> JsonDict:
        chat = self._state.chat(user_id)
        original = chat.user_messages.get(message_id)
        if original is None or "text" not in original:
            raise LookupError(f"user {user_id} has no text message {message_id} to edit")
        edited: JsonDict = {**original, "text": new_text, "edit_date": self._state.timestamp()}
        edited.pop("entities", None)
        entities = command_entities(new_text)
        if entities:
            edited["entities"] = entities
        chat.user_messages[message_id] = edited
        self._state.updates.push("edited_message", edited)
        return edited

    def press_button(self, user_id: int, message_id: int, callback_data: str) -> str:
        """Tap a button that is on the message now; anything else is forge_callback's job."""
        chat = self._state.chat(user_id)
        message = chat.bot_messages.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"no live bot message {message_id} in chat {user_id}")
        if all(button.data != callback_data for button in message.buttons):
            labels = [button.text for button in message.buttons]
            raise LookupError(f"message {message_id} has no button {callback_data!r}: {labels}")
        return self.forge_callback(user_id, message_id, callback_data)

    def forge_callback(self, user_id: int, message_id: int, data: str) -> str:
        """A callback query with any data, on any message: stale clients and forgeries."""
        chat = self._state.chat(user_id)
        message = self._state.message_json_by_id(chat, message_id)
        if message is None:
            # What Telegram sends for a message the bot can no longer see.
            message = {"chat": chat.user.chat_json(), "message_id": message_id, "date": 0}
        self._callbacks += 1
        query_id = str(_FIRST_CALLBACK_ID + self._callbacks)
        pending = CallbackAnswer(query_id, user_id, message_id, data)
        self._state.pending_callbacks[query_id] = pending
        query = {
            "id": query_id,
            "from": chat.user.user_json(),
            "message": message,
            "chat_instance": str(-(user_id * 1_000_003 % 9_000_000_000_000_000_000)),
            "data": data,
        }
        self._state.updates.push("callback_query", query)
        return query_id

    def block_bot(self, user_id: int) -> None:
        chat = self._state.chat(user_id)
        if not chat.blocked:
            chat.blocked = True
            self._member_update(chat, old="member", new="kicked")

    def unblock_bot(self, user_id: int) -> None:
        chat = self._state.chat(user_id)
        if chat.blocked:
            chat.blocked = False
            self._member_update(chat, old="kicked", new="member")

    def _send(self, user_id: int, content: JsonDict) -> JsonDict:
        chat = self._state.chat(user_id)
        # Writing to a bot you blocked means pressing "Restart" first, which unblocks it.
        self.unblock_bot(user_id)
        message: JsonDict = {
            "message_id": chat.next_message_id(),
            "from": chat.user.user_json(),
            "chat": chat.user.chat_json(),
            "date": self._state.timestamp(),
            **content,
        }
        chat.user_messages[message["message_id"]] = message
        self._state.updates.push("message", message)
        return message

    def _member_update(self, chat: ChatState, *, old: str, new: str) -> None:
        bot_member = {"user": self._state.bot_user}
        update = {
            "chat": chat.user.chat_json(),
            "from": chat.user.user_json(),
            "date": self._state.timestamp(),
            "old_chat_member": {**bot_member, "status": old} | _until(old),
            "new_chat_member": {**bot_member, "status": new} | _until(new),
        }
        self._state.updates.push("my_chat_member", update)


def _until(status: str) -> JsonDict:
    return {"until_date": 0} if status == "kicked" else {}


def _with_caption(content: JsonDict, caption: str | None) -> JsonDict:
    if caption:
        content["caption"] = caption
    return content


def _voice(stored: StoredFile) -> JsonDict:
    return {**stored.ids(), "mime_type": stored.mime_type}
