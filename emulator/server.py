"""An in-process Telegram Bot API on 127.0.0.1, over real HTTP.

The real python-telegram-bot `Application` talks to it exactly as it talks to Telegram
(`base_url=emulator.base_url`, `base_file_url=emulator.base_file_url`), while tests and the
console play the people on the other side through the Python API below.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol

from aiohttp import web

from emulator.api import BotApiMethods, Handler
from emulator.errors import ApiError, too_many_requests
from emulator.faults import FaultInjector, Stats, is_send_method
from emulator.models import BotEvent, BotMessage, CallbackAnswer, JsonDict, UserProfile
from emulator.params import read_params
from emulator.state import Clock, EmulatorState, command_key
from emulator.users import UserActions

MAX_REQUEST_BYTES = 60 * 1024 * 1024  # above the 50 MB a bot may upload, so Telegram's 413 shows


class SupportsToDict(Protocol):
    """A python-telegram-bot object, such as BotCommandScopeChat."""

    def to_dict(self) -> dict[str, Any]: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class BotApiEmulator:
    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        bot_username: str = "SentinellaTestBot",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_first_name: str = "Sentinella",
        clock: Clock = utc_now,
    ) -> None:
        self.token = token
        self.latency = 0.0  # seconds added to every Bot API call
        self.rate_limit_per_second: int | None = None  # send* calls allowed per sliding second
        self.stats = Stats()
        bot_user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._state = EmulatorState(bot_user=bot_user, clock=clock, stats=self.stats)
        self._users = UserActions(self._state)
        self._faults = FaultInjector()
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in BotApiMethods(self._state).table().items()
        }
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        # handler_cancellation: a long poll whose client went away must not swallow updates.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._requested_port))
        await web.SockSite(runner, sock).start()
        self._port = int(sock.getsockname()[1])
        self._runner = runner
        self._state.updates.reopen()

    async def stop(self) -> None:
        self._state.updates.close()  # pending long polls answer [] at once
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def clock(self) -> Clock:
        return self._state.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._state.clock = clock

    @property
    def bot_user(self) -> JsonDict:
        return dict(self._state.bot_user)

    # --- fault injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` ("*": any) with an error.

        `retry_after` only goes into 429 answers, as `parameters.retry_after`."""
        self._faults.fail_next(
            method, status=status, retry_after=retry_after, description=description, times=times
        )

    def drop_connection_next(
        self, method: str, times: int = 1, *, after_processing: bool = False
    ) -> None:
        """Close the connection of the next `times` calls without answering.

        With `after_processing` the call takes effect first (a message is sent, say) and only
        the answer is lost, which is what makes a client's blind retry send a duplicate."""
        self._faults.drop_connection_next(method, times, after_processing)

    def clear_faults(self) -> None:
        self._faults.clear()

    # --- what people do -----------------------------------------------------------------------

    def open_chat(
        self,
        user_id: int,
        first_name: str = "Utente",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "it",
    ) -> JsonDict:
        profile = UserProfile(user_id, first_name, last_name, username, language_code)
        return self._users.open_chat(profile)

    def send_text(self, user_id: int, text: str) -> JsonDict:
        return self._users.send_text(user_id, text)

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> JsonDict:
        return self._users.send_document(user_id, filename, content, mime_type, caption)

    def send_photo(self, user_id: int, content: bytes, caption: str | None = None) -> JsonDict:
        return self._users.send_photo(user_id, content, caption)

    def send_sticker(self, user_id: int, emoji: str = "👍") -> JsonDict:
        return self._users.send_sticker(user_id, emoji)

    def send_voice(self, user_id: int, content: bytes | None = None, duration: int = 1) -> JsonDict:
        return self._users.send_voice(user_id, content, duration)

    def send_location(
        self, user_id: int, latitude: float = 45.4642, longitude: float = 9.19
    ) -> JsonDict:
        return self._users.send_location(user_id, latitude, longitude)

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> JsonDict:
        return self._users.send_contact(user_id, phone_number, first_name, contact_user_id)

    def edit_text(self, user_id: int, message_id: int, new_text: str) -> JsonDict:
        return self._users.edit_text(user_id, message_id, new_text)

    def press_button(self, user_id: int, message_id: int, callback_data: str) -> str:
        return self._users.press_button(user_id, message_id, callback_data)

    def forge_callback(self, user_id: int, message_id: int, data: str) -> str:
        return self._users.forge_callback(user_id, message_id, data)

    def block_bot(self, user_id: int) -> None:
        self._users.block_bot(user_id)

    def unblock_bot(self, user_id: int) -> None:
        self._users.unblock_bot(user_id)

    def redeliver(self, update_id: int) -> None:
        """Deliver the update with this id once more, as after a crash before confirming it."""
        self._state.updates.redeliver(update_id)

    # --- what the bot did ---------------------------------------------------------------------

    def has_chat(self, user_id: int) -> bool:
        return user_id in self._state.chats

    def user(self, user_id: int) -> UserProfile | None:
        chat = self._state.chats.get(user_id)
        return chat.user if chat is not None else None

    def is_blocked(self, user_id: int) -> bool:
        return self._state.chat(user_id).blocked

    def messages(self, chat_id: int) -> list[BotMessage]:
        """Every message the bot sent to the chat, oldest first, deleted ones flagged."""
        chat = self._state.chats.get(chat_id)
        return list(chat.bot_messages.values()) if chat is not None else []

    def message(self, chat_id: int, message_id: int) -> BotMessage | None:
        chat = self._state.chats.get(chat_id)
        return chat.bot_messages.get(message_id) if chat is not None else None

    def last_message(self, chat_id: int) -> BotMessage | None:
        """The newest bot message still in the chat."""
        chat = self._state.chats.get(chat_id)
        if chat is None:
            return None
        return next((m for m in reversed(chat.bot_messages.values()) if not m.deleted), None)

    def recent_messages(self, chat_id: int) -> Iterator[BotMessage]:
        """The bot messages still in the chat, newest first, lazily: cheap in long chats."""
        chat = self._state.chats.get(chat_id)
        if chat is not None:
            yield from (m for m in reversed(chat.bot_messages.values()) if not m.deleted)

    def user_messages(self, chat_id: int) -> list[JsonDict]:
        """The person's messages still in the chat (the bot may have deleted some)."""
        chat = self._state.chats.get(chat_id)
        return list(chat.user_messages.values()) if chat is not None else []

    def chat_action(self, chat_id: int) -> str | None:
        """The last chat action ("typing"...) the bot sent to the chat."""
        return self._state.chat(chat_id).last_chat_action

    @property
    def callback_answers(self) -> dict[str, CallbackAnswer]:
        return self._state.callback_answers

    def unanswered_callbacks(self) -> list[str]:
        """Callback queries the bot never answered: the person still sees a spinner."""
        return list(self._state.pending_callbacks)

    def commands(
        self, scope: Mapping[str, Any] | SupportsToDict | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The command menu set for exactly this scope (None: the default scope).

        `scope` is the Bot API JSON ({"type": "chat", "chat_id": 42}) or a PTB BotCommandScope."""
        if scope is not None and not isinstance(scope, Mapping):
            scope = scope.to_dict()
        stored = self._state.commands.get(command_key(scope, language_code), [])
        return [(command["command"], command["description"]) for command in stored]

    def menu_button(self, chat_id: int | None = None) -> JsonDict | None:
        return self._state.menu_buttons.get(chat_id)

    def file_content(self, file_id: str) -> bytes | None:
        stored = self._state.files.get(file_id)
        return stored.content if stored is not None else None

    @property
    def webhook_url(self) -> str:
        return self._state.webhook_url

    def continue_updates_after(self, update_id: int) -> None:
        """Number the updates from `update_id` + 1 (see UpdateQueue.continue_after)."""
        self._state.updates.continue_after(update_id)

    @property
    def seq(self) -> int:
        """The number of bot actions so far; a watermark for "what happened after this"."""
        return self._state.seq

    def events(self, chat_id: int, after_seq: int = 0) -> list[BotEvent]:
        """The bot's actions in a chat after `after_seq`, oldest first."""
        return self._state.events(chat_id, after_seq)

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float | None = 5.0,  # noqa: ASYNC109 -- the tests' vocabulary: wait_for(p, timeout)
        *,
        chat_id: int | None = None,
    ) -> None:
        """Return once `predicate()` holds, checked after every bot action (only actions in
        `chat_id`, when given); TimeoutError if it does not within `timeout` seconds."""
        await self._state.wait_for(predicate, timeout, chat_id)

    # --- HTTP ---------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._serve_file(path.removeprefix("/file/bot"))
        if path.startswith("/bot"):
            token, _, method = path.removeprefix("/bot").partition("/")
            return await self._call(request, token, method)
        return _answer(ApiError(404, "Not Found").payload(), 404)

    async def _call(self, request: web.Request, token: str, method: str) -> web.StreamResponse:
        if token != self.token:
            return _answer(ApiError(401, "Unauthorized").payload(), 401)
        entry = self._methods.get(method.lower())
        if entry is None:
            return _answer(ApiError(404, "Not Found").payload(), 404)
        name, handler = entry
        self.stats.calls[name] += 1
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        drop = self._faults.take_drop(name)
        if drop is not None and not drop.after_processing:
            return self._drop(request)
        try:
            result = await self._execute(request, name, handler)
        except ApiError as error:
            self._count_error(error)
            body, status = error.payload(), error.status
        else:
            body, status = {"ok": True, "result": result}, 200
        if drop is not None:
            return self._drop(request)
        return _answer(body, status)

    async def _execute(self, request: web.Request, name: str, handler: Handler) -> Any:
        params = await read_params(request)
        failure = self._faults.take_failure(name)
        if failure is not None:
            raise failure
        if is_send_method(name) and not self._faults.admit(
            self.rate_limit_per_second, time.monotonic()
        ):
            raise too_many_requests(1)
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    def _count_error(self, error: ApiError) -> None:
        self.stats.errors[error.status] += 1
        if error.status == 429:
            self.stats.throttled += 1
            self.stats.throttled_at.append(time.monotonic())

    def _drop(self, request: web.Request) -> web.StreamResponse:
        self.stats.dropped += 1
        if request.transport is not None:
            request.transport.close()
        # Nothing reaches the client: the transport is closed before this is written.
        return web.Response()

    def _serve_file(self, rest: str) -> web.StreamResponse:
        token, _, file_path = rest.partition("/")
        stored = self._state.files.by_path(file_path) if token == self.token else None
        if stored is None:
            return _answer(ApiError(404, "Not Found").payload(), 404)
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.content, content_type=content_type)


def _answer(body: JsonDict, status: int) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
    )
