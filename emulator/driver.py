"""A simulated person in a test or the console: what they type, tap and read.

Every action records a watermark (the emulator's count of bot actions at that moment); the
expectations only look at what the bot did after it, so an old message never satisfies a new
expectation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from emulator.models import BotEvent, BotMessage, Button, CallbackAnswer
from emulator.server import BotApiEmulator

_SHOWN_ON_FAILURE = 8  # transcript lines an assertion message shows
QUIET_GAP = 0.1  # seconds without bot actions after which the bot is done answering
FALLBACK_WAIT = 1.0  # how long tap waits for a silent bot before using an older button
_VISIBLE = ("sent", "edited")


class ChatUser:
    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int,
        first_name: str = "Utente",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "it",
    ) -> None:
        self.emulator = emulator
        self.user_id = user_id
        emulator.open_chat(user_id, first_name, last_name, username, language_code)
        self._watermark = emulator.seq
        self._actions: list[tuple[int, str]] = []  # (watermark, what the person did)
        self._last_sent_id: int | None = None
        self._last_query_id: str | None = None

    @property
    def name(self) -> str:
        profile = self.emulator.user(self.user_id)
        return profile.first_name if profile is not None else str(self.user_id)

    # --- actions ------------------------------------------------------------------------------

    async def send(self, text: str) -> None:
        """Type and send a message."""
        self._mark(text)
        self._last_sent_id = self.emulator.send_text(self.user_id, text)["message_id"]

    async def edit_last(self, new_text: str) -> None:
        """Edit the last message this person sent."""
        if self._last_sent_id is None:
            raise AssertionError(f"{self.name} has not sent any message to edit")
        self._mark(f"(modifica) {new_text}")
        self.emulator.edit_text(self.user_id, self._last_sent_id, new_text)

    async def send_file(self, filename: str, content: bytes, mime_type: str | None = None) -> None:
        self._mark(f"📎 {filename}")
        self.emulator.send_document(self.user_id, filename, content, mime_type)

    async def send_photo(self, content: bytes = b"\xff\xd8\xff\xe0fake-jpeg") -> None:
        self._mark("🖼 foto")
        self.emulator.send_photo(self.user_id, content)

    async def send_sticker(self, emoji: str = "👍") -> None:
        self._mark(f"(sticker {emoji})")
        self.emulator.send_sticker(self.user_id, emoji)

    async def send_voice(self) -> None:
        self._mark("(messaggio vocale)")
        self.emulator.send_voice(self.user_id)

    async def send_location(self, latitude: float = 45.4642, longitude: float = 9.19) -> None:
        self._mark(f"(posizione {latitude}, {longitude})")
        self.emulator.send_location(self.user_id, latitude, longitude)

    async def send_contact(self, phone_number: str) -> None:
        self._mark(f"(contatto {phone_number})")
        self.emulator.send_contact(self.user_id, phone_number)

    async def share_contact(self, phone_number: str) -> None:
        """Tap «Condividi il mio numero» (request_contact): the card carries the sender's
        own user_id, as Telegram sends it."""
        self._mark(f"(condivide il proprio numero {phone_number})")
        self.emulator.send_contact(self.user_id, phone_number)

    async def forward_contact(self, phone_number: str, owner_user_id: int = 0) -> None:
        """Send someone else's contact card (forwarded, or picked from the address book)."""
        self._mark(f"(inoltra il contatto {phone_number})")
        self.emulator.send_contact(self.user_id, phone_number, contact_user_id=owner_user_id)

    async def tap(
        self,
        label: str,
        timeout: float = 5.0,  # noqa: ASYNC109 -- same vocabulary as expect()
    ) -> None:
        """Tap the button whose label contains `label` on the newest message that has one.

        Like a person, it waits for the bot's answer to the last action to show up first, so
        `send("/revoca")` then `tap("Rossi")` needs no `expect` in between."""
        message, button = await self._button_to_tap(label, timeout)
        self._press(message, button, stale=False)

    async def tap_stale(self, label: str) -> None:
        """Tap `label` as an out-of-date screen would: on an older message that still shows it,
        else on a keyboard the bot has since replaced or removed (Telegram still delivers such
        taps), else on the newest message. It does not wait for the bot."""
        message, button = self._stale_with(label)
        self._press(message, button, stale=True)

    async def press(self, message: BotMessage, button: Button) -> None:
        """Tap a given button of a given message (what `tap` does once it found them)."""
        self._press(message, button, stale=False)

    async def block(self) -> None:
        self._mark("(blocca il bot)")
        self.emulator.block_bot(self.user_id)

    async def unblock(self) -> None:
        self._mark("(sblocca il bot)")
        self.emulator.unblock_bot(self.user_id)

    # --- expectations -------------------------------------------------------------------------

    async def expect(
        self,
        fragment: str,
        timeout: float = 5.0,  # noqa: ASYNC109 -- reads naturally in tests: expect("x", timeout=1)
    ) -> BotMessage:
        """The bot message (new, or an edit) after the last action containing `fragment`."""
        needle = fragment.casefold()
        return await self._await_message(
            lambda event: needle in event.text.casefold(),
            timeout,
            f"bot message containing {fragment!r}",
        )

    async def document(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 -- same vocabulary as expect()
    ) -> BotMessage:
        """The next document the bot sends after the last action."""

        def is_document(event: BotEvent) -> bool:
            message = self._message(event)
            return event.kind == "sent" and message is not None and message.document is not None

        return await self._await_message(is_document, timeout, "document from the bot")

    async def expect_no_reply(self, within: float = 0.5) -> None:
        """Nothing new from the bot (messages or edits) since the last action, for `within` s."""
        try:
            await self._wait(lambda: bool(self._visible_since()), within)
        except TimeoutError:
            return
        replies = "; ".join(repr(event.text) for event in self._visible_since())
        raise AssertionError(f"{self.name} expected no reply, but the bot sent: {replies}")

    async def expect_answer(
        self,
        fragment: str = "",
        timeout: float = 5.0,  # noqa: ASYNC109 -- same vocabulary as expect()
    ) -> CallbackAnswer:
        """The bot's answer to the last tap (the toast or alert), containing `fragment`."""
        query_id = self._last_query_id
        if query_id is None:
            raise AssertionError(f"{self.name} has not tapped any button")
        answers = self.emulator.callback_answers
        try:
            await self._wait(lambda: query_id in answers, timeout)
        except TimeoutError:
            raise AssertionError(f"the bot did not answer the last tap within {timeout}s") from None
        answer = answers[query_id]
        if fragment.casefold() not in (answer.text or "").casefold():
            raise AssertionError(f"the answer to the tap was {answer.text!r}, not {fragment!r}")
        return answer

    # --- the screen ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        return [m for m in self.emulator.messages(self.user_id) if not m.deleted]

    def last_message(self) -> BotMessage:
        message = self.emulator.last_message(self.user_id)
        if message is None:
            raise AssertionError(f"the bot has not written to {self.name}")
        return message

    def buttons(self) -> list[str]:
        """The labels of the newest message with buttons."""
        recent = self.emulator.recent_messages(self.user_id)
        message = next((m for m in recent if m.reply_markup), None)
        return [button.text for button in message.buttons] if message is not None else []

    @property
    def transcript(self) -> list[tuple[str, str]]:
        """(who, text) in order: "user", "bot", "bot:edit", "bot:delete", "bot:answer"."""
        # An action at watermark w came after bot event w and before bot event w + 1.
        lines: list[tuple[int, int, str, str]] = [
            (watermark, 1, "user", text) for watermark, text in self._actions
        ]
        for event in self.emulator.events(self.user_id):
            who = _WHO.get(event.kind)
            if who is not None:
                lines.append((event.seq, 0, who, event.text))
        return [(who, text) for _, _, who, text in sorted(lines)]

    # --- internals ----------------------------------------------------------------------------

    def _mark(self, description: str) -> None:
        self._watermark = self.emulator.seq
        self._actions.append((self._watermark, description))

    def _press(self, message: BotMessage, button: Button, *, stale: bool) -> None:
        if message.is_link(button):
            raise AssertionError(f"{button.text!r} opens the link {button.data}, it is not a tap")
        self._mark(f"[{button.text}]")
        if stale:
            query = self.emulator.forge_callback(self.user_id, message.message_id, button.data)
        else:
            query = self.emulator.press_button(self.user_id, message.message_id, button.data)
        self._last_query_id = query

    async def _button_to_tap(self, label: str, seconds: float) -> tuple[BotMessage, Button]:
        """A button that appeared since the last action, or failing that the newest one on
        screen, once the bot has had its chance to answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        fallback_at = loop.time() + FALLBACK_WAIT
        while (fresh := self._fresh_with(label)) is None:
            older = self._newest_with(label)
            now = loop.time()
            if older is None:
                wait = deadline - now  # nothing to fall back on: wait for it to appear
            elif self._visible_since():
                wait = min(QUIET_GAP, deadline - now)  # the bot is answering: let it finish
            else:
                wait = min(fallback_at, deadline) - now  # the bot may stay silent
            if not await self._bot_acts_within(wait):
                if older is not None:
                    return older
                raise AssertionError(self._no_button(label))
        return fresh

    async def _bot_acts_within(self, seconds: float) -> bool:
        """Whether the bot does anything in this chat within `seconds`."""
        seen = self.emulator.seq
        try:
            await self._wait(lambda: bool(self.emulator.events(self.user_id, seen)), seconds)
        except TimeoutError:
            return False
        return True

    async def _wait(self, predicate: Callable[[], bool], seconds: float) -> None:
        # Woken only by this chat's activity, so many simulated people stay cheap.
        await self.emulator.wait_for(predicate, max(0.0, seconds), chat_id=self.user_id)

    def _fresh_with(self, label: str) -> tuple[BotMessage, Button] | None:
        for event in reversed(self._visible_since()):
            message = self._message(event)
            button = message.find_button(label) if message and not message.deleted else None
            if message is not None and button is not None:
                return message, button
        return None

    def _newest_with(self, label: str) -> tuple[BotMessage, Button] | None:
        for message in self.emulator.recent_messages(self.user_id):
            button = message.find_button(label)
            if button is not None:
                return message, button
        return None

    def _stale_with(self, label: str) -> tuple[BotMessage, Button]:
        messages = list(self.emulator.recent_messages(self.user_id))
        needle = label.casefold()
        # A button still shown on an older message, then one from a keyboard since replaced,
        # then (not stale after all) the newest message.
        for message in messages[1:]:
            button = message.find_button(label)
            if button is not None:
                return message, button
        for message in messages:
            for keyboard in reversed(message.markup_history):
                match = next(
                    (b for row in keyboard for b in row if needle in b.text.casefold()), None
                )
                if match is not None:
                    return message, match
        newest = self._newest_with(label)
        if newest is None:
            raise AssertionError(self._no_button(label))
        return newest

    def _no_button(self, label: str) -> str:
        shown = [
            f"  #{m.message_id}: " + " | ".join(b.text for b in m.buttons)
            for m in self.messages[-5:]
            if m.reply_markup
        ]
        visible = "\n".join(shown) or "  (no message has buttons)"
        return f"{self.name} sees no button containing {label!r}. Buttons on screen:\n{visible}"

    def _visible_since(self) -> list[BotEvent]:
        events = self.emulator.events(self.user_id, self._watermark)
        return [event for event in events if event.kind in _VISIBLE]

    def _message(self, event: BotEvent) -> BotMessage | None:
        if event.message_id is None:
            return None
        return self.emulator.message(self.user_id, event.message_id)

    async def _await_message(
        self, matches: Callable[[BotEvent], bool], seconds: float, wanted: str
    ) -> BotMessage:
        found: list[BotMessage] = []

        def seen() -> bool:
            for event in self._visible_since():
                message = self._message(event)
                if message is not None and matches(event):
                    found.append(message)
                    return True
            return False

        try:
            await self._wait(seen, seconds)
        except TimeoutError:
            raise AssertionError(self._timeout_report(wanted, seconds)) from None
        return found[0]

    def _timeout_report(self, wanted: str, seconds: float) -> str:
        last_action = self._actions[-1][1] if self._actions else "(nothing yet)"
        lines = [
            f"  {who}: {_one_line(text)}" for who, text in self.transcript[-_SHOWN_ON_FAILURE:]
        ]
        return (
            f"{self.name} got no {wanted} within {seconds}s after {last_action!r}.\n"
            "Last lines of the chat:\n" + ("\n".join(lines) or "  (empty)")
        )


_WHO = {"sent": "bot", "edited": "bot:edit", "deleted": "bot:delete", "answer": "bot:answer"}


def _one_line(text: str, width: int = 120) -> str:
    flat = " ⏎ ".join(text.splitlines())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
