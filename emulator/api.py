"""The Bot API methods, answering and failing the way Telegram does.

Each method takes the call's `Params` and returns the `result` of a successful answer, or raises
`ApiError`. Validation comes before any state changes, so a failed call leaves no trace (no
message id is used up), as on Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from emulator.errors import ApiError, bad_request, entity_error
from emulator.files import MAX_DOWNLOAD_BYTES, MAX_UPLOAD_BYTES, StoredFile
from emulator.formatting import EntityParseError, FormattedText, parse, trim, utf16_len
from emulator.keyboards import ParsedMarkup, parse_reply_markup
from emulator.models import BotDocument, BotMessage, ChatState, JsonDict
from emulator.params import Params, UploadedFile
from emulator.state import EmulatorState, command_key

Handler = Callable[[Params], Any]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MAX_DELETED_AT_ONCE = 100  # deleteMessages
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
EXPIRED_QUERY = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
COMMAND_SCOPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
        "chat_administrators", "chat_member",
    }
)  # fmt: skip
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_PROFILE_LIMITS = {"name": 64, "description": 512, "short_description": 120}


class BotApiMethods:
    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    def table(self) -> dict[str, Handler]:
        """Every supported method by its Bot API name."""
        return {
            "getMe": self.get_me,
            "logOut": self.ok,
            "close": self.ok,
            "deleteWebhook": self.delete_webhook,
            "setWebhook": self.set_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "getUpdates": self.get_updates,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "editMessageCaption": self.edit_message_caption,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "answerCallbackQuery": self.answer_callback_query,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "sendChatAction": self.send_chat_action,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            "getChat": self.get_chat,
            "setMyName": self._profile_setter("name"),
            "getMyName": self._profile_getter("name"),
            "setMyDescription": self._profile_setter("description"),
            "getMyDescription": self._profile_getter("description"),
            "setMyShortDescription": self._profile_setter("short_description"),
            "getMyShortDescription": self._profile_getter("short_description"),
        }

    # --- the bot itself and its updates -------------------------------------------------------

    def ok(self, params: Params) -> bool:
        return True

    def get_me(self, params: Params) -> JsonDict:
        return {
            **self._state.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def delete_webhook(self, params: Params) -> bool:
        self._state.webhook_url = ""
        if params.flag("drop_pending_updates"):
            self._state.updates.drop_pending()
        return True

    def set_webhook(self, params: Params) -> bool:
        url = params.str_or_none("url") or ""
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._state.webhook_url = url
        self._state.updates.set_allowed(params.json_or_none("allowed_updates"))
        if params.flag("drop_pending_updates"):
            self._state.updates.drop_pending()
        return True

    def get_webhook_info(self, params: Params) -> JsonDict:
        return {
            "url": self._state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self._state.updates.pending_count,
        }

    async def get_updates(self, params: Params) -> list[JsonDict]:
        if self._state.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        allowed = params.json_or_none("allowed_updates")
        if isinstance(allowed, list):
            self._state.updates.set_allowed(str(kind) for kind in allowed)
        return await self._state.updates.poll(
            offset=params.int_or_none("offset"),
            limit=params.int_or_none("limit") or 100,
            wait_seconds=params.float_or_none("timeout") or 0.0,
        )

    # --- messages -----------------------------------------------------------------------------

    def send_message(self, params: Params) -> JsonDict:
        chat = self._state.chat_for_bot(params.str_or_none("chat_id"))
        text = _formatted(params, "text", "entities", TEXT_LIMIT, required=True)
        markup = parse_reply_markup(params.json_or_none("reply_markup"))
        message = self._new_message(chat, params, markup)
        message.text, message.entities = text.text, text.entities
        message.parse_mode = params.str_or_none("parse_mode")
        return self._publish(chat, message)

    def send_document(self, params: Params) -> JsonDict:
        return self._send_file(params, "document")

    def send_photo(self, params: Params) -> JsonDict:
        return self._send_file(params, "photo")

    def edit_message_text(self, params: Params) -> JsonDict:
        chat, message = self._message_to_edit(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text = _formatted(params, "text", "entities", TEXT_LIMIT, required=True)
        markup = parse_reply_markup(params.json_or_none("reply_markup"))
        unchanged = (text.text, text.entities) == (message.text, message.entities)
        if unchanged and markup.inline_json == message.inline_markup_json:
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities = text.text, text.entities
        message.parse_mode = params.str_or_none("parse_mode")
        return self._apply_edit(chat, message, markup)

    def edit_message_caption(self, params: Params) -> JsonDict:
        chat, message = self._message_to_edit(params)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        caption = _formatted(params, "caption", "caption_entities", CAPTION_LIMIT, required=False)
        markup = parse_reply_markup(params.json_or_none("reply_markup"))
        unchanged = (caption.text, caption.entities) == (
            message.caption or "",
            message.caption_entities,
        )
        if unchanged and markup.inline_json == message.inline_markup_json:
            raise bad_request(NOT_MODIFIED)
        message.caption, message.caption_entities = caption.text or None, caption.entities
        return self._apply_edit(chat, message, markup)

    def edit_message_reply_markup(self, params: Params) -> JsonDict:
        chat, message = self._message_to_edit(params)
        markup = parse_reply_markup(params.json_or_none("reply_markup"))
        if markup.inline_json == message.inline_markup_json:
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(chat, message, markup)

    def delete_message(self, params: Params) -> bool:
        chat = self._state.chat_for_bot(params.str_or_none("chat_id"), check_blocked=False)
        message_id = params.required_int("message_id", "message identifier is not specified")
        if chat.user_messages.pop(message_id, None) is not None:
            self._state.record(chat, "deleted", message_id, "")
            return True
        message = chat.bot_messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        self._state.record(chat, "deleted", message_id, message.content)
        return True

    def delete_messages(self, params: Params) -> bool:
        """Up to 100 messages of one chat at once; those not found are skipped, as Telegram
        does."""
        chat = self._state.chat_for_bot(params.str_or_none("chat_id"), check_blocked=False)
        ids = params.json_or_none("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad_request("message identifiers are not specified")
        if len(ids) > MAX_DELETED_AT_ONCE or not all(type(i) is int for i in ids):
            raise bad_request("invalid message identifiers specified")
        for message_id in ids:
            if chat.user_messages.pop(message_id, None) is not None:
                self._state.record(chat, "deleted", message_id, "")
                continue
            message = chat.bot_messages.get(message_id)
            if message is not None and not message.deleted:
                message.deleted = True
                self._state.record(chat, "deleted", message_id, message.content)
        return True

    def answer_callback_query(self, params: Params) -> bool:
        query_id = params.str_or_none("callback_query_id") or ""
        answer = self._state.pending_callbacks.pop(query_id, None)
        if answer is None:
            raise bad_request(EXPIRED_QUERY)
        answer.text = params.str_or_none("text")
        answer.show_alert = params.flag("show_alert")
        answer.url = params.str_or_none("url")
        answer.cache_time = params.int_or_none("cache_time") or 0
        self._state.callback_answers[query_id] = answer
        chat = self._state.chats.get(answer.user_id)
        if chat is not None:
            self._state.record(chat, "answer", answer.message_id, answer.text or "")
        return True

    def send_chat_action(self, params: Params) -> bool:
        chat = self._state.chat_for_bot(params.str_or_none("chat_id"))
        action = params.str_or_none("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.last_chat_action = action
        self._state.record(chat, "action", None, action)
        return True

    def get_file(self, params: Params) -> JsonDict:
        stored = self._state.files.get(params.str_or_none("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {**stored.ids(), "file_path": self._state.files.path_for(stored)}

    def get_chat(self, params: Params) -> JsonDict:
        chat = self._state.chat_for_bot(params.str_or_none("chat_id"), check_blocked=False)
        return {
            **chat.user.chat_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    # --- commands, menu button, profile -------------------------------------------------------

    def set_my_commands(self, params: Params) -> bool:
        commands = _validated_commands(params.json_or_none("commands"))
        key = self._command_key(params)
        if commands:
            self._state.commands[key] = commands
        else:
            self._state.commands.pop(key, None)
        return True

    def get_my_commands(self, params: Params) -> list[JsonDict]:
        return list(self._state.commands.get(self._command_key(params), []))

    def delete_my_commands(self, params: Params) -> bool:
        self._state.commands.pop(self._command_key(params), None)
        return True

    def set_chat_menu_button(self, params: Params) -> bool:
        chat_id = self._optional_chat_id(params)
        button = params.json_or_none("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise bad_request("can't parse menu button JSON object")
        self._state.menu_buttons[chat_id] = button
        return True

    def get_chat_menu_button(self, params: Params) -> JsonDict:
        chat_id = self._optional_chat_id(params)
        buttons = self._state.menu_buttons
        return buttons.get(chat_id) or buttons.get(None) or {"type": "default"}

    def _profile_setter(self, field: str) -> Handler:
        def setter(params: Params) -> bool:
            value = params.str_or_none(field) or ""
            if len(value) > _PROFILE_LIMITS[field]:
                raise bad_request(f"bot {field.replace('_', ' ')} is too long")
            self._state.profile_texts[(field, params.str_or_none("language_code") or "")] = value
            return True

        return setter

    def _profile_getter(self, field: str) -> Handler:
        def getter(params: Params) -> JsonDict:
            language = params.str_or_none("language_code") or ""
            texts = self._state.profile_texts
            value = texts.get((field, language)) or texts.get((field, "")) or ""
            if field == "name" and not value:
                value = str(self._state.bot_user["first_name"])
            return {field: value}

        return getter

    # --- helpers ------------------------------------------------------------------------------

    def _send_file(self, params: Params, field: str) -> JsonDict:
        chat = self._state.chat_for_bot(params.str_or_none("chat_id"))
        caption = _formatted(params, "caption", "caption_entities", CAPTION_LIMIT, required=False)
        markup = parse_reply_markup(params.json_or_none("reply_markup"))
        stored = self._resolve_upload(params, field)
        message = self._new_message(chat, params, markup)
        message.caption = caption.text or None
        message.caption_entities = caption.entities
        message.parse_mode = params.str_or_none("parse_mode")
        if field == "photo":
            message.photo = stored.content
            message.media_json = {"photo": stored.photo_json()}
        else:
            filename = stored.file_name or "document"
            document = BotDocument(filename, stored.content, stored.mime_type, stored.file_id)
            message.document = document
            message.media_json = {"document": stored.document_json()}
        if (params.str_or_none("protect_content") or "").lower() in ("true", "1"):
            # Kept so tests can check that a file with names cannot be forwarded or saved.
            message.protected = True
            message.media_json["has_protected_content"] = True
        return self._publish(chat, message)

    def _resolve_upload(self, params: Params, field: str) -> StoredFile:
        upload = params.upload(field)
        if isinstance(upload, UploadedFile):
            return self._store_upload(upload, field)
        if not upload:
            raise bad_request(f"there is no {field} in the request")
        known = self._state.files.get(upload)
        if known is not None:
            return known
        if upload.startswith(("http://", "https://")):
            # The emulator never leaves 127.0.0.1, so it cannot fetch the URL as Telegram would.
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _store_upload(self, upload: UploadedFile, field: str) -> StoredFile:
        if not upload.content:
            raise bad_request("file must be non-empty")
        if len(upload.content) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        folder = "photos" if field == "photo" else "documents"
        generic = upload.content_type in (None, "application/octet-stream")
        return self._state.files.add(
            upload.content,
            file_name=upload.filename if field != "photo" else None,
            mime_type=None if generic else upload.content_type,
            folder=folder,
        )

    def _new_message(self, chat: ChatState, params: Params, markup: ParsedMarkup) -> BotMessage:
        # Called only once the call is known to succeed: it uses up a message id.
        reply_to = self._reply_target(chat, params)
        return BotMessage(
            chat_id=chat.user.id,
            message_id=chat.next_message_id(),
            date=self._state.clock(),
            reply_markup=markup.inline,
            inline_markup_json=markup.inline_json,
            reply_keyboard=markup.reply_keyboard,
            reply_to_message_id=reply_to,
        )

    def _reply_target(self, chat: ChatState, params: Params) -> int | None:
        reply = params.json_or_none("reply_parameters")
        target: int | None
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            target = int(reply["message_id"])
            lenient = bool(reply.get("allow_sending_without_reply"))
        else:
            target = params.int_or_none("reply_to_message_id")
            lenient = params.flag("allow_sending_without_reply")
        if target is None or self._state.message_json_by_id(chat, target) is not None:
            return target
        if lenient:
            return None
        raise bad_request("message to be replied not found")

    def _publish(self, chat: ChatState, message: BotMessage) -> JsonDict:
        chat.bot_messages[message.message_id] = message
        self._state.record(chat, "sent", message.message_id, _seen_text(message))
        return self._state.message_payload(chat, message)

    def _message_to_edit(self, params: Params) -> tuple[ChatState, BotMessage]:
        if not params.has("chat_id") and params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # the emulator has no inline messages
        chat = self._state.chat_for_bot(params.str_or_none("chat_id"))
        message_id = params.required_int("message_id", "message identifier is not specified")
        if message_id in chat.user_messages:
            raise bad_request("message can't be edited")
        message = chat.bot_messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        return chat, message

    def _apply_edit(self, chat: ChatState, message: BotMessage, markup: ParsedMarkup) -> JsonDict:
        # An edit without reply_markup removes the inline keyboard: Telegram does the same.
        if message.reply_markup and message.reply_markup != markup.inline:
            message.markup_history.append(message.reply_markup)
        message.reply_markup = markup.inline
        message.inline_markup_json = markup.inline_json
        message.edit_count += 1
        message.edit_date = self._state.clock()
        self._state.record(chat, "edited", message.message_id, _seen_text(message))
        return self._state.message_payload(chat, message)

    def _command_key(self, params: Params) -> tuple[str, int | None, int | None, str]:
        scope = params.json_or_none("scope")
        known = isinstance(scope, dict) and scope.get("type") in COMMAND_SCOPES
        if scope is not None and not known:
            raise bad_request("can't parse BotCommandScope JSON object")
        if scope is not None and scope.get("chat_id") is not None:
            self._state.chat_for_bot(scope["chat_id"], check_blocked=False)
        return command_key(scope, params.str_or_none("language_code"))

    def _optional_chat_id(self, params: Params) -> int | None:
        if not params.has("chat_id"):
            return None
        return self._state.chat_for_bot(params.str_or_none("chat_id"), check_blocked=False).user.id


def _formatted(
    params: Params, field: str, entities_field: str, limit: int, *, required: bool
) -> FormattedText:
    """The text or caption of a call, parsed, trimmed and checked like Telegram does."""
    raw = params.str_or_none(field) or ""
    explicit = params.json_or_none(entities_field)
    if isinstance(explicit, list):
        formatted = FormattedText(raw, explicit)  # explicit entities win over parse_mode
    else:
        formatted = _parse(raw, params.str_or_none("parse_mode"))
    formatted = trim(formatted)
    noun = "text" if field == "text" else "caption"
    if required and not formatted.text:
        raise bad_request(f"message {noun} is empty")
    if utf16_len(formatted.text) > limit:
        raise bad_request("message is too long" if required else "message caption is too long")
    return formatted


def _parse(raw: str, parse_mode: str | None) -> FormattedText:
    try:
        return parse(raw, parse_mode)
    except EntityParseError as error:
        raise entity_error(str(error)) from None
    except ValueError:
        raise bad_request("unsupported parse_mode") from None


def _seen_text(message: BotMessage) -> str:
    """What the person sees of a message, for expectations: its text, caption and file name."""
    if message.document is None:
        return message.content
    return f"{message.content}\n{message.document.filename}".strip()


def _validated_commands(raw: Any) -> list[JsonDict]:
    if not isinstance(raw, list) or len(raw) > 100:
        raise bad_request("can't parse commands JSON object")
    commands: list[JsonDict] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", ""))
        if not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not description.strip() or len(description) > 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append({"command": command, "description": description})
    return commands
